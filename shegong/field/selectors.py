"""What a phone keeps offline for its station: the working set, and the changes since.

Every read goes through the caller's ``restrict`` (a worker sees their township), and
people are kept as the pages show them: masked (``people.identity.masked``), with the
name's pinyin initials so the phone can search them offline.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import User
from shegong.accounts.roles import STATION_ROLES
from shegong.core import changes
from shegong.core.divisions import in_subtree
from shegong.people.models import Household, Recipient
from shegong.regions.models import Level, Region
from shegong.stations.models import Station
from shegong.work.models import Activity, AdminWork, Case, Group, GroupSession, HomeVisit

# the open cases a phone keeps: every stage but closed
OPEN_STAGES = [s for s in Case.Stage.values if s != Case.Stage.CLOSED]


def field_station(*, user: AbstractBaseUser, station_id: int) -> Station:
    """The station whose working set ``user`` may keep offline: their own (station staff
    only). PermissionDenied otherwise, in words."""
    if user.role not in STATION_ROLES or user.station_id != station_id:
        raise PermissionDenied(_("Only a station's own staff keep its working set on a phone."))
    return Station.objects.select_related("region").get(pk=station_id)


# a person's encrypted fields the phone never gets (decrypting them is most of the cost)
UNUSED_PERSONAL = ("address", "health_notes", "guardian_phone")


def _people(*, user: AbstractBaseUser, code: str):
    return (
        Recipient.objects.restrict(user)
        .filter(in_subtree("region_id", code))
        .defer(*UNUSED_PERSONAL)
        .select_related("region")
        .prefetch_related("category_links__category")
        .order_by("pk")
    )


def _households(*, user: AbstractBaseUser, code: str):
    return (
        Household.objects.restrict(user)
        .filter(in_subtree("region_id", code))
        .select_related("head", "region")
        .only("pk", "region_id", "head_id", "head__name", "region__name")
        .order_by("pk")
    )


def _open_cases(*, user: AbstractBaseUser, code: str):
    return (
        Case.objects.restrict(user)
        .filter(in_subtree("region_id", code), stage__in=OPEN_STAGES)
        .prefetch_related("goals")
        .order_by("pk")
    )


def _active_groups(*, user: AbstractBaseUser, code: str):
    return (
        Group.objects.restrict(user)
        .filter(in_subtree("region_id", code))
        .exclude(stage=Group.Stage.ENDING)
        .prefetch_related("workers", "members")
        .order_by("pk")
    )


def _my_visits(*, user: AbstractBaseUser, code: str):
    """The worker's own visits of the last 30 days: what they may correct from the phone."""
    since = timezone.localdate() - datetime.timedelta(days=30)
    return (
        HomeVisit.objects.restrict(user)
        .filter(in_subtree("region_id", code), created_by=user, date__gte=since, voided_at=None)
        .prefetch_related("workers")
        .order_by("-date", "-pk")
    )


def _todays_activities(*, user: AbstractBaseUser, code: str):
    return (
        Activity.objects.restrict(user)
        .filter(in_subtree("region_id", code), date=timezone.localdate(), voided_at=None)
        .prefetch_related("workers", "participants")
        .order_by("pk")
    )


@dataclass
class WorkingSet:
    station: Station
    cursor: int
    villages: list
    staff: list
    households: object
    people: object
    cases: object
    groups: object
    activities: object
    visits: object


def working_set(*, user: AbstractBaseUser, station_id: int) -> WorkingSet:
    """Everything a worker records against while offline, for their station's township:
    its villages, the station's staff, households, people (masked), open cases, groups not
    ended, today's activities and the worker's own visits of the last 30 days; with the change feed's cursor, taken first, so nothing
    written while this is read is missed by the next refresh. A fixed number of queries."""
    station = field_station(user=user, station_id=station_id)
    cursor = changes.latest()
    code = station.region_id
    villages = list(
        Region.objects.filter(parent_id=code, level=Level.VILLAGE)
        .order_by("code")
        .values("code", "name")
    )
    staff = list(
        User.objects.filter(station=station, role__in=STATION_ROLES, is_active=True)
        .order_by("full_name")
        .values("id", "full_name", "username")
    )
    return WorkingSet(
        station=station,
        cursor=cursor,
        villages=villages,
        staff=staff,
        households=_households(user=user, code=code),
        people=_people(user=user, code=code),
        cases=_open_cases(user=user, code=code),
        groups=_active_groups(user=user, code=code),
        activities=_todays_activities(user=user, code=code),
        visits=_my_visits(user=user, code=code),
    )


# what each kind in the feed is read as, through the caller's restriction
FEED = {
    "recipient": lambda user: (
        Recipient.objects.restrict(user)
        .select_related("region")
        .prefetch_related("category_links__category")
    ),
    "household": lambda user: Household.objects.restrict(user).select_related("head", "region"),
    "visit": lambda user: HomeVisit.objects.restrict(user).prefetch_related("workers"),
    "case": lambda user: Case.objects.restrict(user).prefetch_related("goals"),
    "group": lambda user: Group.objects.restrict(user).prefetch_related("workers", "members"),
    "session": lambda user: GroupSession.objects.restrict(user).prefetch_related("attendees"),
    "activity": lambda user: Activity.objects.restrict(user).prefetch_related(
        "workers", "participants"
    ),
    "admin_work": lambda user: AdminWork.objects.restrict(user),
}


@dataclass
class ChangesPage:
    cursor: int  # where the next call starts
    more: bool  # whether there are more changes after ``cursor``
    items: list  # (kind, id, record or None: gone from the caller's sight)


def changes_page(
    *, user: AbstractBaseUser, station_id: int, cursor: int, limit: int
) -> ChangesPage:
    """The records of ``user``'s station changed after ``cursor`` (oldest first, at most
    ``limit`` changes, each record once, as it is now): one query for the changes and one
    per kind of record in them."""
    station = field_station(user=user, station_id=station_id)
    found = changes.since(code=station.region_id, cursor=cursor, limit=limit + 1)
    more = len(found) > limit
    found = found[:limit]
    order: dict[tuple[str, int], None] = {}
    for change in found:
        key = (change.kind, change.object_id)
        order.pop(key, None)
        order[key] = None  # the last change of a record places it
    by_kind: dict[str, set[int]] = {}
    for kind, pk in order:
        by_kind.setdefault(kind, set()).add(pk)
    rows = {}
    for kind, ids in by_kind.items():
        reader = FEED.get(kind)
        if reader is None:
            continue
        for obj in reader(user).filter(pk__in=ids):
            rows[(kind, obj.pk)] = obj
    items = [(kind, pk, rows.get((kind, pk))) for kind, pk in order]
    return ChangesPage(cursor=found[-1].id if found else cursor, more=more, items=items)
