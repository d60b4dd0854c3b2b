"""One list page for every record type: filter, paginate, export (xlsx/CSV), print.

The exporter's columns are the table's columns, so what is exported is what is shown.
"""

from django.conf import settings
from django.shortcuts import render
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext_lazy

from .exporters import export_response
from .filters import Filter, read_filters  # noqa: F401  (the list pages' filter vocabulary)
from .markup import conditional_escape, escape
from .pagination import paginate, querystring_without_page
from .templatetags.shegong import cell


def list_page(
    request,
    *,
    queryset,
    exporter,
    title,
    filters: list[Filter],
    values: dict,
    detail_url,
    create_url: str | None = None,
    personal: bool = False,
    summary: str = "",
    count: int | None = None,
    testid: str = "record-table",
    actions: str = "",
):
    """A filtered, paged, exportable and printable list (``actions``: a template of
    buttons for the toolbar)."""
    wanted = request.GET.get("export")
    if wanted in ("xlsx", "csv") or (wanted == "json" and exporter.json_keys):
        return export_response(request, exporter, queryset, personal=personal, filters=values)
    if exporter.page_fields:
        queryset = queryset.only(*exporter.page_fields)
    if exporter.prepare_page is not None:
        queryset = queryset.prefetch_related(None)
    page = paginate(request, queryset, count=count, bound=settings.SHEGONG_LIST_COUNT_BOUND)
    records = list(page)
    if exporter.prepare_page is not None:
        exporter.prepare_page(records)
    columns = exporter.page_columns or exporter.columns
    headers = [escape(str(c.header)) for c in columns]  # translated once, not per cell
    rows = [(obj, detail_url(obj), [col.value(obj) for col in columns]) for obj in records]
    return render(
        request,
        "includes/record_list.html",
        {
            "title": title,
            "headers": headers,
            "rows": rows,  # (record, its URL, its cells' values)
            "lines": [_row(headers, url, cells) for _obj, url, cells in rows],
            "page": page,
            "filters": filters,
            "filter_options": {
                f.name: _options(f, values.get(f.name)) for f in filters if f.kind == "select"
            },
            "values": values,
            "querystring": querystring_without_page(request),
            "create_url": create_url,
            "summary": summary,
            "testid": testid,
            "actions": actions,
        },
    )


def sub_list(request, queryset, *, per_page: int = 50):
    """A page of the rows a detail page lists under its record (a round's stations), and
    the query string its page links keep: the same paging as ``list_page``, for a page
    that is not a list itself. Render ``includes/pagination.html`` with ``page`` and
    ``querystring``."""
    return paginate(request, queryset, per_page=per_page), querystring_without_page(request)


# The filter every list of voidable records (``core.models.Voidable``) has: valid, voided,
# or (empty) both, the voided marked in the list's "voided" column.
VOID_FILTER = Filter(
    "status",
    gettext_lazy("Status"),
    "select",
    [("valid", gettext_lazy("Valid")), ("voided", gettext_lazy("Voided"))],
)


def void_filtered(queryset, filters: dict):
    """``queryset`` narrowed by ``VOID_FILTER``'s value in ``filters``."""
    status = filters.get("status")
    if status == "valid":
        return queryset.filter(voided_at=None)
    if status == "voided":
        return queryset.exclude(voided_at=None)
    return queryset


CELL_CHARS = 120  # a cell's text is cut here, the rest left to the record's page


def _cell(value) -> str:
    """A table cell's HTML: the ``cell`` filter's text (dates, yes/no, a dash for empty),
    escaped unless already safe, cut at ``CELL_CHARS`` like ``truncatechars``."""
    shown = cell(value)
    text = str(shown)
    if len(text) > CELL_CHARS:
        text = text[: CELL_CHARS - 1] + "…"
        return mark_safe(text) if isinstance(shown, SafeData) else escape(text)  # noqa: S308
    return conditional_escape(shown)


def _options(f: Filter, value) -> str:
    """A select filter's ``<option>``s, its label first (no value) and the chosen value
    selected: built here rather than by template tags per option, as ``_row`` is (a
    county's village filter has hundreds of options)."""
    chosen = "" if value is None else str(value)
    parts = [f'<option value="">{escape(str(f.label))}</option>']
    for v, label in f.choices:
        v = str(v)
        selected = " selected" if v == chosen else ""
        parts.append(f'<option value="{escape(v)}"{selected}>{escape(str(label))}</option>')
    return mark_safe("".join(parts))  # noqa: S308 (every part escaped above)


def _row(headers: list[str], url: str | None, values: list) -> str:
    """One ``<tr>`` of a list, built here rather than by the template: a page of 50 rows of
    eight columns is 400 cells, and rendering each through template tags and filters was
    half of a list page's time (bench/profile_pages.py)."""
    cells = []
    for i, (header, value) in enumerate(zip(headers, values, strict=False)):
        text = _cell(value)
        if i == 0 and url:
            text = f'<a href="{escape(url)}">{text}</a>'
        cells.append(f'<td data-label="{header}">{text}</td>')
    return mark_safe("<tr>" + "".join(cells) + "</tr>")  # noqa: S308 (every part escaped above)
