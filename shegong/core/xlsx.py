"""Reading a small uploaded spreadsheet a form takes whole (pay sheets, indicator trees …):
at most 5 MB and 5,000 lines, read by ``core.tables.Table`` (the same reader as the large
imports: .xlsx, .xls, WPS files or CSV in UTF-8 or GBK), its header row the first with
the marker column, the columns named by their headers, each line handed back with its
line number and each cell as the text a person sees. Every problem is a
``forms.ValidationError`` on ``file``, in words."""

from collections.abc import Iterator

from django import forms
from django.utils.translation import gettext as _

from .tables import Column, Table, TableError

MAX_SHEET_BYTES = 5 * 1024 * 1024
MAX_SHEET_ROWS = 5000


def read_lines(
    upload, *, columns: list[tuple[str, str]], marker: str, required=None
) -> Iterator[tuple[int, dict]]:
    """(line number, {key: text}) for each non-empty line below the header row (the
    first row with ``marker``); ``columns`` are (key, header) pairs, ``required`` the
    headers that must be there (all of them when None)."""
    if upload.size > MAX_SHEET_BYTES:
        raise forms.ValidationError({"file": _("The sheet is larger than 5 MB.")})
    must = {label for _key, label in columns} if required is None else set(required)
    must.add(marker)
    wanted = [Column(key, label, required=label in must) for key, label in columns]
    upload.seek(0)
    try:
        table = Table(upload, wanted)
    except TableError as exc:
        raise forms.ValidationError({"file": str(exc)}) from exc
    count = 0
    try:
        for number, values in table.rows():
            count += 1
            if count > MAX_SHEET_ROWS:
                raise forms.ValidationError(
                    {"file": _("At most %(n)s lines at a time.") % {"n": MAX_SHEET_ROWS}}
                )
            yield number, values
    except TableError as exc:
        raise forms.ValidationError({"file": str(exc)}) from exc
    finally:
        table.close()
