from django.db.models import Q, QuerySet

from shegong.core.divisions import region_filter

from .models import User
from .roles import STATION_ROLES


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


def staff_choices(*, user: User, limit: int = 200) -> list[tuple[int, str]]:
    """(id, name) of the station staff ``user`` may see, by name: a filter's or a form's
    choices, read as pairs rather than as whole accounts (a list page builds 200)."""
    rows = (
        User.objects.restrict(user)
        .filter(role__in=STATION_ROLES)
        .order_by("full_name")
        .values_list("pk", "full_name", "username")[:limit]
    )
    return [(pk, full_name or username) for pk, full_name, username in rows]
