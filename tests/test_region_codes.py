import pytest

from shegong.regions.codes import ancestor_codes, level_of, parent_code, subtree_range
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
    inside = ["4309", "430902", "430902001001"]
    outside = ["4308", "431", "4310", "43", "430802001"]
    assert all(lo <= c < hi for c in inside)
    assert not any(lo <= c < hi for c in outside)


def test_subtree_query_is_a_range_not_a_walk(regions, django_assert_num_queries):
    with django_assert_num_queries(1) as ctx:
        codes = list(Region.objects.subtree("4303").values_list("code", flat=True))
    sql = ctx.captured_queries[0]["sql"]
    assert ">=" in sql and "<" in sql and "LIKE" not in sql.upper()
    assert codes[0] == "4303"
    assert all(c.startswith("4303") for c in codes)
    assert "430302001001" in codes and "4301" not in codes
