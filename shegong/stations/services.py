"""Writes to stations and agencies. Each is atomic and leaves one audit entry."""

from shegong.core.services import form_save_audited

from .models import Agency, Station


def station_save(*, form, by, request=None) -> Station:
    """Save a valid ``StationForm`` (create or change) and log it."""
    return form_save_audited(form=form, by=by, request=request, entity="station")


def agency_save(*, form, by, request=None) -> Agency:
    """Save a valid ``AgencyForm`` (create or change) and log it."""
    return form_save_audited(form=form, by=by, request=request, entity="agency")
