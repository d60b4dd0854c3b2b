import pytest

from shegong.core.divisions import ancestor_codes, level_of, parent_code, subtree_range
from shegong.regions.models import Region


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("43", 1, None),
        ("4303", 2, "43"),
        ("430302", 3, "4303"),
        ("430302001", 4, "430302"),
        ("430302001001", 5, "430302001"),
    ],
)
def test_level_and_parent(code, level, parent):
    assert level_of(code) == level
    assert parent_code(code) == parent


@pytest.mark.parametrize("bad", ["", "4", "43a", "4303021", "1234567890123"])
def test_malformed_codes_are_refused(bad):
    with pytest.raises(ValueError):
        level_of(bad)


def test_ancestors_province_first():
    assert ancestor_codes("430302001001") == ["43", "4303", "430302", "430302001"]


def test_subtree_range_holds_exactly_the_descendants():
    lo, hi = subtree_range("4309")
    assert (lo, hi) == ("4309", "431")
    inside = ["4309", "430902", "430902001001"]
    outside = ["4308", "4310", "43", "430802001", "431002", "431"]
    assert all(lo <= c < hi for c in inside)
    assert not any(lo <= c < hi for c in outside)
    assert subtree_range("439") == ("439", "44")
    assert subtree_range("430999") == ("430999", "431")
    assert subtree_range("4303") == ("4303", "4304")
    assert subtree_range("99") == ("99", None)


TRICKY = ["4309", "430999", "430902009", "4399", "43", "4303"]
CODES = [
    "43",
    "4303",
    "4309",
    "430902",
    "430902009",
    "430902009001",
    "430902010",
    "430999",
    "430999001",
    "4310",
    "431002",
    "4399",
    "439901",
    "44",
    "4401",
]


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", TRICKY)
def test_subtree_query_on_the_database_matches_the_prefix(prefix):
    Region.objects.bulk_create([Region(code=c, name=c, level=level_of(c)) for c in CODES])
    got = sorted(Region.objects.subtree(prefix).values_list("code", flat=True))
    assert got == sorted(c for c in CODES if c.startswith(prefix))


@pytest.mark.django_db
def test_bounds_hold_under_chinese_collation_on_postgresql():
    """Production PostgreSQL often uses a zh_CN/ICU collation, where punctuation sorts
    unlike in C; the range bounds must hold there too."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_collation WHERE collname = 'zh-Hans-CN-x-icu'")
        if cur.fetchone() is None:
            pytest.skip("no ICU collation on this server")
        for prefix in TRICKY:
            lo, hi = subtree_range(prefix)
            for code in CODES:
                cur.execute(
                    'SELECT %s >= %s COLLATE "zh-Hans-CN-x-icu" '
                    'AND (%s::text IS NULL OR %s < %s COLLATE "zh-Hans-CN-x-icu")',
                    [code, lo, hi, code, hi],
                )
                assert cur.fetchone()[0] == code.startswith(prefix), (prefix, code)


def test_subtree_query_is_a_range_not_a_walk(regions, django_assert_num_queries):
    with django_assert_num_queries(1) as ctx:
        codes = list(Region.objects.subtree("4303").values_list("code", flat=True))
    sql = ctx.captured_queries[0]["sql"]
    assert ">=" in sql and "<" in sql and "LIKE" not in sql.upper()
    assert codes[0] == "4303"
    assert all(c.startswith("4303") for c in codes)
    assert "430302001001" in codes and "4301" not in codes
