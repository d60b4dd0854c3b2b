"""A model's check constraints decided in Python when they can be, not by a query each.

Django validates a ``CheckConstraint`` (``Model.validate_constraints``) by asking the
database: ``SELECT 1 WHERE COALESCE(<condition>, true)`` for every check of every record
saved, inside a savepoint when in a transaction — three statements per check. Ours are
comparisons of a record's own fields with numbers, dates, choices or each other
(``hours__lte=24``, ``ends_on__gte=F("starts_on")``, ``status="confirmed"``), which
Python decides with the database's own logic: a comparison with NULL is unknown, and an
unknown condition passes (the ``COALESCE(…, true)`` Django checks with, and a CHECK
constraint's own rule). Anything else — a lookup across a relation, a function, an
expression, a type Python will not compare — is left to the database as before; so are
unique constraints, which need it. ``tests/test_checks_in_python.py`` holds every check
constraint of the project to the database's verdict on records at and past its bounds.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import router
from django.db.models import CheckConstraint, F, Q

UNDECIDED = object()  # Python cannot decide: ask the database


def validate_constraints(obj, exclude=()) -> None:
    """``obj.validate_constraints(exclude)``, with the checks Python can decide decided
    here (the same errors, codes and messages)."""
    exclude = set(exclude or ())
    errors: dict = {}
    using = router.db_for_write(type(obj), instance=obj)
    for model_class, constraints in obj.get_constraints():
        for constraint in constraints:
            try:
                if not isinstance(constraint, CheckConstraint) or not _decided(
                    constraint, obj, exclude
                ):
                    constraint.validate(model_class, obj, exclude=exclude, using=using)
            except ValidationError as exc:
                if getattr(exc, "code", None) == "unique" and len(constraint.fields) == 1:
                    errors.setdefault(constraint.fields[0], []).append(exc)
                else:
                    errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _decided(constraint, obj, exclude) -> bool:
    """True when Python decided the check (raising its error if it fails); False to ask
    the database."""
    verdict = evaluate(constraint.condition, obj, exclude)
    if verdict is UNDECIDED:
        return False
    if verdict is False:
        raise ValidationError(
            constraint.get_violation_error_message(), code=constraint.violation_error_code
        )
    return True  # true, or unknown (NULL): the check passes


def evaluate(condition, obj, exclude=()):
    """``condition`` (a Q) on ``obj``: True, False, None (unknown: a NULL compared), or
    UNDECIDED. A condition naming an excluded field passes, as Django's check does (it
    leaves such a constraint to the fields' own errors)."""
    try:
        return _q(condition, obj, set(exclude))
    except _Skip:
        return True
    except (_Undecided, TypeError, ValueError, AttributeError):
        return UNDECIDED


class _Skip(Exception):
    pass


class _Undecided(Exception):
    pass


def _q(q, obj, exclude):
    if not isinstance(q, Q) or q.connector not in (Q.AND, Q.OR):
        raise _Undecided
    results = []
    for child in q.children:
        if isinstance(child, Q):
            results.append(_q(child, obj, exclude))
        elif isinstance(child, tuple) and len(child) == 2:
            results.append(_lookup(child[0], child[1], obj, exclude))
        else:
            raise _Undecided
    if q.connector == Q.AND:
        value = False if False in results else (None if None in results else True)
    else:
        value = True if True in results else (None if None in results else False)
    if q.negated:
        value = None if value is None else not value
    return value


_OPS = {
    "exact": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
}


def _field_value(name: str, obj, exclude):
    try:
        field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        raise _Undecided from None
    if not getattr(field, "concrete", False) or field.many_to_many:
        raise _Undecided
    if field.name in exclude or field.attname in exclude:
        raise _Skip
    return getattr(obj, field.attname)


def _lookup(key: str, rhs, obj, exclude):
    name, _sep, op = key.partition("__")
    op = op or "exact"
    if "__" in op:  # across a relation, or a transform (year, lower …)
        raise _Undecided
    value = _field_value(name, obj, exclude)
    if isinstance(rhs, F):
        if "__" in rhs.name:
            raise _Undecided
        rhs = _field_value(rhs.name, obj, exclude)
    elif hasattr(rhs, "resolve_expression"):
        raise _Undecided
    if op == "isnull":
        return (value is None) == bool(rhs)
    if op == "exact" and rhs is None:
        return value is None  # Django's exact None is IS NULL
    if op == "in":
        if value is None:
            return None
        for item in rhs:
            _alike(value, item)
        return value in rhs
    if op == "range":
        low, high = rhs
        if value is None or low is None or high is None:
            return None
        _ordered(value, low, high)
        return low <= value <= high
    if op not in _OPS:
        raise _Undecided
    if value is None or rhs is None:
        return None
    if op == "exact":
        _alike(value, rhs)
    else:
        _ordered(value, rhs)
    return _OPS[op](value, rhs)


# what Python orders as the database does: numbers and dates (not text: the database's
# collation decides its order)
ORDERED = (int, float, Decimal, datetime.date, datetime.datetime, datetime.time)


NUMBERS = (int, float, Decimal)


def _kind(value):
    if isinstance(value, bool):
        return bool
    if isinstance(value, NUMBERS):
        return Decimal
    if isinstance(value, datetime.datetime):
        return datetime.datetime
    for kind in (datetime.date, datetime.time, str):
        if isinstance(value, kind):
            return kind
    raise _Undecided


def _alike(a, b) -> None:
    """Python's == agrees with the database's only on values of one kind (a text "1" is
    not the number 1 here, but may be there)."""
    if _kind(a) is not _kind(b):
        raise _Undecided


def _ordered(*values) -> None:
    if not all(isinstance(v, ORDERED) and not isinstance(v, bool) for v in values):
        raise _Undecided
