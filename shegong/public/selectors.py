"""What anyone may read without signing in: where the stations are, and each station's
public board (上墙公开, seed 002): its address, hours, phones, services, and the staff who
agreed to be shown (name, role, verified qualification, designated villages).

Nothing here reads a service recipient, and a worker is read only through the columns
listed below. Results are plain frozen dataclasses, cached for ``SHEGONG_PUBLIC_CACHE_SECONDS``
(shared by every visitor, so nothing user-specific may go in), and the whole province's
station list is one cached read.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.core.divisions import LEVEL_LENGTHS, ancestor_codes, level_of
from shegong.core.validation import MAX_ID
from shegong.regions.models import Level, Region
from shegong.stations.models import Station
from shegong.workforce.models import CertificateStatus, SocialWorkerProfile

CACHE_PREFIX = "public:v1:"
# the roles a public board lists, in this order
BOARD_ROLES = (Role.STATION_LEAD, Role.SOCIAL_WORKER)


def _seconds() -> int:
    return getattr(settings, "SHEGONG_PUBLIC_CACHE_SECONDS", 300)


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: int


@dataclass(frozen=True)
class PublicStation:
    id: int
    name: str
    tier: str
    region_code: str
    address: str
    phone: str
    opening_hours: str


@dataclass(frozen=True)
class PublicWorker:
    name: str
    role: str
    qualification: str  # a Qualification value, shown only when the certificate is verified
    villages: tuple[str, ...]  # names of the villages this worker is the contact for


@dataclass(frozen=True)
class Board:
    station: PublicStation
    path: tuple[Place, ...]  # province … the station's own region
    agency: str
    star_rating: int | None
    services: tuple[str, ...]
    complaint_phone: str
    staff: tuple[PublicWorker, ...]
    unlisted_staff: int  # staff who did not agree to be shown


@dataclass(frozen=True)
class Finding:
    """The finder at one region: where it is, where to go next, and who serves it."""

    place: Place | None  # None at the top
    path: tuple[Place, ...]
    children: tuple[Place, ...]  # the regions below with a station (all villages of a township)
    stations: tuple[PublicStation, ...]  # the stations serving this place
    contacts: tuple[PublicWorker, ...]  # at a village: its designated workers (shown ones)


def _public(station: Station) -> PublicStation:
    return PublicStation(
        id=station.pk,
        name=station.name,
        tier=station.tier,
        region_code=station.region_id,
        address=station.address,
        phone=station.phone,
        opening_hours=station.opening_hours,
    )


STATION_COLUMNS = ("id", "name", "tier", "region_id", "address", "phone", "opening_hours")


def active_stations() -> tuple[PublicStation, ...]:
    """Every active station, in region order: one read, cached (about 2,000 a province)."""
    key = CACHE_PREFIX + "stations"
    found = cache.get(key)
    if found is None:
        rows = Station.objects.filter(is_active=True).only(*STATION_COLUMNS).order_by("region_id")
        found = tuple(_public(s) for s in rows)
        cache.set(key, found, _seconds())
    return found


def _places(codes) -> dict[str, Place]:
    return {
        r.code: Place(r.code, r.name, r.level)
        for r in Region.objects.filter(code__in=list(codes)).only("code", "name", "level")
    }


def find(*, code: str | None) -> Finding | None:
    """The finder at region ``code`` (None: the top); None when there is no such region."""
    key = CACHE_PREFIX + f"find:{code or 'top'}"
    found = cache.get(key)
    if found is None:
        found = _find(code)
        if found is not None:
            cache.set(key, found, _seconds())
    return found


def _find(code: str | None) -> Finding | None:
    stations = active_stations()
    if code is None:
        place, path, level = None, (), 0
    else:
        try:
            level = level_of(code)
        except ValueError:
            return None
        places = _places([*ancestor_codes(code), code])
        if code not in places:
            return None
        place = places[code]
        path = tuple(places[c] for c in ancestor_codes(code) if c in places)
    if level >= Level.TOWNSHIP:
        township = code[:9]
        serving = tuple(
            s
            for s in stations
            if s.region_code == township
            or (level == Level.VILLAGE and s.region_code == code)
            or (level == Level.TOWNSHIP and s.region_code.startswith(township))
        )
        children = ()
        if level == Level.TOWNSHIP:
            children = tuple(
                Place(r.code, r.name, r.level)
                for r in Region.objects.filter(parent_id=code).only("code", "name", "level")
            )
        contacts = _contacts(code) if level == Level.VILLAGE else ()
        return Finding(place, path, children, serving, contacts)
    # above a township: the regions below that have a station somewhere in them
    below = Region.objects.filter(level=level + 1)
    if code is not None:
        below = below.filter(parent_id=code)
    width = LEVEL_LENGTHS[level + 1]
    with_station = {s.region_code[:width] for s in stations}
    children = tuple(
        Place(r.code, r.name, r.level)
        for r in below.only("code", "name", "level").order_by("code")
        if r.code in with_station
    )
    return Finding(place, path, children, (), ())


def _workers(q: Q) -> list[SocialWorkerProfile]:
    return list(
        SocialWorkerProfile.objects.filter(
            q,
            on_public_board=True,
            user__is_active=True,
            user__role__in=BOARD_ROLES,
        )
        .select_related("user")
        .prefetch_related("designated_villages")
        .only(
            "qualification",
            "certificate_status",
            "user__full_name",
            "user__role",
            "user__station_id",
        )
        .order_by("user__role", "user__full_name", "user_id")
    )


def _shown(profile: SocialWorkerProfile) -> PublicWorker:
    verified = profile.certificate_status == CertificateStatus.VERIFIED
    return PublicWorker(
        name=profile.user.full_name or "",
        role=profile.user.role,
        qualification=profile.qualification if verified else "",
        villages=tuple(v.name for v in profile.designated_villages.all()),
    )


def _contacts(village: str) -> tuple[PublicWorker, ...]:
    return tuple(_shown(p) for p in _workers(Q(designated_villages=village)))


def board(*, station_id: int) -> Board | None:
    """A station's public board, or None when there is no such active station."""
    if not 1 <= station_id <= MAX_ID:
        return None
    key = CACHE_PREFIX + f"board:{station_id}"
    found = cache.get(key)
    if found is None:
        found = _board(station_id)
        if found is not None:
            cache.set(key, found, _seconds())
    return found


