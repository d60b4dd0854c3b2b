"""Several counts in one query (core.counts.count_together): each equals the queryset's own
``.count()``, whatever its restriction, joins and filters; all of them cost one query; what
it cannot count as one subquery it refuses rather than miscount."""

import pytest
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.test.utils import CaptureQueriesContext

from shegong.accounts.models import User
from shegong.core.counts import count_together
from shegong.people.models import Recipient
from shegong.stations.models import Agency, Station
from shegong.work.models import Case, HomeVisit

pytestmark = pytest.mark.django_db


def _querysets(user):
    """Fresh querysets each call (an evaluated queryset keeps its rows)."""
    return {
        "people": Recipient.objects.restrict(user),
        "rooms": Station.objects.restrict(user).filter(tier=Station.Tier.VILLAGE_ROOM),
        "agencies": Agency.objects.restrict(user),  # an OR with EXISTS for an officer
        "open_cases": Case.objects.restrict(user).exclude(stage=Case.Stage.CLOSED),
        "visited": Recipient.objects.restrict(user).filter(
            Exists(HomeVisit.objects.filter(recipient=OuterRef("pk")))
        ),
        "colleagues": User.objects.filter(station__agency__region__code__startswith="4303"),
        "names": Station.objects.restrict(user).values_list("name", flat=True),
        "none": Station.objects.none(),
        "in_nothing": Station.objects.filter(pk__in=[]),
    }


@pytest.mark.parametrize(
    "who", ["county_officer", "city_officer", "province_officer", "social_worker", "agency_admin"]
)
def test_each_count_is_the_querysets_own_in_one_query(world, who):
    user = world.actors[who]
    expected = {name: qs.count() for name, qs in _querysets(user).items()}
    assert sum(expected.values()) > 0 and expected["none"] == 0  # not all of them empty
    with CaptureQueriesContext(connection) as queries:
        (got,) = count_together(_querysets(user))
    assert got == expected
    assert list(got) == list(expected)  # in the order they were given
    assert len(queries.captured_queries) == 1


def test_groups_come_back_apart_even_with_the_same_names(world):
    province, worker = world.actors["province_officer"], world.actors["social_worker"]
    with CaptureQueriesContext(connection) as queries:
        a, empty, b = count_together(
            {"people": Recipient.objects.restrict(province)},
            {},
            {"people": Recipient.objects.restrict(worker)},
        )
    assert len(queries.captured_queries) == 1
    assert a == {"people": Recipient.objects.restrict(province).count()}
    assert b == {"people": Recipient.objects.restrict(worker).count()}
    assert a != b  # the province sees more people than one station
    assert empty == {}


def test_nothing_to_count_asks_nothing(world):
    with CaptureQueriesContext(connection) as queries:
        assert count_together() == []
        assert count_together({}, {}) == [{}, {}]
        assert count_together({"none": Station.objects.none()}) == [{"none": 0}]
    assert queries.captured_queries == []


@pytest.mark.parametrize(
    "queryset",
    [
        lambda: Station.objects.all()[:2],
        lambda: Station.objects.values("region_id").distinct(),
        lambda: Station.objects.values("region_id").annotate(n=Count("pk")),
        lambda: Station.objects.annotate(n=Count("staff")),
        lambda: Station.objects.filter(tier="x").union(Station.objects.all()),
    ],
    ids=["sliced", "distinct", "grouped", "aggregated", "combined"],
)
def test_what_one_subquery_would_miscount_is_refused(world, queryset):
    with pytest.raises(ValueError, match="count"):
        count_together({"x": queryset()})


def test_the_agency_home_asks_for_its_filing_until_it_is_submitted_or_filed(client, world):
    """The agency's "file the agency" line, now read as two counts with the home's others
    (``purchase.selectors.to_do``): there while it has no filing, or a draft or returned one."""
    import datetime

    from shegong.purchase.models import Filing
    from shegong.purchase.selectors import to_do

    from .factories import FilingFactory

    agency_admin = world.actors["agency_admin"]
    today = datetime.date(2026, 3, 1)
    client.force_login(agency_admin)

    def asked() -> bool:
        shown = 'data-testid="todo-file"' in client.get("/").content.decode()
        assert shown == bool(to_do(user=agency_admin, today=today)["file"])
        return shown

    assert asked()  # no filing yet
    filing = FilingFactory(agency=agency_admin.agency, status=Filing.Status.DRAFT)
    expected = {
        Filing.Status.DRAFT: True,
        Filing.Status.SUBMITTED: False,
        Filing.Status.RETURNED: True,
        Filing.Status.APPROVED: False,
    }
    for status, shown in expected.items():
        Filing.objects.filter(pk=filing.pk).update(status=status)
        assert asked() is shown, status
