"""One list page for every record type: filter, paginate, export (xlsx/CSV), print.

The exporter's columns are the table's columns, so what is exported is what is shown.
"""

from django.shortcuts import render

from .exporters import export_response
from .filters import Filter, read_filters  # noqa: F401  (the list pages' filter vocabulary)
from .pagination import paginate, querystring_without_page


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
):
    if request.GET.get("export") in ("xlsx", "csv"):
        return export_response(request, exporter, queryset, personal=personal, filters=values)
    page = paginate(request, queryset, count=count)
    columns = exporter.page_columns or exporter.columns
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
            "testid": testid,
        },
    )
