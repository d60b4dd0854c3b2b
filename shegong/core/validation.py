"""The rule-checking steps every service that takes data shares.

A service collects what is wrong in a dict (field -> message) and raises one
``ValidationError`` with all of it, so a form or an API client learns every problem at
once, in Chinese (the messages are translated), and nothing is written.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from .bounds import check_bounds
from .checks_in_python import validate_constraints
from .validators import parse_small_int

# a record id a database column and a JavaScript number both hold
MAX_ID = 2**53 - 1


def full_clean(obj, errors: dict, *, exclude=(), database: bool = True) -> None:
    """The model's own rules (choices, lengths, bounds, dates, blank, ``clean()``, unique
    fields and constraints, the check constraints decided in Python where they can be:
    ``core.checks_in_python``) merged with the service's ``errors``; raises if either found
    something, then checks the bounds. ``database=False`` leaves out the checks that read
    the database (unique fields, constraints): a bulk import checks those for a whole
    batch at once, and excludes its relations, which it looked up itself. Relations set
    as rows the service read are not checked again."""
    skip = {*exclude, "station", "created_by"}
    # a relation the service assigned as a row it read (``one_of``, ``place_in_scope``)
    # exists: the field's own check would ask the database again, a query per relation.
    # Only that check is left out: unique fields and constraints still see the relation.
    loaded = loaded_relations(obj)
    found: dict = {}
    # Model.full_clean's steps, with the relations' existence check left out of the first
    for step in (lambda: obj.clean_fields(exclude=skip | loaded), obj.clean):
        try:
            step()
        except ValidationError as exc:
            found = exc.update_error_dict(found)
    if database:
        # unique fields and constraints, of the fields that passed (as full_clean does)
        unchecked = skip | {name for name in found if name != NON_FIELD_ERRORS}
        for step in (obj.validate_unique, lambda exclude: validate_constraints(obj, exclude)):
            try:
                step(exclude=unchecked)
            except ValidationError as exc:
                found = exc.update_error_dict(found)
    for name, messages in ValidationError(found).message_dict.items() if found else ():
        errors.setdefault(name, messages[0])
    if errors:
        raise ValidationError(errors)
    check_bounds(obj)


def loaded_relations(obj) -> set[str]:
    """The foreign keys of ``obj`` set to a row read from the database (a service's
    ``one_of``, a form's ``ModelChoiceField``): the row exists, so the field's own check
    (``ForeignKey.validate``: one query each) has nothing to add. Not a relation with
    ``limit_choices_to``, which that check also applies, nor an instance built in memory."""
    loaded = set()
    for field in obj._meta.concrete_fields:
        if not field.many_to_one or field.remote_field.limit_choices_to:
            continue
        row = field.get_cached_value(obj) if field.is_cached(obj) else None
        if (
            row is not None
            and not row._state.adding
            and getattr(row, field.target_field.attname) == getattr(obj, field.attname)
        ):
            loaded.add(field.name)
    return loaded


def set_fields(obj, values: dict, *, required=(), errors: dict | None = None) -> None:
    """Set fields of a row from typed values, each checked by its model field; raises
    (with ``errors`` too) for a missing required value or a bad one."""
    errors = {} if errors is None else errors
    for name, value in values.items():
        if name in required and (value is None or (isinstance(value, str) and not value.strip())):
            errors[name] = _("This field is required.")
            continue
        try:
            setattr(obj, name, obj._meta.get_field(name).clean(value, obj))
        except ValidationError as exc:
            errors[name] = exc.messages[0]
    if errors:
        raise ValidationError(errors)


def one_of(queryset, pk, field: str, errors: dict):
    """The row ``pk`` of ``queryset`` (already restricted to what the caller may use), or
    None with a message at ``field``; None without one when ``pk`` is None."""
    if pk is None:
        return None
    key = parse_small_int(pk, low=1, high=MAX_ID)
    row = queryset.filter(pk=key).first() if key is not None else None
    if row is None:
        errors[field] = _("Not found among the records you may change.")
    return row


def all_of(queryset, pks, field: str, errors: dict) -> list:
    """Every row named by ``pks`` in ``queryset``, or a message at ``field``."""
    wanted = {key for pk in pks if (key := parse_small_int(pk, low=1, high=MAX_ID)) is not None}
    rows = list(queryset.filter(pk__in=wanted)) if wanted else []
    if len(rows) != len(set(pks)):
        errors[field] = _("Not found among the records you may change.")
    return rows


def changes(before: dict, after: dict) -> dict[str, str]:
    """What an edit changed, as text for the audit log."""
    return {k: str(v) for k, v in after.items() if before.get(k) != v}


def locked(model, obj):
    """The row ``obj`` locked for the caller's transaction and read again: a state step
    (publish, decide, pay …) checks the state as stored, so of two taps or two officers
    the second sees what the first did."""
    return model.objects.select_for_update().get(pk=obj.pk)
