"""JSON API (django-ninja). Every endpoint reads through the same ``restrict`` as the pages.

Authentication is the session (with CSRF for writes), or a personal API token
(``Authorization: Bearer sg_…``, made on /accounts/tokens/); OpenAPI at /api/openapi.json,
docs at /api/docs.
"""

import datetime
from decimal import Decimal
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Schema
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import paginate
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, django_auth

from shegong.accounts.tokens import user_for
from shegong.community.api import router as community_router
from shegong.core.api_forms import Paged, validation_errors
from shegong.core.filters import read_filters
from shegong.evaluation.api import router as evaluation_router
from shegong.exchange.api import router as exchange_router
from shegong.field.api import router as field_router
from shegong.inbox.api import router as inbox_router
from shegong.indicators.api import router as indicators_router
from shegong.people.api import router as people_router
from shegong.public.api import router as public_router
from shegong.purchase.api import router as purchase_router
from shegong.regions.models import Region
from shegong.residents.api import router as residents_router
from shegong.stations import selectors as station_selectors
from shegong.stations.models import Agency, Station
from shegong.stations.selectors import AGENCY_FILTERS, STATION_FILTERS
from shegong.work.api import router as work_router
from shegong.workforce.api import router as workforce_router


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 JSON with Chinese left readable (no \\u escapes)."""

    json_dumps_params = {"ensure_ascii": False}


def docs_login_required(view):
    """The API's docs and schema need a login unless ``SHEGONG_API_DOCS_PUBLIC`` opens them:
    they map every endpoint and field, which is no business of an anonymous visitor."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if settings.SHEGONG_API_DOCS_PUBLIC or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        return redirect_to_login(request.get_full_path())

    return wrapper


class TokenAuth(HttpBearer):
    """``Authorization: Bearer sg_…``: a personal API token acts as its user, within the
    user's restriction (``accounts.tokens``); a read-only token may not write (403)."""

    def authenticate(self, request, token):
        user = user_for(secret=token, method=request.method)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    renderer=ChineseJSONRenderer(),
    title="Shegong API",
    version="1",
    description="社工站管理平台接口 — scoped to the caller's region and role.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    docs_decorator=docs_login_required,
)


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    """A body or query that does not fit its schema: 422 in the shape of a form's errors."""
    return api.create_response(request, validation_errors(exc.errors), status=422)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": "未找到 / not found", "errors": {}}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    said = str(exc) if str(exc) else "无权操作 / forbidden"
    return api.create_response(request, {"detail": said, "errors": {}}, status=403)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is 413 in JSON, as a form's is 400."""
    return api.create_response(
        request,
        {"detail": "请求内容过大 / request body too large", "errors": {}},
        status=413,
    )


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent_id: str | None


class RegionCountsOut(Schema):
    code: str
    name: str
    level: int
    stations: int
    staff: int


class AgencyOut(Schema):
    id: int
    name: str
    credit_code: str
    region_id: str
    phone: str


class StationOut(Schema):
    id: int
    name: str
    tier: str
    is_county_general: bool
    region_id: str
    region_name: str
    agency_id: int | None
    agency_name: str | None
    service_version: str
    star_rating: int | None
    star_rated_on: datetime.date | None
    floor_area: Decimal | None
    rooms: list[str]
    opened_on: datetime.date | None
    phone: str
    is_active: bool

    @staticmethod
    def resolve_region_name(obj):
        return obj.region.name

    @staticmethod
    def resolve_agency_name(obj):
        return obj.agency.name if obj.agency_id else None


@api.get("/regions/{code}", response=RegionOut, tags=["regions"])
def region_get(request, code: str):
    return get_object_or_404(Region.objects.restrict(request.user), code=code)


@api.get("/regions/{code}/children", response=list[RegionCountsOut], tags=["regions"])
def region_children(request, code: str):
    region = get_object_or_404(Region.objects.restrict(request.user), code=code)
    rows = station_selectors.region_children_with_counts(region=region, user=request.user)
    return [
        RegionCountsOut(
            code=r.region.code,
            name=r.region.name,
            level=r.region.level,
            stations=r.stations,
            staff=r.staff,
        )
        for r in rows
    ]


@api.get("/stations", response=list[StationOut], tags=["stations"])
@paginate(Paged)
def station_list(request, region: str = "", tier: str = "", q: str = "", service_version: str = ""):
    raw = {"region": region, "tier": tier, "q": q, "service_version": service_version}
    return station_selectors.station_list(
        user=request.user, filters=read_filters(raw, STATION_FILTERS)
    )


@api.get("/stations/{station_id}", response=StationOut, tags=["stations"])
def station_get(request, station_id: int):
    return get_object_or_404(
        Station.objects.restrict(request.user).select_related("region", "agency"), pk=station_id
    )


@api.get("/agencies", response=list[AgencyOut], tags=["agencies"])
@paginate(Paged)
def agency_list(request, q: str = "", region: str = ""):
    return station_selectors.agency_list(
        user=request.user, filters=read_filters({"q": q, "region": region}, AGENCY_FILTERS)
    )


@api.get("/agencies/{agency_id}", response=AgencyOut, tags=["agencies"])
def agency_get(request, agency_id: int):
    return get_object_or_404(Agency.objects.restrict(request.user), pk=agency_id)


def _add_routers():

    api.add_router("/", people_router)
    api.add_router("/", work_router)
    api.add_router("/", field_router)
    api.add_router("/", workforce_router)
    api.add_router("/", public_router)
    api.add_router("/", residents_router)
    api.add_router("/", inbox_router)
    api.add_router("/", community_router)
    api.add_router("/", indicators_router)
    api.add_router("/", purchase_router)
    api.add_router("/", evaluation_router)
    api.add_router("/", exchange_router)


_add_routers()
