"""The audit log reads back a saved row to say what was saved, and names the rows it
points at (a visit's person, household, village and workers). Of those it reads only what
their names are made of (``STR_FIELDS``, ``STR_RELATED``) where a model declares it: here,
that ``str()`` of every such model reads nothing else, so a name never costs a query."""

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shegong.audit.services import _name_columns


def _declaring():
    return [m for m in apps.get_models() if getattr(m, "STR_FIELDS", None) is not None]


def _named_only(model, n: int, text: str):
    """A row of ``model`` holding only its primary key and the columns its name is
    declared to be made of (``text`` in each text column, so that "" follows the other
    branch of ``full_name or username``), with its STR_RELATED rows built the same way."""
    meta = model._meta
    names = [meta.pk.attname]
    values = [str(40 + n) if meta.pk.get_internal_type() == "CharField" else n]
    for column in model.STR_FIELDS:
        field = meta.get_field(column)
        names.append(field.attname)
        values.append(text if field.get_internal_type() in ("CharField", "TextField") else n)
    row = model.from_db("default", names, values)
    for relation in getattr(model, "STR_RELATED", ()):
        related = meta.get_field(relation).related_model
        setattr(row, relation, _named_only(related, n + 1, text))
    return row


def test_the_models_named_in_the_audit_log_declare_their_name_columns():
    declared = {m._meta.label for m in _declaring()}
    assert {"accounts.User", "people.Recipient", "people.Household", "regions.Region"} <= declared


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["名", ""])
@pytest.mark.parametrize("model", _declaring(), ids=lambda m: m._meta.label)
def test_a_name_reads_only_its_declared_columns(model, text):
    row = _named_only(model, 1, text)
    with CaptureQueriesContext(connection) as asked:
        name = str(row)
    assert asked.captured_queries == [], f"str() of {model._meta.label} read a deferred column"
    assert isinstance(name, str)
    assert _name_columns(model, "x__") is not None
