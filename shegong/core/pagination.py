from django.conf import settings
from django.core.paginator import Paginator

# a page number past this is read as this (an offset the database can still take)
MAX_PAGE = 1_000_000


class KnownCountPaginator(Paginator):
    """A paginator told its count (e.g. from a pre-aggregate) instead of counting rows.
    ``more_than``: the count is only a floor; there are more rows than this, uncounted."""

    def __init__(self, *args, count: int, more_than: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__["count"] = count  # fills the cached_property
        self.more_than = more_than


def _page_number(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def bounded_count(queryset, *, offset: int, bound: int) -> tuple[int, int | None]:
    """The rows of ``queryset`` counted up to ``offset + bound``: (the count, None) when
    there are no more, else (``offset + bound + 1``, ``offset + bound``): more rows than
    that, left uncounted. The database stops at the bound (``COUNT(*)`` over a ``LIMIT``,
    no ordering), so a province's list of millions costs what a county's does."""
    limit = offset + bound
    found = queryset.order_by().values("pk")[: limit + 1].count()
    return (found, None) if found <= limit else (found, limit)


def paginate(
    request,
    queryset,
    *,
    per_page: int | None = None,
    count: int | None = None,
    bound: int | None = None,
):
    """The requested page of ``queryset``; a bad page number gives the nearest real page.
    ``count``, when known, spares the COUNT(*) of a large list; else ``bound`` (rows past
    the page's start) caps what is counted: past it the page says "more than N" and links
    the next page (``bounded_count``)."""
    size = per_page or settings.SHEGONG_PAGE_SIZE
    number = request.GET.get("page")
    if count is None and bound is not None:
        number = _page_number(number)
        count, more_than = bounded_count(queryset, offset=(number - 1) * size, bound=bound)
        paginator = KnownCountPaginator(queryset, size, count=count, more_than=more_than)
    elif count is None:
        paginator = Paginator(queryset, size)
    else:
        paginator = KnownCountPaginator(queryset, size, count=count)
    return paginator.get_page(number)


def querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    return params.urlencode()
