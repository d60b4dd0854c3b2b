"""Shared fixtures: a small real region tree and a 'world' of three places.

The world is the same shape as an access question: an actor in *own* county (雨湖区
430302), a *neighbour* county of the same city (岳塘区 430304) and a county of *other*
city (芙蓉区 430102, 长沙市); each place has an agency, a township station, a village
room and staff.
"""

from dataclasses import dataclass, field
from pathlib import Path

import pytest

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


@dataclass
class World:
    places: dict[str, Place] = field(default_factory=dict)
    actors: dict[str, User] = field(default_factory=dict)


@pytest.fixture
def regions(db):
    divisions_import(directory=FIXTURE_DIVISIONS)


def build_world() -> World:
    world = World()
    for name, (county, township, village) in PLACES.items():
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
        world.places[name] = Place(county, township, village, agency, station, room, worker, lead)
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


@pytest.fixture
def world(regions) -> World:
    return build_world()
