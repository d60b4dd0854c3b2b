"""Reading a large uploaded table, row by row: Excel (.xlsx, .xls, and the same saved by
WPS), OpenDocument (.ods) and CSV in UTF-8 or GBK. The kind is told from the file's first
bytes, not its name; CSV's encoding from its first 64 KB. Spreadsheets are read by
python-calamine (Rust: a 100,000-row sheet in about a second, without openpyxl's
per-cell objects); CSV is streamed.

Columns are matched by header, in any order, through synonyms (身份证号 / 身份证号码 /
公民身份号码), with spaces, full-width brackets and a required-column star ignored.
Every problem is a ``TableError``, in words.
"""

import codecs
import csv
import datetime
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

OLE2 = b"\xd0\xcf\x11\xe0"  # .xls, .et (WPS)
ZIP = b"PK\x03\x04"  # .xlsx, .ods
SNIFF = 64 * 1024


class TableError(ValueError):
    """The file cannot be read as a table, or lacks a column it needs."""


@dataclass(frozen=True)
class Column:
    """A column an import reads: its key, the header the template writes, and the other
    headers people give it."""

    key: str
    header: str
    synonyms: tuple[str, ...] = ()
    required: bool = False


def header_key(text) -> str:
    """A header as compared: no spaces or stars, half-width brackets, lower case."""
    text = "" if text is None else str(text)
    text = text.replace("（", "(").replace("）", ")").replace("*", "").replace("＊", "")
    return re.sub(r"\s+", "", text).lower()


def cell_text(value) -> str:
    """A cell as text: whole numbers without ".0" (a phone typed as a number), dates as
    ISO dates, nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, float):
        if abs(value) >= 1e15:  # an ID number typed as a number has lost its last digits
            return repr(value).upper()
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if not value.time() else value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


class Table:
    """An open table: ``columns`` found, ``rows()`` to read, ``done`` (0–1) how far."""

    def __init__(self, source: str | BinaryIO, columns: list[Column]):
        """``source``: a path, or a binary file open at its start (an upload)."""
        self._file = open(source, "rb") if isinstance(source, str) else source  # noqa: SIM115
        self._owned = isinstance(source, str)  # a file opened here is closed here
        head = self._file.read(SNIFF)
        self._file.seek(0)
        self._columns = columns
        if head.startswith(ZIP) or head.startswith(OLE2):
            self.kind = "sheet"
            try:
                self._book = (
                    CalamineWorkbook.from_path(source)
                    if self._owned
                    else CalamineWorkbook.from_filelike(self._file)
                )
                self._sheet = self._book.get_sheet_by_index(0)
            except (CalamineError, ValueError, OSError) as exc:
                self.close()
                raise TableError(_("The file cannot be read as a spreadsheet.")) from exc
            self._height = max(1, self._sheet.total_height)
            self._rows = iter(self._sheet.iter_rows())
        else:
            self.kind = "csv"
            self._encoding = _encoding(head)
            self._text = io.TextIOWrapper(self._file, encoding=self._encoding, newline="")
            self._bytes = max(1, self._file.seek(0, os.SEEK_END))
            self._file.seek(0)
            self._rows = csv.reader(self._text)
        self.line = 0
        try:
            self.header_line, self.positions = self._find_header()
        except TableError:
            self.close()
            raise

    def _next(self):
        try:
            row = next(self._rows)
        except UnicodeDecodeError as exc:
            raise TableError(
                _("Line %(line)s is not in the file's encoding (%(enc)s).")
                % {"line": self.line + 1, "enc": self._encoding}
            ) from exc
        except csv.Error as exc:
            raise TableError(
                _("Line %(line)s cannot be read: %(error)s") % {"line": self.line + 1, "error": exc}
            ) from exc
        self.line += 1
        return row

    def _find_header(self) -> tuple[int, dict[str, int]]:
        """The first of the first 20 rows naming a required column is the header row."""
        names = {}
        for column in self._columns:
            for text in (column.header, *column.synonyms):
                names.setdefault(header_key(text), column.key)
        required = {c.key for c in self._columns if c.required}
        for _i in range(20):
            try:
                row = self._next()
            except StopIteration:
                break
            found: dict[str, int] = {}
            self.headers: dict[str, str] = {}  # the file's own header of each column
            for i, value in enumerate(row):
                key = names.get(header_key(value))
                if key is not None and key not in found:
                    found[key] = i
                    self.headers[key] = cell_text(value)
            if found and (required & set(found)):
                absent = [c.header for c in self._columns if c.required and c.key not in found]
                if absent:
                    raise TableError(_("Columns missing: %(cols)s") % {"cols": "、".join(absent)})
                return self.line, found
        raise TableError(
            _("No header row was found: the first rows name none of %(cols)s.")
            % {"cols": "、".join(c.header for c in self._columns if c.required)}
        )

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(line, {key: text}) for each line below the header that is not empty."""
        positions = list(self.positions.items())
        while True:
            try:
                row = self._next()
            except StopIteration:
                return
            values = {key: cell_text(row[i]) if i < len(row) else "" for key, i in positions}
            if any(values.values()):
                yield self.line, values

    @property
    def done(self) -> float:
        if self.kind == "sheet":
            return min(1.0, self.line / self._height)
        return min(1.0, self._file.tell() / self._bytes)

    def close(self) -> None:
        if getattr(self, "kind", None) == "sheet" and hasattr(self, "_book"):
            self._book.close()
        elif getattr(self, "kind", None) == "csv":
            self._text.detach()  # leave the file itself to whoever opened it
        if self._owned:
            self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _encoding(head: bytes) -> str:
    """UTF-8 (with or without its mark) when the first 64 KB decode as such, else GB18030
    (GBK's superset: what Excel and WPS write for "CSV" on a Chinese Windows)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"
