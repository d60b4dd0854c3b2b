"""Writing the audit log. Callers pass what happened; this fills in who and from where."""

from collections.abc import Callable

from django.db import models, transaction

from shegong.core.bounds import check_bounds
from shegong.core.net import client_ip  # the one reading of the address

from .models import AuditEntry


def audit_log(
    *,
    action: str,
    actor=None,
    request=None,
    obj: models.Model | None = None,
    success: bool = True,
    data: dict | None = None,
    actor_name: str = "",
) -> AuditEntry:
    """Append one entry. ``action`` is a dotted code, e.g. ``shegong.station.changed``.

    ``actor_name`` names an actor without an account (a server operator, a migration).
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=(actor.get_username() if actor is not None else actor_name)[:150],
        ip=client_ip(request),
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        success=success,
        data=data or {},
    )


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


def audit_saved(entity: str, obj, *, by, request=None, created: bool, data: dict) -> AuditEntry:
    """``shegong.<entity>.created`` or ``.changed`` with what was typed or changed (the
    caller leaves out personal fields' values)."""
    action = f"shegong.{entity}.{'created' if created else 'changed'}"
    return audit_log(action=action, actor=by, request=request, obj=obj, data=data)
