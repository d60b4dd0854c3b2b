from django.conf import settings
from django.core.paginator import Paginator


def paginate(request, queryset, *, per_page: int | None = None):
    """The requested page of ``queryset``; a bad page number gives the nearest real page."""
    paginator = Paginator(queryset, per_page or settings.SHEGONG_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    return params.urlencode()
