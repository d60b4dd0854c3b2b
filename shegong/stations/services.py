"""Writes to stations and agencies. Each is atomic and leaves one audit entry."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from shegong.accounts.roles import Role
from shegong.audit.services import form_save_audited

from .models import Agency, Station

# What the county decides about a station (its rating, its tier, which one is the county
# general station), and what the office that runs the system decides (where it is, who runs
# it, whether it is active): never the station itself.
COUNTY_FIELDS = frozenset({"tier", "is_county_general", "star_rating", "star_rated_on"})
OFFICE_FIELDS = frozenset({"region", "agency", "is_active"})
GOVERNED_FIELDS = COUNTY_FIELDS | OFFICE_FIELDS
# On a new station, whoever adds it gives its tier; a rating is still the county's.
CREATE_FIELDS = frozenset({"tier", "is_county_general"})


def may_set_station_field(user, name: str, *, created: bool) -> bool:
    """Whether ``user`` (who may change the station at all) may set field ``name``."""
    if name in OFFICE_FIELDS:
        return user.role != Role.STATION_LEAD
    if name in COUNTY_FIELDS:
        return user.role == Role.COUNTY_OFFICER or (created and name in CREATE_FIELDS)
    return True


def governed_help(name: str) -> str:
    if name in COUNTY_FIELDS:
        return _("Set by the county civil-affairs bureau.")
    return _("Set by the civil-affairs bureau.")


def station_save(*, form, by, request=None) -> Station:
    """Save a valid ``StationForm`` (create or change) and log it.

    Refuses (PermissionDenied) a change of a field ``by`` may not set: the star rating,
    tier and county-general flag are the county's, the place, agency and status the
    bureau's, whatever the form posted.
    """
    created = form.instance.pk is None
    refused = [
        name
        for name in form.changed_data
        if name in GOVERNED_FIELDS and not may_set_station_field(by, name, created=created)
    ]
    if refused:
        raise PermissionDenied(
            _("You may not change: %(fields)s.")
            % {"fields": ", ".join(str(form.fields[n].label) for n in refused)}
        )
    return form_save_audited(form=form, by=by, request=request, entity="station")


def agency_save(*, form, by, request=None) -> Agency:
    """Save a valid ``AgencyForm`` (create or change) and log it."""
    return form_save_audited(form=form, by=by, request=request, entity="agency")
