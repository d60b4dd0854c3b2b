"""The API's writes name related records by key and leave reading them to the service
(``core.forms.keys_only``): the service gets the same input as from the form that reads
them, refuses the same records at the same fields, and each is read once, in scope."""

import json
from dataclasses import replace

import pytest
from django import forms as django_forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shegong.core.api_forms import as_form_data
from shegong.core.forms import KeyOnly, keys_only
from shegong.people.models import Household
from shegong.regions.models import Region
from shegong.work import forms
from shegong.work.models import Activity, Case, HomeVisit

from .casework import DAY, activity_payload, visit_payload
from .factories import HouseholdFactory, RecipientFactory

API_FORMS = [forms.HomeVisitForm, forms.ActivityForm, forms.CaseOpenForm]


_visit = visit_payload


def _activity(world, **over):
    """With two workers and a person named: relations of both kinds."""
    own = world.places["own"]
    workers = [world.actors["social_worker"].pk, own.lead.pk]
    return activity_payload(
        world, **{"workers": workers, "participants": [own.recipient.pk], **over}
    )


def _case(world, **over):
    return {
        "recipient": world.places["own"].recipient.pk,
        "opened_on": DAY,
        "source": "outreach",
        "presenting_problem": "独居",
        **over,
    }


BUILD = {forms.HomeVisitForm: _visit, forms.ActivityForm: _activity, forms.CaseOpenForm: _case}
PATHS = {
    forms.HomeVisitForm: ("/api/visits", HomeVisit),
    forms.ActivityForm: ("/api/activities", Activity),
    forms.CaseOpenForm: ("/api/cases", Case),
}


@pytest.mark.parametrize("form_cls", API_FORMS, ids=lambda c: c.__name__)
def test_each_relation_a_form_leaves_to_its_service_is_a_choice_of_that_form(world, form_cls):
    form = form_cls(user=world.actors["social_worker"])
    assert form_cls.service_reads
    for name in form_cls.service_reads:
        assert isinstance(form.fields[name], django_forms.ModelChoiceField), name


@pytest.mark.parametrize("form_cls", API_FORMS, ids=lambda c: c.__name__)
def test_the_form_that_parses_keys_gives_the_service_what_the_reading_form_gives(world, form_cls):
    worker = world.actors["social_worker"]
    data = as_form_data(BUILD[form_cls](world))
    reading = form_cls(data, user=worker)
    assert reading.is_valid(), reading.errors
    parsing = keys_only(form_cls(data, user=worker))
    with CaptureQueriesContext(connection) as ctx:
        assert parsing.is_valid(), parsing.errors
    # the same input, but for the order of several ids (the service takes them as a set)
    assert _ids_sorted(parsing.to_input()) == _ids_sorted(reading.to_input())
    assert [q["sql"] for q in ctx.captured_queries] == []  # nothing read: the service reads


@pytest.mark.parametrize("form_cls", API_FORMS, ids=lambda c: c.__name__)
def test_an_api_form_built_as_keys_narrows_no_choice_it_would_drop(world, form_cls):
    """The API builds its forms with ``relations_as_keys``: the relations are keys from the
    start, no choice of theirs is narrowed to the user's scope only to be dropped (the
    service reads them in scope), and the service gets the same input."""
    from unittest import mock

    from shegong.core import restrict

    worker = world.actors["social_worker"]
    data = as_form_data(BUILD[form_cls](world))
    # every restriction, from a manager or a query set, asks ``allowed_q`` for its rows
    with mock.patch.object(restrict, "allowed_q", side_effect=restrict.allowed_q) as narrowed:
        page = form_cls(data, user=worker)
        assert narrowed.call_count > 0  # a page's form draws its choices in scope
        narrowed.reset_mock()
        built = form_cls(data, user=worker, relations_as_keys=True)
        assert narrowed.call_count == 0
    for name in form_cls.service_reads:
        assert isinstance(built.fields[name], KeyOnly), name
    assert keys_only(built) is built and built.is_valid(), built.errors
    assert page.is_valid(), page.errors
    assert _ids_sorted(built.to_input()) == _ids_sorted(page.to_input())


