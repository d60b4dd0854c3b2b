"""The rule sets from the shared cache (indicators.compute.all_rule_sets): every write of
station work (its day's ceiling) and every dashboard asks which rule set is in force. With
a shared cache the few rule sets come from it, with the same answer as the query, and are
forgotten the moment one of them or their rules is saved or deleted."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from shegong.indicators.compute import RULE_SETS_KEY, rule_set_for, rule_sets_for
from shegong.indicators.models import Rule, RuleSet

ASKED = [
    ("430302001001", 2026),  # a village of the city with its own set
    ("430302", 2027),  # a later year: the latest earlier set carried forward
    ("4303", 2026),
    ("431002", 2026),  # another city: the province's set
    ("43", 2026),
    ("43", 2019),  # before any set
    ("44", 2026),  # another province: none
]


@pytest.fixture
def sets(db):
    RuleSet.objects.filter(region_code__in=("43", "4303")).delete()
    return [
        RuleSet.objects.create(region_code="43", year=2025, title="湖南省 2025"),
        RuleSet.objects.create(region_code="43", year=2026, title="湖南省 2026"),
        RuleSet.objects.create(region_code="4303", year=2026, title="湘潭市 2026"),
    ]


@pytest.fixture
def shared(settings):
    settings.SHEGONG_SHARED_CACHE = True
    yield
    cache.clear()


def _answers(settings, shared_cache: bool):
    settings.SHEGONG_SHARED_CACHE = shared_cache
    return [getattr(rule_set_for(code, year), "pk", None) for code, year in ASKED]


def test_the_cache_answers_as_the_query_does(sets, settings):
    by_query = _answers(settings, False)
    assert by_query[:3] == [sets[2].pk, sets[2].pk, sets[2].pk]
    assert by_query[3:] == [sets[1].pk, sets[1].pk, None, None]
    assert _answers(settings, True) == by_query
    with CaptureQueriesContext(connection) as asked:
        assert _answers(settings, True) == by_query
    assert asked.captured_queries == []  # all from the cache


def test_many_places_at_once_from_the_cache_answer_as_the_query_does(sets, settings):
    """``rule_sets_for`` (a province's counties at once) reads the same cached sets."""
    codes = sorted({code for code, _year in ASKED})
    for year in (2019, 2026, 2027):
        settings.SHEGONG_SHARED_CACHE = False
        by_query = rule_sets_for(codes, year)
        settings.SHEGONG_SHARED_CACHE = True
        rule_sets_for(codes, year)
        with CaptureQueriesContext(connection) as asked:
            assert rule_sets_for(codes, year) == by_query
        assert asked.captured_queries == []
    assert by_query["430302001001"].pk == sets[2].pk and by_query["431002"].pk == sets[1].pk
    cache.clear()


@pytest.mark.parametrize("change", ["ceiling", "new set", "deleted", "a rule"])
def test_a_change_is_seen_at_once(sets, shared, change):
    city = sets[2]
    assert rule_set_for("430302", 2026).pk == city.pk
    if change == "ceiling":
        city.daily_hours_ceiling = Decimal(10)
        city.save()
        assert rule_set_for("430302", 2026).daily_hours_ceiling == Decimal(10)
    elif change == "new set":
        newer = RuleSet.objects.create(region_code="4303", year=2027, title="湘潭市 2027")
        assert rule_set_for("430302", 2027).pk == newer.pk
    elif change == "deleted":
        city.delete()
        assert rule_set_for("430302", 2026).pk == sets[1].pk  # the province's again
    else:
        Rule.objects.create(rule_set=city, indicator="visits", target=Decimal(5))
        assert cache.get(RULE_SETS_KEY) is None


def test_rule_sets_read_before_a_commit_are_dropped_at_it(
    sets, shared, django_capture_on_commit_callbacks
):
    old = rule_set_for("430302", 2026)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        sets[2].title = "湘潭市 2026（修订）"
        sets[2].save()
        cache.set(RULE_SETS_KEY, [old], 3600)  # another request, reading before the commit
    assert rule_set_for("430302", 2026).title == "湘潭市 2026（修订）"


def test_an_unreachable_cache_reads_the_database(sets, shared, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cache, "get", down)
    assert rule_set_for("430302", 2026).pk == sets[2].pk
