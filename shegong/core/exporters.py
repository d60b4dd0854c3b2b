"""One exporter base: subclasses name their columns once; rows render as xlsx or CSV.

Files carry Chinese headers (in the active language), open in WPS and Excel, and say who
exported them and when in the first rows.
"""

import csv
import io
import json
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from . import replica
from .choices import label_of
from .crypto import mask_name
from .signals import export_requested

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def choice(name: str) -> Callable[[Any], Any]:
    """A column's value: the label of the choices field ``name``, as
    ``get_<name>_display()`` gives it (``core.choices``: from a dict built once)."""

    fields: dict = {}  # by model: the field, looked up once

    def value(obj):
        field = fields.get(type(obj))
        if field is None:
            field = fields[type(obj)] = obj._meta.get_field(name)
        return label_of(field, getattr(obj, name))

    return value


@dataclass(frozen=True)
class Column:
    header: Any  # lazy translatable string
    value: Callable[[Any], Any]
    width: int = 16
    # what a de-identified list does with the column: "name" (a recipient's name) shows
    # the surname only; "text" (free text that may name or describe a person) is left out
    private: str = ""


def set_names(records: list, attr: str, rows) -> None:
    """For ``Exporter.prepare_page``: set ``attr`` on each record to the list of names
    ``rows`` give it (``(record id, name)`` pairs, in the order shown); none, an empty list."""
    names: dict = {}
    for pk, name in rows:
        names.setdefault(pk, []).append(name)
    for record in records:
        setattr(record, attr, names.get(record.pk, []))


def names(attr: str, prefetched: Callable[[Any], Iterable[str]]) -> Callable[[Any], str]:
    """A column of names joined by 、: those ``prepare_page`` set at ``attr`` (a list's
    page), else ``prefetched(record)`` read from the prefetched rows (an export)."""

    def value(record) -> str:
        found = getattr(record, attr, None)
        return "、".join(found if found is not None else prefetched(record))

    return value


def _void_status(record) -> str:
    return _("Voided") if record.voided_at else ""


def _void_reason(record) -> str:
    return record.void_reason if record.voided_at else ""


# a voidable record's state (``core.models.Voidable``): the list marks a voided row; the
# reason is free text, left out of a de-identified list
VOID_COLUMNS = [
    Column(_lazy("Voided"), _void_status, 8),
    Column(_lazy("Reason for voiding"), _void_reason, 20, private="text"),
]


def _deidentified(columns: list[Column] | None) -> list[Column] | None:
    if columns is None:
        return None
    out = []
    for col in columns:
        if col.private == "text":
            continue
        if col.private == "name":
            value = col.value
            col = Column(
                col.header, lambda obj, value=value: mask_name(str(value(obj) or "")), col.width
            )
        out.append(col)
    return out


class Exporter:
    title: Any = ""
    columns: list[Column] = []
    # what the list page shows (default: every column); the first links to the record
    page_columns: list[Column] | None = None
    # the fields the page's columns read (``QuerySet.only``: the page's rows are built from
    # these, not from every column of every joined table); empty: all. A column reading a
    # field left out would cost a query per row: the list pages' query pins catch it
    page_fields: tuple[str, ...] = ()
    # the page's records made ready in one query (``prepare_page(records)``): what a column
    # reads of a relation to many (a person's categories) set on each record from plain
    # values, not prefetched as model objects. Set, the list page drops the queryset's
    # prefetches (an export keeps them) and calls it with the page's records
    prepare_page: Callable[[list], None] | None = None
    # machine keys of the columns: set, the list also exports JSON (``?export=json``)
    json_keys: list[str] | None = None

    # True for the de-identified variant (``deidentified()``): names masked, free text out
    is_deidentified = False

    @classmethod
    def deidentified(cls) -> type["Exporter"]:
        """The same exporter with recipients' names masked to the surname and free text left
        out: what an evaluator or an agency reads of person-level records."""
        return type(
            cls.__name__,
            (cls,),
            {
                "columns": _deidentified(cls.columns),
                "page_columns": _deidentified(cls.page_columns),
                "is_deidentified": True,
            },
        )

    def __init__(self, queryset: Iterable, *, user):
        self.queryset = queryset
        self.user = user

    def headers(self) -> list[str]:
        return [force_str(c.header) for c in self.columns]

    def rows(self) -> Iterable[list[Any]]:
        """Each object's cells, ready for a file: text that a spreadsheet would take for a
        formula is left as text by ``to_xlsx`` and ``to_csv`` (see ``is_formula_like``)."""
        for obj in self.queryset:
            yield [_cell(c.value(obj)) for c in self.columns]

    def stamp(self) -> str:
        now = timezone.localtime()
        return _("Exported by %(user)s at %(time)s") % {
            "user": self.user.display_name,
            "time": now.strftime("%Y-%m-%d %H:%M"),
        }

    def filename(self, ext: str) -> str:
        return f"{force_str(self.title)}-{timezone.localtime():%Y%m%d-%H%M}.{ext}"

    def sheets(self) -> Iterable["Sheet"]:
        """The workbook's sheets: one for a list; a report yields several."""
        yield Sheet(
            title=force_str(self.title),
            lines=[force_str(self.title), self.stamp()],
            headers=self.headers(),
            widths=[c.width for c in self.columns],
            rows=self.rows(),
        )

    def to_xlsx(self) -> bytes:
        return workbook_bytes(self.sheets())

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([csv_text(self.stamp())])
        writer.writerow([csv_text(h) for h in self.headers()])
        writer.writerows([csv_text(v) for v in row] for row in self.rows())
        return "\ufeff" + buf.getvalue()  # BOM so Excel reads UTF-8

    def to_json(self) -> str:
        """The rows as JSON records keyed by ``json_keys`` (for systems, not people: an
        exporter offers it only when it names its keys)."""
        keys = self.json_keys or self.headers()
        records = [
            dict(zip(keys, (c.value(obj) for c in self.columns), strict=True))
            for obj in self.queryset
        ]
        return json.dumps(
            {"title": force_str(self.title), "exported": self.stamp(), "records": records},
            cls=DjangoJSONEncoder,
            ensure_ascii=False,
            indent=1,
        )

    def response(self, fmt: str = "xlsx") -> HttpResponse:
        if fmt == "json" and self.json_keys:
            resp = HttpResponse(self.to_json(), content_type="application/json; charset=utf-8")
            resp["Content-Disposition"] = content_disposition_header(True, self.filename("json"))
            return resp
        if fmt == "csv":
            resp = HttpResponse(self.to_csv(), content_type="text/csv; charset=utf-8")
            name = self.filename("csv")
        else:
            resp = HttpResponse(self.to_xlsx(), content_type=XLSX_TYPE)
            name = self.filename("xlsx")
        resp["Content-Disposition"] = content_disposition_header(True, name)
        return resp