def _ids_sorted(data):
    several = {
        k: tuple(sorted(v))
        for k, v in vars(data).items()
        if isinstance(v, tuple) and all(isinstance(i, int) for i in v)
    }
    return replace(data, **several)


def _post(client, path, payload):
    return client.post(path, json.dumps(payload), content_type="application/json")


def _refusals(world):
    """(form, field, payload) for a record of the neighbouring county at each relation."""
    near = world.places["neighbour"]
    return [
        (forms.HomeVisitForm, "region", _visit(world, region=near.village, recipient=None)),
        (forms.HomeVisitForm, "recipient", _visit(world, recipient=near.recipient.pk)),
        (forms.HomeVisitForm, "workers", _visit(world, workers=[near.worker.pk])),
        (forms.HomeVisitForm, "workers", _visit(world, workers=[])),
        (forms.ActivityForm, "region", _activity(world, region=near.village)),
        (forms.ActivityForm, "workers", _activity(world, workers=[near.lead.pk])),
        (forms.ActivityForm, "participants", _activity(world, participants=[near.recipient.pk])),
        (forms.CaseOpenForm, "recipient", _case(world, recipient=near.recipient.pk)),
    ]


@pytest.mark.parametrize("case", range(8))
def test_a_record_out_of_scope_is_refused_at_its_field_and_nothing_is_written(client, world, case):
    form_cls, field, payload = _refusals(world)[case]
    path, model = PATHS[form_cls]
    client.force_login(world.actors["social_worker"])
    before = model.objects.count()
    response = _post(client, path, payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert model.objects.count() == before


def test_a_household_of_another_village_is_refused_and_ones_own_is_recorded(client, world):
    own, near = world.places["own"], world.places["neighbour"]
    theirs = HouseholdFactory(region_id=near.village, head=RecipientFactory(region_id=near.village))
    mine = HouseholdFactory(region_id=own.village)
    client.force_login(world.actors["social_worker"])
    refused = _post(client, "/api/visits", _visit(world, recipient=None, household=theirs.pk))
    assert refused.status_code == 422 and "household" in refused.json()["errors"]
    made = _post(client, "/api/visits", _visit(world, recipient=None, household=mine.pk))
    assert made.status_code == 201, made.content
    visit = HomeVisit.objects.get(pk=made.json()["id"])
    assert visit.household == Household.objects.get(pk=mine.pk) and visit.recipient_id is None


def test_a_visit_through_the_api_is_the_record_the_form_describes(client, world):
    own = world.places["own"]
    worker = world.actors["social_worker"]
    client.force_login(worker)
    response = _post(client, "/api/visits", _visit(world, workers=[worker.pk, own.lead.pk]))
    assert response.status_code == 201, response.content
    visit = HomeVisit.objects.get(pk=response.json()["id"])
    assert visit.region == Region.objects.get(code=own.village)
    assert visit.recipient_id == own.recipient.pk
    assert set(visit.workers.values_list("pk", flat=True)) == {worker.pk, own.lead.pk}


class _Form(django_forms.Form):
    region = KeyOnly(Region, multiple=False)
    people = KeyOnly(HomeVisit, multiple=True, required=False)


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"region": "430302001001"}, set()),
        ({"region": "4" * 13}, {"region"}),  # longer than a division code's column
        ({}, {"region"}),  # required
        ({"region": "430302", "people": ["abc"]}, {"people"}),
        ({"region": "430302", "people": ["0"]}, {"people"}),
        ({"region": "430302", "people": [str(2**60)]}, {"people"}),
    ],
)
def test_a_key_is_parsed_by_the_type_of_its_column(data, errors):
    query = as_form_data(data)
    form = _Form(query)
    assert form.is_valid() is (not errors)
    assert set(form.errors) == errors
    if not errors:
        assert form.cleaned_data["region"].pk == data["region"]
        assert form.cleaned_data["region"]._state.adding  # never read


def test_keys_are_parsed_once_each_and_in_order():
    form = _Form(as_form_data({"region": "43", "people": ["3", "1", "3"]}))
    assert form.is_valid(), form.errors
    assert [p.pk for p in form.cleaned_data["people"]] == [3, 1]
