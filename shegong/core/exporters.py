"""One exporter base: subclasses name their columns once; rows render as xlsx or CSV.

Files carry Chinese headers (in the active language), open in WPS and Excel, and say who
exported them and when in the first rows.
"""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    header: Any  # lazy translatable string
    value: Callable[[Any], Any]
    width: int = 16


class Exporter:
    title: Any = ""
    columns: list[Column] = []

    def __init__(self, queryset: Iterable, *, user):
        self.queryset = queryset
        self.user = user

    def headers(self) -> list[str]:
        return [force_str(c.header) for c in self.columns]

    def rows(self) -> Iterable[list[Any]]:
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

    def to_xlsx(self) -> bytes:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title=force_str(self.title)[:31] or "Sheet1")
        for i, col in enumerate(self.columns):
            ws.column_dimensions[_col_letter(i)].width = col.width
        ws.append([force_str(self.title)])
        ws.append([self.stamp()])
        bold = Font(bold=True)
        from openpyxl.cell import WriteOnlyCell

        header_cells = []
        for h in self.headers():
            cell = WriteOnlyCell(ws, value=h)
            cell.font = bold
            header_cells.append(cell)
        ws.append(header_cells)
        for row in self.rows():
            ws.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([self.stamp()])
        writer.writerow(self.headers())
        writer.writerows(self.rows())
        return "\ufeff" + buf.getvalue()  # BOM so Excel reads UTF-8

    def response(self, fmt: str = "xlsx") -> HttpResponse:
        if fmt == "csv":
            resp = HttpResponse(self.to_csv(), content_type="text/csv; charset=utf-8")
            name = self.filename("csv")
        else:
            resp = HttpResponse(self.to_xlsx(), content_type=XLSX_TYPE)
            name = self.filename("xlsx")
        resp["Content-Disposition"] = content_disposition_header(True, name)
        return resp


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
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def may_export_personal(user) -> bool:
    """Exports of personal data need this permission (PIPL: minimum necessary)."""
    from shegong.accounts.roles import STATION_ROLES, Role

    return user.role in STATION_ROLES or user.role in (Role.COUNTY_OFFICER, Role.AUDIT_ADMIN)


def export_response(
    request, exporter_cls, queryset, *, personal: bool, filters: dict | None = None
):
    """Every export goes through here: permission for personal data, then an audit entry."""
    from django.core.exceptions import PermissionDenied

    from shegong.audit.services import audit_log

    fmt = request.GET.get("export")
    if personal and not may_export_personal(request.user):
        audit_log(
            action="shegong.export.refused",
            request=request,
            success=False,
            data={"list": str(exporter_cls.title)},
        )
        raise PermissionDenied(_("You may not export personal data."))
    audit_log(
        action="shegong.export",
        request=request,
        data={"list": str(exporter_cls.title), "format": fmt, **(filters or {})},
    )
    return exporter_cls(queryset, user=request.user).response(fmt)