# OWASP CSV injection: a cell starting with one of these is run as a formula by Excel, WPS
# and LibreOffice (``=HYPERLINK(...)`` typed as a name becomes a live link in an officer's
# export). Residents and workers type text that officers export, so no text cell of any
# export or report may start a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_text(value):
    """A CSV cell: formula-like text gets a leading apostrophe (shown as text, not run)."""
    return "'" + value if is_formula_like(value) else value


def xlsx_cell(ws, value, **style):
    """A cell for a write-only sheet: formula-like text is stored as a string with Excel's
    quote prefix (shown as typed, never evaluated); ``style`` sets font or alignment."""
    if not style and not is_formula_like(value):
        return value
    cell = WriteOnlyCell(ws, value=value)
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    for name, item in style.items():
        setattr(cell, name, item)
    return cell


@dataclass
class Sheet:
    """One sheet of a workbook: a title block (each line merged across the table, wrapped,
    its row tall enough to read), a bold header row that stays in view and repeats on every
    printed page, then the rows. Printed on A4, fitted to the page's width."""

    title: str
    lines: list[str]
    headers: list[str]
    widths: list[int]
    rows: Iterable[list[Any]]
    landscape: bool = False


TITLE_POINTS = 22
LINE_POINTS = 16


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: Chinese characters count twice."""

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def line_height(text: str, total_width: int, *, first: bool) -> float:
    """Points for a wrapped line of ``text`` across columns ``total_width`` wide."""
    lines = max(1, -(-display_width(text) // max(total_width, 1)))  # ceiling division
    return (TITLE_POINTS if first else 0) + LINE_POINTS * (lines - (1 if first else 0))


def write_sheet(ws, sheet: Sheet) -> None:
    """Lay out ``sheet`` on an empty write-only worksheet."""

    ncols = max(len(sheet.headers), 1)
    total = sum(sheet.widths[:ncols]) or 16
    for i, width in enumerate(sheet.widths):
        ws.column_dimensions[_col_letter(i)].width = width
    # a write-only sheet writes its view and page setup with its first row: set them first
    header_row = len(sheet.lines) + 1
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if sheet.landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wrap = Alignment(wrap_text=True, vertical="top")
    for n, line in enumerate(sheet.lines, start=1):
        ws.row_dimensions[n].height = line_height(line, total, first=n == 1)
        if ncols > 1:
            ws.merged_cells.add(f"A{n}:{_col_letter(ncols - 1)}{n}")
        font = Font(bold=True, size=14) if n == 1 else Font(size=11)
        ws.append([xlsx_cell(ws, line, alignment=wrap, font=font)])
    centre = Alignment(wrap_text=True, vertical="center")
    ws.append([xlsx_cell(ws, h, font=Font(bold=True), alignment=centre) for h in sheet.headers])
    for row in sheet.rows:
        ws.append([xlsx_cell(ws, v) for v in row])


def workbook_bytes(sheets: Iterable[Sheet]) -> bytes:
    """A workbook of ``sheets`` (streamed: write-only, so a 100,000-row list stays small)."""
    wb = Workbook(write_only=True)
    for sheet in sheets:
        write_sheet(wb.create_sheet(title=_sheet_title(sheet.title)), sheet)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_title(title: str) -> str:
    """Excel refuses these characters in a sheet's name, and more than 31 of them."""
    for ch in "[]:*?/\\":
        title = title.replace(ch, " ")
    return title[:31] or "Sheet1"


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str | int | float):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return force_str(value)


def _col_letter(i: int) -> str:

    return get_column_letter(i + 1)


PERSONAL_EXPORT = "shegong.export_personal"


def may_export_personal(user) -> bool:
    """Exports of personal data need this permission (PIPL: minimum necessary). The role set
    is ``accounts.policy``'s; the question is asked through Django's ``has_perm``."""
    return user.has_perm(PERSONAL_EXPORT)


def export_response(
    request, exporter_cls, queryset, *, personal: bool, filters: dict | None = None
):
    """Every export goes through here: permission for personal data, then an audit entry
    (``core.signals.export_requested``, recorded by the audit app), then the file."""

    fmt = request.GET.get("export")
    allowed = not personal or may_export_personal(request.user)
    export_requested.send(
        sender=exporter_cls, request=request, allowed=allowed, fmt=fmt, filters=filters or {}
    )
    if not allowed:
        raise PermissionDenied(_("You may not export personal data."))
    with replica.reads(user_id=request.user.pk):
        return exporter_cls(queryset, user=request.user).response(fmt)
