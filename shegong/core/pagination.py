from django.conf import settings
from django.core.paginator import Paginator


class KnownCountPaginator(Paginator):
    """A paginator told its count (e.g. from a pre-aggregate) instead of counting rows."""

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__["count"] = count  # fills the cached_property


def paginate(request, queryset, *, per_page: int | None = None, count: int | None = None):
    """The requested page of ``queryset``; a bad page number gives the nearest real page.
    ``count``, when known, spares the COUNT(*) of a large list."""
    size = per_page or settings.SHEGONG_PAGE_SIZE
    if count is None:
        paginator = Paginator(queryset, size)
    else:
        paginator = KnownCountPaginator(queryset, size, count=count)
    return paginator.get_page(request.GET.get("page"))


def querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    return params.urlencode()