def _board(station_id: int) -> Board | None:
    station = Station.objects.filter(pk=station_id, is_active=True).select_related("agency").first()
    if station is None:
        return None
    codes = [*ancestor_codes(station.region_id), station.region_id]
    places = _places(codes)
    shown = _workers(Q(user__station_id=station.pk))
    staff = User.objects.filter(station_id=station.pk, is_active=True, role__in=BOARD_ROLES)
    return Board(
        station=_public(station),
        path=tuple(places[c] for c in codes if c in places),
        agency=station.agency.name if station.agency else "",
        star_rating=station.star_rating,
        services=tuple(
            line.strip() for line in station.public_services.splitlines() if line.strip()
        ),
        complaint_phone=station.complaint_phone,
        staff=tuple(_shown(p) for p in shown),
        unlisted_staff=staff.count() - len(shown),
    )


def stations_in(*, code: str | None) -> list[PublicStation]:
    """The active stations in region ``code`` and below (all of them for None)."""
    if code is None:
        return list(active_stations())
    return [s for s in active_stations() if s.region_code.startswith(code)]


SEARCH_LIMIT = 20


def search(*, q: str) -> list[tuple[Place, str]]:
    """Townships and villages whose name contains ``q`` (2 to 20 characters), each with
    the names of its county and township, at most ``SEARCH_LIMIT``."""
    q = q.strip()
    if not 2 <= len(q) <= 20:
        return []
    rows = list(
        Region.objects.filter(level__in=(Level.TOWNSHIP, Level.VILLAGE), name__contains=q)
        .only("code", "name", "level")
        .order_by("code")[:SEARCH_LIMIT]
    )
    above = _places({c for r in rows for c in ancestor_codes(r.code)[2:]})
    return [
        (
            Place(r.code, r.name, r.level),
            " ".join(above[c].name for c in ancestor_codes(r.code)[2:] if c in above),
        )
        for r in rows
    ]
