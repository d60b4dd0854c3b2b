from django.db.models import Q, QuerySet

from shegong.core.divisions import region_filter

from .models import User


def user_list(*, user: User, filters: dict | None = None) -> QuerySet[User]:
    """Accounts the user may see, filtered; station and region joined (no N+1)."""
    f = filters or {}
    qs = User.objects.restrict(user).select_related("scope_region", "station", "agency")
    if f.get("q"):
        qs = qs.filter(Q(full_name__contains=f["q"]) | Q(username__contains=f["q"]))
    if f.get("role"):
        qs = qs.filter(role=f["role"])
    if f.get("region"):
        qs = qs.filter(region_filter("scope_region_id", f["region"]))
    if f.get("station"):
        qs = qs.filter(station_id=int(f["station"]))
    return qs.order_by("scope_region_id", "role", "username")
