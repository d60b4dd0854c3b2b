from itertools import chain

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


class Concatenated:
    """Two querysets listed as one: every row of ``first``, then every row of ``second``,
    each in its own order. A list that puts some rows first (certificates awaiting review
    before the others) would otherwise sort on an expression (``CASE WHEN … END``), which
    no index can give, so the database sorts every row of the region for each page; each
    part here is ordered by its index and read with its own LIMIT and OFFSET, so a page
    reads its 50 rows, whatever the region's size.

    A page (a slice) reads one query per part it covers; ``first_count`` (already counted,
    e.g. by the list's summary) spares the count that tells where ``second`` begins.
    ``only`` and ``prefetch_related`` apply to both parts, as ``list_page`` asks of a list's
    queryset; iterating (an export) reads both in turn."""

    ordered = True  # each part is ordered (Paginator warns of an unordered list)

    def __init__(self, first, second, *, first_count: int | None = None):
        self.first, self.second = first, second
        self.model = first.model
        self._first_count = first_count

    def _derive(self, method: str, *args) -> "Concatenated":
        return Concatenated(
            getattr(self.first, method)(*args),
            getattr(self.second, method)(*args),
            first_count=self._first_count,
        )

    def only(self, *fields) -> "Concatenated":
        return self._derive("only", *fields)

    def prefetch_related(self, *lookups) -> "Concatenated":
        return self._derive("prefetch_related", *lookups)

    @property
    def first_count(self) -> int:
        if self._first_count is None:
            self._first_count = self.first.count()
        return self._first_count

    def count(self) -> int:
        return self.first_count + self.second.count()

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return chain(self.first, self.second)

    def __getitem__(self, key):
        if isinstance(key, int):
            if key < 0:
                raise IndexError("negative indexing is not supported")
            rows = self[key : key + 1]
            if not rows:
                raise IndexError(key)
            return rows[0]
        if not isinstance(key, slice) or key.step is not None:
            raise TypeError("a Concatenated takes an index or a slice without a step")
        start, stop = key.start or 0, key.stop
        if start < 0 or (stop is not None and stop < 0):
            raise ValueError("negative indexing is not supported")
        if stop is not None and stop <= start:
            return []
        split = self.first_count
        rows = []
        if start < split:
            rows += list(self.first[start : split if stop is None else min(stop, split)])
        if stop is None or stop > split:
            rows += list(
                self.second[max(start - split, 0) : None if stop is None else stop - split]
            )
        return rows


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
