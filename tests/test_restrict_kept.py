"""``Model.objects.restrict(user, action)`` keeps each restricted query set it builds and
hands out copies (``core.restrict.RestrictedManager``): a copy must read exactly what
building the restriction anew reads, for every restricted model, role and action, however
the copies handed out before were filtered or read; and two restrictions that differ in
any value, or in its type, are never one."""

import pytest
from django.apps import apps
from django.core.exceptions import EmptyResultSet
from django.db.models import Exists, OuterRef, Q

from shegong.core import restrict as restrict_module
from shegong.core.restrict import (
    ACTIONS,
    RestrictedManager,
    allowed_q,
    restriction_key,
)
from shegong.stations.models import Station

from .conftest import ROLES
from .factories import UserFactory

pytestmark = pytest.mark.django_db

RESTRICTED = [m for m in apps.get_models() if hasattr(m, "restrict_q")]


def _sql(queryset):
    try:
        return queryset.query.sql_with_params()
    except EmptyResultSet:
        return "nothing"


def _built(model, user, action):
    """The restriction built anew, as the query set's own ``restrict`` does."""
    q = allowed_q(model, user, action)
    return model.objects.none() if q is None else model.objects.get_queryset().filter(q)


def test_every_restricted_model_keeps_its_restriction():
    assert RESTRICTED
    for model in RESTRICTED:
        assert isinstance(model.objects, RestrictedManager), model
        assert any(m is model.objects for m in model._meta.managers), model  # its own


@pytest.mark.parametrize("role", ROLES)
def test_a_kept_restriction_reads_what_one_built_anew_reads(world, role):
    user = world.actors[role]
    for model in RESTRICTED:
        for action in ACTIONS:
            expected = _sql(_built(model, user, action))
            first = model.objects.restrict(user, action)
            # a caller filters, orders and reads its copy: the next copy is untouched
            list(first.filter(pk__gt=0).order_by("-pk")[:3])
            list(first)
            again = model.objects.restrict(user, action)
            assert again is not first
            assert _sql(first) == expected, (role, model.__name__, action)
            assert _sql(again) == expected, (role, model.__name__, action)


def test_a_copy_read_before_does_not_answer_for_the_next(world):
    own = world.places["own"]
    station = own.station
    before = Station.objects.restrict(own.worker)
    rows = list(before)  # read: its rows are cached on this copy alone
    assert station in rows
    station.name = "改名后的站点"
    station.save()
    assert Station.objects.restrict(own.worker).get(pk=station.pk).name == "改名后的站点"
    assert "改名后的站点" not in [s.name for s in before]


def test_each_user_reads_through_their_own_values(world):
    own, neighbour = world.places["own"], world.places["neighbour"]
    recipient = type(own.recipient)
    mine = set(recipient.objects.restrict(own.worker).values_list("pk", flat=True))
    theirs = set(recipient.objects.restrict(neighbour.worker).values_list("pk", flat=True))
    assert own.recipient.pk in mine and own.recipient.pk not in theirs
    assert neighbour.recipient.pk in theirs and neighbour.recipient.pk not in mine
    # a worker moved to the neighbouring station reads that station's people at once
    own.worker.station = neighbour.station
    own.worker.save()
    moved = set(recipient.objects.restrict(own.worker).values_list("pk", flat=True))
    assert moved == set(
        recipient.objects.get_queryset()
        .filter(allowed_q(recipient, own.worker, "view"))
        .values_list("pk", flat=True)
    )
    assert own.recipient.pk not in moved or own.recipient.pk in theirs


def test_officers_of_one_region_share_one_restriction(world):
    officer = world.actors["county_officer"]
    colleague = UserFactory(
        username="county_colleague", role=officer.role, scope_region=officer.scope_region
    )
    Station.objects.restrict(officer)
    kept = len(restrict_module._kept)
    assert _sql(Station.objects.restrict(colleague)) == _sql(Station.objects.restrict(officer))
    assert len(restrict_module._kept) == kept


def test_values_of_another_type_make_another_restriction():
    assert restriction_key(Q(pk=1)) != restriction_key(Q(pk=True))
    assert restriction_key(Q(pk=1)) != restriction_key(Q(pk=1.0))
    assert restriction_key(Q(pk=1)) != restriction_key(Q(pk="1"))
    assert restriction_key(Q(pk__in=[1, 2])) != restriction_key(Q(pk__in=[2, 1]))
    assert restriction_key(Q(pk=1) | Q(pk=2)) != restriction_key(Q(pk=1) & Q(pk=2))
    assert restriction_key(Q(pk=1)) != restriction_key(~Q(pk=1))
    assert restriction_key(Q(region_id__startswith="43")) == restriction_key(
        Q(region_id__startswith="43")
    )


def test_a_subquery_or_an_unsaved_row_is_built_each_time(world):
    exists = Q(Exists(Station.objects.filter(agency=OuterRef("pk"))))
    assert restriction_key(exists) is None
    assert restriction_key(Q(station=Station(name="未保存"))) is None
    assert restriction_key(Q(station=world.places["own"].station)) is not None


def test_restrictions_kept_are_bounded(world, monkeypatch):
    monkeypatch.setattr(restrict_module, "_kept", {})
    monkeypatch.setattr(restrict_module, "KEPT_LIMIT", 3)
    for user in world.actors.values():
        for action in ACTIONS:
            Station.objects.restrict(user, action)
    assert 0 < len(restrict_module._kept) <= 3


def test_a_related_manager_restricts_its_own_rows_only(world):
    """``station.staff.restrict(user)`` reads that station's staff: a related manager's
    query set holds its row, so it is never served another row's kept restriction."""
    officer = world.actors["city_officer"]  # both stations lie in the city
    own, neighbour = world.places["own"].station, world.places["neighbour"].station
    for station in (own, neighbour, own):
        staff = set(station.staff.restrict(officer).values_list("pk", flat=True))
        assert staff == set(
            type(officer)
            .objects.filter(station=station)
            .filter(allowed_q(type(officer), officer, "view"))
            .values_list("pk", flat=True)
        )
        assert staff  # each station has staff in the officer's city
