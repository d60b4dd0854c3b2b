"""Shared fixtures: a small real region tree and a 'world' of three places.

The world is the same shape as an access question: an actor in *own* county (雨湖区
430302), a *neighbour* county of the same city (岳塘区 430304) and a county of *other*
city (芙蓉区 430102, 长沙市); each place has an agency, a township station, a village
room and staff.
"""

import datetime
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.regions.services import divisions_import
from shegong.stations.models import Agency, Station

from .factories import AgencyFactory, ProfileFactory, StationFactory, UserFactory

FIXTURE_DIVISIONS = Path(__file__).parent / "fixtures" / "divisions"
PLACES = {
    # place: (county, township, village)
    "own": ("430302", "430302001", "430302001001"),
    "neighbour": ("430304", "430304001", "430304001001"),
    "other_city": ("430102", "430102001", "430102001001"),
}
# One calendar day per run. Many modules take ``TODAY = timezone.localdate()`` when they are
# collected; a run that crosses midnight in Asia/Shanghai (16:00 UTC) would find them
# yesterday's while the code under test has moved on ("tomorrow" would be today). The
# suite's today is the day it started; times still run (``timezone.now`` is real).
_SUITE_DAY = timezone.localdate()
_real_localdate = timezone.localdate


def _suite_localdate(value=None, timezone=None):
    if value is None and timezone is None:
        return _SUITE_DAY
    return _real_localdate(value, timezone)


timezone.localdate = _suite_localdate


def suite_day_behind() -> datetime.timedelta:
    """How far the suite's today is behind the real one: a day once a run crosses midnight
    in Asia/Shanghai, else nothing. A browser's clock is set back by as much, so that the
    pages' "today" (the field app's, a date picker's) is the server's."""
    return _SUITE_DAY - _real_localdate()


# Actor for each role, scoped to the "own" place (the three admins are nationwide).
ROLES = [r.value for r in Role]


@dataclass
class Place:
    county: str
    township: str
    village: str
    agency: Agency
    station: Station
    room: Station
    worker: User
    lead: User
    recipient: object = None
    visit: object = None
    case: object = None
    group: object = None
    activity: object = None
    photo: object = None


@dataclass
class World:
    places: dict[str, Place] = field(default_factory=dict)
    actors: dict[str, User] = field(default_factory=dict)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: the public pages' cache and the throttles'
    counts must not carry one test's rows (and ids) into the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def regions(db):
    divisions_import(directory=FIXTURE_DIVISIONS)
    # Seed data from migrations does not survive a transactional test's flush: restore it.
    import importlib

    from django.apps import apps

    importlib.import_module("shegong.people.migrations.0002_seed_categories").seed(apps, None)
    importlib.import_module("shegong.indicators.migrations.0002_seed_rule_sets").seed(apps, None)
    importlib.import_module("shegong.evaluation.migrations.0002_seed_tree").seed(apps, None)


def build_world() -> World:
    world = World()
    for i, (name, (county, township, village)) in enumerate(PLACES.items()):
        agency = AgencyFactory(name=f"{name}机构", region_id=county)
        station = StationFactory(
            name=f"{name}社工站", region_id=township, agency=agency, is_county_general=True
        )
        room = StationFactory(
            name=f"{name}社工室", region_id=village, tier=Station.Tier.VILLAGE_ROOM, agency=agency
        )
        worker = UserFactory(username=f"worker_{name}", role=Role.SOCIAL_WORKER, station=station)
        ProfileFactory(user=worker)
        lead = UserFactory(username=f"lead_{name}", role=Role.STATION_LEAD, station=station)
        ProfileFactory(user=lead)
        place = Place(county, township, village, agency, station, room, worker, lead)
        _add_work(place, name, i)
        world.places[name] = place
    own = world.places["own"]
    scope = {
        Role.COUNTY_OFFICER: {"scope_region_id": "430302"},
        Role.CITY_OFFICER: {"scope_region_id": "4303"},
        Role.PROVINCE_OFFICER: {"scope_region_id": "43"},
        Role.EVALUATOR: {"scope_region_id": "430302"},
        Role.SOCIAL_WORKER: {"station": own.station},
        Role.STATION_LEAD: {"station": own.station},
        Role.AGENCY_ADMIN: {"agency": own.agency},
        Role.SYSTEM_ADMIN: {},
        Role.SECURITY_ADMIN: {},
        Role.AUDIT_ADMIN: {},
    }
    for role, extra in scope.items():
        world.actors[role.value] = UserFactory(username=f"actor_{role.value}", role=role, **extra)
    return world


def _add_work(place: Place, name: str, i: int) -> None:
    """A person and one record of each kind of station work, in this place."""
    import datetime

    from django.core.files.base import ContentFile

    from shegong.work.models import Photo

    from .factories import (
        PNG,
        ActivityFactory,
        CaseFactory,
        GroupFactory,
        HomeVisitFactory,
        RecipientFactory,
        make_id_number,
    )

    today = datetime.date(2026, 3, 1)
    common = {"station": place.station, "created_by": place.worker}
    place.recipient = RecipientFactory(
        name=f"{name}居民",
        region_id=place.village,
        id_number=make_id_number(place.county, "19500101", 100 + i),
    )
    place.visit = HomeVisitFactory(
        recipient=place.recipient, date=today, situation=f"{name}走访情况", **common
    )
    place.photo = Photo.objects.create(
        visit=place.visit,
        image=ContentFile(PNG, name="v.png"),
        kind="png",
        size=len(PNG),
        uploaded_by=place.worker,
    )
    place.case = CaseFactory(
        number=f"C-{name}",
        recipient=place.recipient,
        opened_on=today,
        presenting_problem=f"{name}求助",
        **common,
    )
    place.group = GroupFactory(
        number=f"G-{name}", name=f"{name}小组", region_id=place.township, **common
    )
    place.group.members.add(place.recipient)
    place.activity = ActivityFactory(
        title=f"{name}活动", date=today, region_id=place.village, participants_count=10, **common
    )


@pytest.fixture
def world(regions) -> World:
    return build_world()


@pytest.fixture
def fresh_database_url(tmp_path):
    """A fresh, empty database of this run's kind (SQLite or PostgreSQL), as a DATABASE_URL,
    for a process a test starts; dropped after. Needs ``transactional_db`` (no transaction
    around CREATE DATABASE)."""
    if connection.vendor == "postgresql":
        name = f"shegong_fresh_{uuid.uuid4().hex[:8]}"
        db = connection.settings_dict
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        user, host, port = db["USER"] or "postgres", db["HOST"] or "127.0.0.1", db["PORT"] or 5432
        yield f"postgres://{user}@{host}:{port}/{name}"
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
