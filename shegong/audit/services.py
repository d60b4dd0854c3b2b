"""Writing the audit log. Callers pass what happened; this fills in who and from where."""

from collections.abc import Sequence

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import Prefetch
from django.http import HttpRequest

from shegong.core.net import client_ip  # the one reading of the address
from shegong.core.restrict import secret_paths

from .describe import diff, snapshot
from .models import AuditEntry


def audit_log(
    *,
    action: str,
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
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
    token = getattr(getattr(request, "user", None), "api_token", None)
    if token is not None:  # the write came through a personal API token: say which
        data = {**(data or {}), "api_token": str(token)}
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


def audit_saved(
    *,
    entity: str,
    obj: models.Model,
    by: AbstractBaseUser,
    fields: Sequence[str],
    before: dict[str, str] | None = None,
    request: HttpRequest | None = None,
    extra: dict | None = None,
    action: str = "",
) -> AuditEntry:
    """``shegong.<entity>.created`` (``before`` None) or ``.changed``, with the saved row's
    ``fields`` as a page shows them (``describe.snapshot``, read after saving): all of them
    for a new row, "old → new" for the ones an edit changed. ``before`` is the snapshot
    taken before the edit. Personal fields are the caller's to leave out of ``fields``."""
    # what the database holds, not the input: the row, its foreign keys joined (with what
    # their names are made of, ``STR_RELATED``) and its many-to-many read at once (not one
    # query per related field). Of the row only the fields logged are read, and of a row
    # it names only its name (``STR_FIELDS``) where every model on the way declares it;
    # otherwise every column but the encrypted ones the entry does not show (a visit's
    # person is named, not their ID number or phone): writing the log decrypts nothing it
    # leaves out.
    model = type(obj)
    named = [model._meta.get_field(name) for name in fields]
    joined = []
    columns: list[str] | None = [f.name for f in named if not f.many_to_many]
    for f in named:
        # a foreign key left empty is not joined: nothing to name, nothing to read
        if (f.many_to_one or f.one_to_one) and getattr(obj, f.attname) is not None:
            joined += [f.name] + [f"{f.name}__{r}" for r in _str_related(f.related_model)]
            name_columns = _name_columns(f.related_model, f"{f.name}__")
            columns = None if columns is None or name_columns is None else columns + name_columns
    many = [_named_rows(f) for f in named if f.many_to_many]
    rows = _read_for_log(model._base_manager.prefetch_related(*many), joined, columns, keep=fields)
    saved = rows.get(pk=obj.pk)
    after = snapshot(saved, fields)
    data = after if before is None else diff(before, after)
    data = {k: v for k, v in data.items() if v not in ("", None)} | (extra or {})
    action = action or f"shegong.{entity}.{'created' if before is None else 'changed'}"
    return audit_log(action=action, actor=by, request=request, obj=obj, data=data)


def _str_related(model) -> tuple[str, ...]:
    """The relations ``str()`` of a ``model`` row reads (a household is named by its head
    and village): ``STR_RELATED`` on the model, none if it has none."""
    return getattr(model, "STR_RELATED", ())


def _name_columns(model, prefix: str) -> list[str] | None:
    """``only()`` paths, under ``prefix``, of the columns ``str()`` of a ``model`` row
    reads and of the rows its name is made of (``STR_RELATED``): a household is named by
    its head's name and its village's. None when a model on the way does not declare its
    ``STR_FIELDS`` (tests/test_audit_names.py checks that ``str()`` reads nothing else)."""
    declared = getattr(model, "STR_FIELDS", None)
    if declared is None:
        return None
    paths = [prefix + name for name in declared]
    for relation in _str_related(model):
        related = model._meta.get_field(relation).related_model
        inner = _name_columns(related, f"{prefix}{relation}__")
        if inner is None:
            return None
        paths += [prefix + relation, *inner]
    return paths


def _named_rows(field) -> Prefetch:
    """A many-to-many's rows as the log names them: joined to what their names are made
    of, reading only that (``STR_FIELDS``) or else all but the encrypted fields (an
    activity's participants, by name)."""
    target = field.related_model
    rows = _read_for_log(
        target._base_manager.all(), list(_str_related(target)), _name_columns(target, "")
    )
    return Prefetch(field.name, queryset=rows)


def _read_for_log(rows, joined: list[str], columns: list[str] | None, keep=()):
    """``rows`` joined to ``joined`` (none when none are named: ``select_related()`` with
    no argument would join every foreign key), reading only ``columns`` when known, else
    every column but the encrypted ones not in ``keep``."""
    if joined:
        rows = rows.select_related(*joined)
    if columns is not None:
        return rows.only(*columns)
    hidden = secret_paths(rows.model, rows.query.select_related)
    return rows.defer(*[p for p in hidden if p not in keep])
