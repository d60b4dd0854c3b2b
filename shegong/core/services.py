"""Writes shared by every app."""

from collections.abc import Callable

from django.db import models, transaction

from shegong.audit.services import audit_log


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
) -> models.Model:
    """Save a valid ModelForm and log ``shegong.<entity>.created`` or ``.changed``.

    Atomic: the row and its audit entry are written together or not at all.
    ``audited`` picks the object the entry is about (default: the saved object).
    """
    created = form.instance.pk is None
    obj = form.save()
    audit_log(
        action=f"shegong.{entity}.{'created' if created else 'changed'}",
        actor=by,
        request=request,
        obj=audited(obj) if audited else obj,
        data=form_changes(form),
    )
    return obj
