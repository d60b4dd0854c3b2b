"""``core.restrict.can`` answers without a query for an object ``get_restricted_or_404``
has just read through the same rows the action allows; it must never answer otherwise than
the database would, for any role, place, kind of record or action, nor lend one user's
reading to another."""

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from shegong.core.restrict import ACTIONS, can, get_restricted_or_404

from .conftest import ROLES

pytestmark = pytest.mark.django_db

KINDS = ("recipient", "case", "visit", "activity", "station")


def _objects(world):
    for name, place in world.places.items():
        for kind in KINDS:
            yield name, kind, getattr(place, kind)


@pytest.mark.parametrize("role", ROLES)
def test_can_after_a_restricted_read_is_what_the_database_says(world, role):
    user = world.actors[role]
    answered_without_asking = 0
    for place, kind, obj in _objects(world):
        model = type(obj)
        for read_as in ("view", "view_masked", "change"):
            try:
                read = get_restricted_or_404(model.objects.all(), user, read_as, pk=obj.pk)
            except Http404:  # not readable this way
                continue
            for action in ACTIONS:
                fresh = model.objects.get(pk=obj.pk)  # no reading remembered: the query
                expected = can(user, fresh, action)
                with CaptureQueriesContext(connection) as queries:
                    got = can(user, read, action)
                assert got == expected, (role, place, kind, read_as, action)
                answered_without_asking += not queries.captured_queries
    if role in ("social_worker", "station_lead", "county_officer"):
        assert answered_without_asking > 0  # the shortcut is taken at all


def test_one_users_reading_is_not_lent_to_another(world):
    own, neighbour = world.places["own"], world.places["neighbour"]
    person = get_restricted_or_404(
        type(own.recipient).objects.all(), own.worker, pk=own.recipient.pk
    )
    assert can(own.worker, person, "change")
    assert not can(neighbour.worker, person, "change")  # another station's worker
    assert not can(neighbour.worker, person, "view")


def test_an_inactive_user_may_do_nothing_with_what_was_read_before(world):
    own = world.places["own"]
    person = get_restricted_or_404(
        type(own.recipient).objects.all(), own.worker, pk=own.recipient.pk
    )
    own.worker.is_active = False
    assert not any(can(own.worker, person, action) for action in ACTIONS)
