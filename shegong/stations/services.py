"""Writes to stations and agencies. Each is atomic and leaves one audit entry."""

from django.db import transaction

from shegong.audit.services import audit_log

from .models import Agency, Station


def _changes(form) -> dict:
    return {name: str(form.cleaned_data.get(name)) for name in form.changed_data}


@transaction.atomic
def station_save(*, form, by, request=None) -> Station:
    """Save a valid ``StationForm`` (create or change) and log it."""
    created = form.instance.pk is None
    station = form.save()
    audit_log(
        action="shegong.station.created" if created else "shegong.station.changed",
        actor=by,
        request=request,
        obj=station,
        data=_changes(form),
    )
    return station


@transaction.atomic
def agency_save(*, form, by, request=None) -> Agency:
    """Save a valid ``AgencyForm`` (create or change) and log it."""
    created = form.instance.pk is None
    agency = form.save()
    audit_log(
        action="shegong.agency.created" if created else "shegong.agency.changed",
        actor=by,
        request=request,
        obj=agency,
        data=_changes(form),
    )
    return agency
