"""The public API: the stations and their boards, for anyone (no login), rate-limited per
address. The same selectors and the same cache as the public pages."""

from django.conf import settings
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.throttling import AnonRateThrottle

from shegong.core.api_forms import Paged
from shegong.core.net import client_ip
from shegong.core.validators import ascii_digits_or_none

from . import selectors


class PublicThrottle(AnonRateThrottle):
    """Calls per client address (``core.net.client_ip``: a forwarded address only from a
    trusted proxy), at ``SHEGONG_PUBLIC_API_RATE``."""

    scope = "public"

    def __init__(self):
        super().__init__(settings.SHEGONG_PUBLIC_API_RATE)

    def allow_request(self, request) -> bool:
        # the rate as configured now (a deployment, or a test, may change it)
        self.rate = settings.SHEGONG_PUBLIC_API_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_ident(self, request):
        return client_ip(request) or "unknown"

    def get_cache_key(self, request):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


router = Router(tags=["public"], auth=None, throttle=[PublicThrottle()])


class PublicStationOut(Schema):
    id: int
    name: str
    tier: str
    region_code: str
    address: str
    phone: str
    opening_hours: str


class PlaceOut(Schema):
    code: str
    name: str
    level: int


class PublicWorkerOut(Schema):
    name: str
    role: str
    qualification: str
    villages: list[str]


class BoardOut(Schema):
    station: PublicStationOut
    path: list[PlaceOut]
    agency: str
    star_rating: int | None
    services: list[str]
    complaint_phone: str
    staff: list[PublicWorkerOut]
    unlisted_staff: int


@router.get("/public/stations", response=list[PublicStationOut])
@paginate(Paged)
def public_station_list(request, region: str = ""):
    """Active stations, in region order; ``region`` (a division code) keeps its subtree."""
    code = ascii_digits_or_none(region, max_length=12) if region else None
    if region and code is None:
        return []
    return selectors.stations_in(code=code)


@router.get("/public/stations/{station_id}", response=BoardOut)
def public_station_board(request, station_id: int):
    """A station's public board: what it publishes, and the staff who agreed to be shown."""
    found = selectors.board(station_id=station_id)
    if found is None:
        raise HttpError(404, "未找到 / not found")
    return found
