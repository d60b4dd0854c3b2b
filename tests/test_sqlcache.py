"""A SELECT's SQL kept by its shape (shegong/core/sqlcache.py): the second query of a
shape reuses the SQL around its WHERE and compiles only the WHERE, with its own values;
what is not kept is compiled by Django; and the suite's check (every query compared with
Django's own compiling) does catch a kept SQL that went wrong."""

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.test.utils import CaptureQueriesContext

from shegong.core import sqlcache
from shegong.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _nothing_kept():
    sqlcache.forget()
    yield
    sqlcache.forget()


def _below(prefix):
    return Region.objects.filter(code__startswith=prefix).select_related("parent").order_by("code")


def _counts():
    return dict(sqlcache.counts)


def _delta(before):
    return {k: sqlcache.counts[k] - before[k] for k in before}


def test_the_backends_compile_with_kept_shapes():
    assert settings.SHEGONG_SQL_CACHE and settings.SHEGONG_SQL_CACHE_VERIFY
    assert connection.settings_dict["ENGINE"].startswith("shegong.core.db.")
    assert issubclass(connection.ops.compiler("SQLCompiler"), sqlcache.KeptShapeCompiler)


def test_a_shape_is_kept_once_and_each_where_keeps_its_own_values(regions):
    before = _counts()
    yuhu = list(_below("430302"))
    assert _delta(before) == {"kept": 1, "reused": 0, "django": 0}
    xiangtan = list(_below("4303"))
    other = list(_below("4304"))
    assert _delta(before) == {"kept": 1, "reused": 2, "django": 0}
    # each query answered for its own prefix, with the kept SELECT and ORDER BY
    assert yuhu and all(r.code.startswith("430302") for r in yuhu)
    assert all(r.code.startswith("4304") for r in other)
    assert len(xiangtan) > len(yuhu)
    assert [r.code for r in xiangtan] == sorted(r.code for r in xiangtan)
    # select_related's columns are read into the parent from the kept column list
    assert {r.parent.code for r in yuhu if r.code != "430302"} <= {r.code for r in yuhu} | {
        "430302"
    }
    with CaptureQueriesContext(connection) as seen:
        list(_below("430302"))
    (query,) = seen.captured_queries
    assert "430302" in query["sql"] and "4304" not in query["sql"]


def test_no_value_of_a_where_is_kept(regions):
    sqlcache.forget()
    list(_below("430302"))
    kept = list(sqlcache._kept.values())
    assert len(kept) == 1
    head, head_params, tail, tail_params, _state = kept[0]
    assert "430302" not in head + tail and not head_params and not tail_params


def test_an_empty_or_missing_where_on_a_kept_shape(regions):
    list(Region.objects.filter(code__in=["430302"]).order_by("code"))
    before = _counts()
    with CaptureQueriesContext(connection) as seen:
        assert list(Region.objects.filter(code__in=[]).order_by("code")) == []
    assert seen.captured_queries == []  # Django's "nothing can match": no query at all
    every = list(Region.objects.order_by("code"))
    again = list(Region.objects.order_by("code"))
    assert len(every) == Region.objects.count() and every == again
    assert _delta(before)["reused"] >= 1


def test_each_page_of_a_list_is_its_own_shape(regions):
    ordered = list(Region.objects.order_by("code").values_list("code", flat=True))
    first = list(Region.objects.order_by("code").values_list("code", flat=True)[:3])
    second = list(Region.objects.order_by("code").values_list("code", flat=True)[3:6])
    assert first == ordered[:3] and second == ordered[3:6]
    assert list(Region.objects.order_by("code").values_list("code", flat=True)[3:6]) == second


def test_values_in_the_select_are_part_of_the_shape(regions):
    """A conditional count's value sits in the SELECT, which is kept: each value is a
    shape of its own, and so is each type (1 and True are equal in Python)."""
    levels = sorted(set(Region.objects.values_list("level", flat=True)))
    assert len(levels) > 1
    for level in levels + levels:
        counted = Region.objects.aggregate(n=Count("pk", filter=Q(level=level)))["n"]
        assert counted == Region.objects.filter(level=level).count()
    one = list(Region.objects.annotate(a=Value(1)).values_list("a", flat=True)[:1])
    true = list(Region.objects.annotate(a=Value(True)).values_list("a", flat=True)[:1])
    assert one == [1] and type(one[0]) is int
    assert true == [True] and type(true[0]) is bool


@pytest.mark.parametrize(
    "queryset",
    [
        lambda: Region.objects.annotate(
            n=Subquery(Region.objects.filter(parent=OuterRef("pk")).values("pk")[:1])
        ),
        lambda: Region.objects.extra(select={"x": "1"}),
        lambda: (
            Region.objects.filter(code="43")
            .order_by()
            .union(Region.objects.filter(code="4303").order_by())
        ),
    ],
    ids=["subquery", "extra", "union"],
)
def test_what_is_not_kept_is_compiled_by_django(regions, queryset):
    before = _counts()
    first, second = list(queryset()), list(queryset())
    assert first == second
    # the outer query is Django's each time (a subquery or a union's parts may be kept)
    assert _delta(before)["django"] >= 2


def test_select_for_update_is_not_kept_so_its_checks_still_run(regions):
    """Django checks a locking read when it compiles it (in a transaction, supported by
    the database): such a query is compiled by Django every time."""
    from django.db import transaction

    before = _counts()
    with transaction.atomic():
        locked = list(Region.objects.select_for_update().filter(code="43"))
        locked += list(Region.objects.select_for_update().filter(code="4303"))
    assert [r.code for r in locked] == ["43", "4303"]
    assert _delta(before) == {"kept": 0, "reused": 0, "django": 2}


def test_the_suites_check_catches_a_kept_sql_gone_wrong(regions):
    """Every test runs with SHEGONG_SQL_CACHE_VERIFY: were a shape to give other SQL than
    Django's, the query raises instead of answering."""
    sqlcache.forget()
    list(_below("430302"))
    ((key, (head, head_params, tail, tail_params, state)),) = sqlcache._kept.items()
    sqlcache._kept[key] = (head, head_params, tail.replace("ASC", "DESC"), tail_params, state)
    with pytest.raises(AssertionError, match="kept SQL differs from Django's"):
        list(_below("4303"))


def test_a_process_keeps_a_bounded_number_of_shapes(regions, monkeypatch):
    monkeypatch.setattr(sqlcache, "LIMIT", 3)
    for n in range(1, 7):
        list(Region.objects.order_by("code")[:n])
    assert len(sqlcache._kept) == 3
