"""Reads of the region tree, always within what the user may see."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shegong.core.divisions import ancestor_codes, in_subtree, parse_region_code
from shegong.core.validators import is_ascii_digits

from .models import Region


def region_breadcrumb(*, region: Region, user: AbstractBaseUser) -> list[tuple[Region, bool]]:
    """Ancestors then the region itself, each with whether the user may open it."""
    codes = ancestor_codes(region.code) + [region.code]
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    visible = set(
        Region.objects.restrict(user).filter(code__in=codes).values_list("code", flat=True)
    )
    return [(regions[c], c in visible) for c in codes if c in regions]


def region_search(
    *, user: AbstractBaseUser, q: str, levels: list[int] | None = None, limit: int = 20
) -> QuerySet[Region]:
    """Regions in scope whose name contains ``q`` or whose code starts with it."""
    qs = Region.objects.restrict(user)
    if levels:
        qs = qs.filter(level__in=levels)
    q = q.strip()[:50]
    if not q:
        return qs.none()
    code = parse_region_code(q)
    if code is not None:
        qs = qs.filter(in_subtree("code", code))
    else:
        qs = qs.filter(name__contains=q)
    return qs.select_related("parent").order_by("level", "code")[:limit]


def place_in_scope(
    *, by: AbstractBaseUser, code: str, levels: tuple[int, ...], errors: dict
) -> Region | None:
    """The region ``code`` if it lies in ``by``'s scope at one of ``levels``; else None, with
    the reason at ``errors["region"]`` (for a service that takes data)."""
    code = str(code)
    region = (
        Region.objects.restrict(by).filter(code=code, level__in=levels).first()
        if is_ascii_digits(code)
        else None
    )
    if region is None:
        errors["region"] = _("No region with code %(code)s within your scope.") % {
            "code": code[:12]
        }
    return region
