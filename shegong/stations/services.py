"""Writes to stations and agencies. Each is atomic and leaves one audit entry."""

import datetime
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from shegong.accounts.models import User
from shegong.audit.describe import snapshot
from shegong.audit.services import audit_saved
from shegong.core.restrict import require_may_save
from shegong.core.validation import full_clean, one_of
from shegong.core.validators import normalize_credit_code, normalize_phone
from shegong.regions.models import Level
from shegong.regions.selectors import place_in_scope

from .governance import GOVERNED_FIELDS, may_set_station_field
from .models import Agency, Station


@dataclass(frozen=True)
class StationInput:
    """A station as typed: the region as a division code, the agency by id."""

    name: str
    tier: str
    region: str
    is_county_general: bool = False
    agency: int | None = None
    service_version: str = ""
    floor_area: Decimal | None = None
    rooms: tuple[str, ...] = ()
    opened_on: datetime.date | None = None
    phone: str = ""
    address: str = ""
    opening_hours: str = ""
    public_services: str = ""
    complaint_phone: str = ""
    is_active: bool = True


STATION_COLUMNS = (
    "name",
    "tier",
    "is_county_general",
    "service_version",
    "floor_area",
    "opened_on",
    "phone",
    "address",
    "opening_hours",
    "public_services",
    "complaint_phone",
    "is_active",
)


# what the audit log keeps of a station and an agency (as saved, in words)
STATION_AUDIT = (*STATION_COLUMNS, "region", "agency", "rooms", "star_rating", "star_rated_on")
AGENCY_AUDIT = (
    "name",
    "credit_code",
    "region",
    "legal_representative",
    "contact_person",
    "phone",
    "address",
    "registered_on",
)


@transaction.atomic
def station_record(
    *,
    by: User,
    data: StationInput,
    instance: Station | None = None,
    request: HttpRequest | None = None,
) -> Station:
    """Add a station (``instance`` None) or change one ``by`` may change.

    The caller may rely on: the region is in ``by``'s scope and fits the tier; the agency
    is one ``by`` may see; a field ``by`` may not set (the county's rating, tier and
    county-general flag; the bureau's place, agency and status) is refused with
    PermissionDenied if the data would change it; one county general station per county;
    the model's rules. The row and its audit entry are one transaction.
    """
    require_may_save(
        by,
        Station,
        instance,
        add_refused=_("You may not add stations."),
        change_refused=_("You may not change this station."),
    )
    errors: dict[str, str] = {}
    region = place_in_scope(
        by=by, code=data.region, levels=(Level.CITY, Level.TOWNSHIP, Level.VILLAGE), errors=errors
    )
    agency = one_of(Agency.objects.restrict(by), data.agency, "agency", errors)
    station = instance or Station()
    audited = snapshot(instance, STATION_AUDIT) if instance is not None else None
    before = _station_values(station) if instance is not None else _station_values(Station())
    for name in STATION_COLUMNS:
        setattr(station, name, getattr(data, name))
    station.phone = normalize_phone(data.phone or "")
    station.complaint_phone = normalize_phone(data.complaint_phone or "")
    station.rooms = list(data.rooms)
    station.region, station.agency = region, agency
    after = _station_values(station)
    _refuse_governed(by, before, after, created=instance is None)
    full_clean(station, errors, exclude=("region",) if region is None else ())
    station.save()
    audit_saved(
        entity="station", obj=station, by=by, request=request, before=audited, fields=STATION_AUDIT
    )
    return station


def _station_values(station: Station) -> dict:
    return {
        **{name: getattr(station, name) for name in STATION_COLUMNS},
        "region": station.region_id,
        "agency": station.agency_id,
        "rooms": list(station.rooms or []),
    }


def _refuse_governed(by, before: dict, after: dict, *, created: bool) -> None:
    refused = [
        name
        for name in sorted(GOVERNED_FIELDS)
        if before.get(name) != after.get(name)
        and not may_set_station_field(by, name, created=created)
    ]
    if refused:
        labels = ", ".join(str(Station._meta.get_field(n).verbose_name) for n in refused)
        raise PermissionDenied(_("You may not change: %(fields)s.") % {"fields": labels})


@dataclass(frozen=True)
class AgencyInput:
    """A contracted agency (承接机构) as typed: where it is registered, as a division code."""

    name: str
    credit_code: str
    region: str
    legal_representative: str = ""
    contact_person: str = ""
    phone: str = ""
    address: str = ""
    registered_on: datetime.date | None = None


@transaction.atomic
def agency_record(
    *,
    by: User,
    data: AgencyInput,
    instance: Agency | None = None,
    request: HttpRequest | None = None,
) -> Agency:
    """Add an agency (``instance`` None) or change one ``by`` may change.

    The caller may rely on: registered at province, city or county level within ``by``'s
    scope; the unified social credit code normalised, checked and unique; the model's
    rules. The row and its audit entry are one transaction.
    """
    require_may_save(
        by,
        Agency,
        instance,
        add_refused=_("You may not add agencies."),
        change_refused=_("You may not change this agency."),
    )
    errors: dict[str, str] = {}
    region = place_in_scope(
        by=by, code=data.region, levels=(Level.PROVINCE, Level.CITY, Level.COUNTY), errors=errors
    )
    agency = instance or Agency()
    columns = [f for f in asdict(data) if f != "region"]
    audited = snapshot(instance, AGENCY_AUDIT) if instance is not None else None
    for name in columns:
        setattr(agency, name, getattr(data, name))
    agency.credit_code = normalize_credit_code(data.credit_code or "")
    agency.phone = normalize_phone(data.phone or "")
    agency.region = region
    full_clean(agency, errors, exclude=("region",) if region is None else ())
    agency.save()
    audit_saved(
        entity="agency", obj=agency, by=by, request=request, before=audited, fields=AGENCY_AUDIT
    )
    return agency


@transaction.atomic
def station_stars_derive(
    *, station_id: int, stars: int | None, rated_on: datetime.date | None
) -> None:
    """Set a station's star field to the decision in force (the evaluation app calls this
    when a decision takes effect or ends; nothing else writes the field, and the decision
    carries the audit entry)."""
    Station.objects.filter(pk=station_id).update(
        star_rating=stars, star_rated_on=rated_on if stars else None
    )
