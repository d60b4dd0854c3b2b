"""Reading an uploaded spreadsheet, once for every import (pay sheets, indicator trees …):
the file is checked to be a small .xlsx, its header row found by a marker column, the
columns named by their headers, and each line handed back with its line number. Every
problem is a ``forms.ValidationError`` on ``file``, in words."""

from collections.abc import Iterator

from django import forms
from django.utils.translation import gettext as _
from openpyxl import load_workbook

MAX_SHEET_BYTES = 5 * 1024 * 1024
MAX_SHEET_ROWS = 5000


def cell_text(value) -> str:
    return "" if value is None else str(value).strip()


def read_lines(
    upload, *, columns: list[tuple[str, str]], marker: str, required=None
) -> Iterator[tuple[int, dict]]:
    """(line number, {key: raw value}) for each non-empty line below the header row (the
    first row with ``marker``); ``columns`` are (key, header) pairs, ``required`` the
    headers that must be there (all of them when None)."""
    if upload.size > MAX_SHEET_BYTES:
        raise forms.ValidationError({"file": _("The sheet is larger than 5 MB.")})
    head = upload.read(4)
    upload.seek(0)
    if head != b"PK\x03\x04":
        raise forms.ValidationError({"file": _("This is not an Excel (.xlsx) file.")})
    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # a damaged file: openpyxl raises many kinds
        raise forms.ValidationError({"file": _("The file cannot be read as Excel.")}) from exc
    try:
        headers, count = None, 0
        for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), 1):
            texts = [cell_text(v) for v in values]
            if headers is None:
                if marker in texts:
                    wanted = {label: key for key, label in columns}
                    headers = {i: wanted[t] for i, t in enumerate(texts) if t in wanted}
                    must = set(wanted) if required is None else set(required)
                    absent = must - set(texts)
                    if absent:
                        raise forms.ValidationError(
                            {
                                "file": _("Columns missing: %(cols)s")
                                % {"cols": "、".join(sorted(absent))}
                            }
                        )
                continue
            if not any(texts):
                continue
            count += 1
            if count > MAX_SHEET_ROWS:
                raise forms.ValidationError(
                    {"file": _("At most %(n)s lines at a time.") % {"n": MAX_SHEET_ROWS}}
                )
            yield number, {key: values[i] for i, key in headers.items() if i < len(values)}
        if headers is None:
            raise forms.ValidationError(
                {"file": _("No header row with %(marker)s was found.") % {"marker": marker}}
            )
    finally:
        book.close()
