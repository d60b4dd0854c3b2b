"""Check constraints decided in Python (core.checks_in_python) agree with the database.

Every ``CheckConstraint`` of the project is tried on records at, below and past each bound
it names (and NULL where the field allows it): Python's verdict must be the database's
(``Q.check``, what Django validated with), on SQLite and on PostgreSQL alike. And none of
the project's checks is left to the database: each is decided without a query."""

import datetime
import itertools
import random
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import CheckConstraint, F, Q
from django.test.utils import CaptureQueriesContext

from shegong.core.checks_in_python import UNDECIDED, evaluate, validate_constraints

DAY = datetime.date(2026, 6, 15)


def _checks():
    for model in apps.get_models():
        if model.__module__.startswith("shegong."):
            for constraint in model._meta.constraints:
                if isinstance(constraint, CheckConstraint):
                    yield model, constraint


CHECKS = list(_checks())


def _refs(q) -> dict:
    """{field name: the constants it is compared with} of a condition."""
    found: dict = {}
    for child in q.children:
        if isinstance(child, Q):
            for name, values in _refs(child).items():
                found.setdefault(name, []).extend(values)
            continue
        key, rhs = child
        name = key.split("__")[0]
        if isinstance(rhs, F):
            found.setdefault(name, [])
            found.setdefault(rhs.name, [])
        elif isinstance(rhs, list | tuple):
            found.setdefault(name, []).extend(rhs)
        else:
            found.setdefault(name, []).append(rhs)
    return found


def _candidates(field, constants) -> list:
    values = [None] if field.null else []
    if isinstance(field, models.ForeignKey):
        return values + [1] if field.null else [1]
    if isinstance(field, models.BooleanField):
        return values + [True, False]
    if isinstance(field, models.DateField):
        dates = [c for c in constants if isinstance(c, datetime.date)] or [DAY]
        return values + [d + datetime.timedelta(days=n) for d in dates for n in (-1, 0, 1)]
    if isinstance(field, models.DecimalField | models.IntegerField | models.FloatField):
        numbers = [c for c in constants if isinstance(c, int | Decimal) and c is not True]
        numbers = numbers or [0, 1]
        step = Decimal("0.01") if isinstance(field, models.DecimalField) else 1
        kind = Decimal if isinstance(field, models.DecimalField) else int
        return values + sorted({kind(n) + d for n in numbers for d in (-step, 0, step)})
    texts = [c for c in constants if isinstance(c, str)]
    choices = [value for value, _label in (field.choices or [])][:3]
    return values + list(dict.fromkeys(texts + choices + ["其他"]))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "constraint"), CHECKS, ids=[f"{m.__name__}.{c.name}" for m, c in CHECKS]
)
def test_python_agrees_with_the_database(model, constraint):
    fields = {name: model._meta.get_field(name) for name in _refs(constraint.condition)}
    refs = _refs(constraint.condition)
    grid = [_candidates(fields[name], refs[name]) for name in fields]
    combos = list(itertools.product(*grid))
    random.Random(constraint.name).shuffle(combos)
    for combo in combos[:300]:
        obj = model(**{fields[n].attname: v for n, v in zip(fields, combo, strict=True)})
        verdict = evaluate(constraint.condition, obj)
        assert verdict is not UNDECIDED, (constraint.name, combo)
        against = obj._get_field_expression_map(meta=model._meta)
        database = Q(constraint.condition).check(against, using=connection.alias)
        assert (verdict is not False) == database, (constraint.name, combo, verdict)


@pytest.mark.django_db
def test_a_failing_check_says_what_django_says_without_a_query():
    model, constraint = next(
        (m, c)
        for m, c in CHECKS
        if all(isinstance(x, CheckConstraint) for x in m._meta.constraints)
        and any(isinstance(v, int) for v in sum(_refs(c.condition).values(), []))
    )
    fields = {n: model._meta.get_field(n) for n in _refs(constraint.condition)}
    # a value below every bound the check names fails it (a lower bound is in every one)
    low = {
        n: -(10**6)
        for n, f in fields.items()
        if isinstance(f, models.IntegerField | models.DecimalField)
    }
    obj = model(**{fields[n].attname: v for n, v in low.items()})
    with pytest.raises(ValidationError) as theirs:
        obj.validate_constraints()
    with CaptureQueriesContext(connection) as asked, pytest.raises(ValidationError) as ours:
        validate_constraints(obj)
    assert asked.captured_queries == []
    assert ours.value.message_dict == theirs.value.message_dict
    # a field left out (it has its own error already) leaves its checks out, as Django does
    validate_constraints(obj, exclude=set(fields))


def test_what_python_does_not_decide_is_left_to_the_database():
    from shegong.work.models import HomeVisit

    visit = HomeVisit(hours=Decimal(1))
    assert evaluate(Q(region__name="x"), visit) is UNDECIDED  # across a relation
    assert evaluate(Q(situation__lt="b"), visit) is UNDECIDED  # text order: the collation's
    assert evaluate(Q(hours__lte="2"), visit) is UNDECIDED  # a text for a number
    assert evaluate(Q(hours__lte=2), visit) is True
    assert evaluate(Q(hours__gt=2) | Q(hours=None), visit) is False
    assert evaluate(~Q(hours__gt=2), HomeVisit(hours=None)) is None  # unknown: passes
