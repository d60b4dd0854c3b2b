"""One list page for every record type: filter, paginate, export (xlsx/CSV), print.

The exporter's columns are the table's columns, so what is exported is what is shown.
"""

from dataclasses import dataclass, field

from django.shortcuts import render
from django.utils.dateparse import parse_date

from .exporters import export_response
from .pagination import paginate, querystring_without_page


@dataclass
class Filter:
    name: str
    label: object
    kind: str = "text"  # text | date | select
    choices: list = field(default_factory=list)


def read_filters(request, filters: list[Filter]) -> dict:
    values = {}
    for f in filters:
        raw = request.GET.get(f.name, "").strip()
        if not raw:
            continue
        if f.kind == "date" and parse_date(raw) is None:
            continue  # a malformed date filters nothing rather than failing
        if f.kind == "select" and raw not in {str(v) for v, _label in f.choices}:
            continue
        values[f.name] = raw
    return values


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
):
    if request.GET.get("export") in ("xlsx", "csv"):
        return export_response(request, exporter, queryset, personal=personal, filters=values)
    page = paginate(request, queryset, count=count)
    columns = exporter.columns
    rows = [(obj, detail_url(obj), [col.value(obj) for col in columns]) for obj in page]
    return render(
        request,
        "includes/record_list.html",
        {
            "title": title,
            "headers": [c.header for c in columns],
            "rows": rows,
            "page": page,
            "filters": filters,
            "values": values,
            "querystring": querystring_without_page(request),
            "create_url": create_url,
            "summary": summary,
        },
    )
