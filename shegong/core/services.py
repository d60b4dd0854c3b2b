"""Writes shared by every app."""

from collections.abc import Callable

from django.db import models, transaction

from shegong.audit.services import audit_log

from .bounds import check_bounds


def form_changes(form) -> dict[str, str]:
    """What a bound, valid form changed, as text for the audit log (passwords never)."""
    return {
        name: str(form.cleaned_data.get(name))
        for name in form.changed_data
        if "password" not in name
    }


@transaction.atomic
def form_save_audited(
    *,
    form,
    by,
    entity: str,
    request=None,
    audited: Callable[[models.Model], models.Model] | None = None,
    prepare: Callable[[models.Model, bool], None] | None = None,
    after: Callable[[models.Model], None] | None = None,
) -> models.Model:
    """Save a valid ModelForm and log ``shegong.<entity>.created`` or ``.changed``.

    Atomic: the row, what ``after`` writes and the audit entry are saved together or not at
    all. The row's counts, amounts and dates are checked against ``core.bounds`` whatever
    the form did. ``prepare(obj, created)`` fills fields before the first save; ``after(obj)`` runs
    once the row and its many-to-many links exist. ``audited`` picks the object the entry
    is about (default: the saved object).
    """
    created = form.instance.pk is None
    obj = form.save(commit=False)
    if prepare is not None:
        prepare(obj, created)
    check_bounds(obj)
    obj.save()
    form.save_m2m()
    if after is not None:
        after(obj)
    audit_log(
        action=f"shegong.{entity}.{'created' if created else 'changed'}",
        actor=by,
        request=request,
        obj=audited(obj) if audited else obj,
        data=form_changes(form),
    )
    return obj
