"""Reads of person-level data, always through ``restrict``."""

import re

from django.db.models import BigIntegerField, Prefetch, QuerySet
from django.db.models.functions import Cast
from django.http import QueryDict
from django.utils.translation import gettext as _

from shegong.accounts.models import User
from shegong.core.divisions import in_subtree, region_filter
from shegong.core.links import row_url
from shegong.core.validators import normalize_digits
from shegong.indicators.drilldown import Rows
from shegong.indicators.models import DistinctKey
from shegong.indicators.periods import Period
from shegong.regions.models import Region

from .exporters import RecipientExporter
from .models import Household, Recipient, RecipientCategory


def _matching(qs, q: str):
    """``q`` as a name (part), pinyin initials, or the last 4 ID digits."""
    tail = normalize_digits(q).upper()
    if re.fullmatch(r"[0-9]{3}[0-9X]", tail):
        return qs.filter(id_last4=tail)
    if q.isascii() and q.isalpha():
        return qs.filter(name_initials__startswith=q.lower())
    return qs.filter(name__contains=q)


def recipient_choices(*, user: User, q: str, limit: int = 20) -> QuerySet[Recipient]:
    """People ``user`` may record work for (``restrict`` "change") matching ``q``: the
    options of a search picker (group members, activity participants); none for an
    empty ``q``."""
    q = (q or "").strip()[:32]
    if not q:
        return Recipient.objects.none()
    qs = Recipient.objects.restrict(user, "change").select_related("region")
    return _matching(qs, q).order_by("name", "pk")[:limit]


def household_choices(*, user: User, q: str, limit: int = 20) -> QuerySet[Household]:
    """Households ``user`` may record work for whose head matches ``q`` (name, pinyin
    initials, last 4 ID digits): the options of the household picker; none for empty ``q``."""
    q = (q or "").strip()[:32]
    if not q:
        return Household.objects.none()
    heads = _matching(Recipient.objects.restrict(user, "change"), q).values("pk")
    return (
        Household.objects.restrict(user, "change")
        .filter(head__in=heads)
        .select_related("head", "region")
        .order_by("pk")[:limit]
    )


# what a list of people shows of their encrypted fields (masked: RecipientExporter); the
# others (address, health notes, guardian's phone) are left unread (``without_secrets``)
MASKED_IN_LISTS = ("id_number", "phone")


def recipient_list(*, user: User, filters: dict | None = None) -> QuerySet[Recipient]:
    """People the user may see. ``q`` matches a name, pinyin initials or the last 4 ID digits."""
    f = filters or {}
    qs = (
        Recipient.objects.restrict(user)
        .select_related("region", "region__parent")
        .without_secrets(keep=MASKED_IN_LISTS)
    )
    q = (f.get("q") or "").strip()
    if q:
        qs = _matching(qs, q)
    if f.get("region"):
        qs = qs.filter(region_filter("region_id", f["region"]))
    if f.get("category"):
        qs = qs.filter(category_links__category__code=f["category"])
    if f.get("worker"):
        qs = qs.filter(created_by_id=f["worker"])
    if f.get("since"):
        qs = qs.filter(created_at__date__gte=f["since"])
    if f.get("until"):
        qs = qs.filter(created_at__date__lte=f["until"])
    return qs.prefetch_related(
        Prefetch(
            "category_links",
            queryset=RecipientCategory.objects.select_related("category").order_by(
                "category__ordering", "category__code", "pk"
            ),
        )
    ).order_by("region_id", "name", "pk")


def served_people_rows(*, user: User, node: Region, period: Period, params: QueryDict) -> Rows:
    """Drill-down ``people``: the distinct people of the node served in the period (the
    keys the people-served figure counts)."""
    keys = DistinctKey.objects.filter(
        in_subtree("region", node.code), kind="p", period=period.key
    ).annotate(pk_int=Cast("key", BigIntegerField()))
    qs = (
        Recipient.objects.restrict(user)
        .filter(pk__in=keys.values("pk_int"))
        .select_related("region", "region__parent", "household")
        .without_secrets(keep=MASKED_IN_LISTS)
        .prefetch_related("category_links__category")
        .order_by("region_id", "name")
    )
    count = qs.count()
    return Rows(
        qs,
        RecipientExporter,
        row_url("people:detail"),
        _("Total: %(total)s people") % {"total": count},
        count=count,
    )
