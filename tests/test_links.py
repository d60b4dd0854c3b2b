"""Links built once and reused (core.links): each equals what ``reverse`` gives, under the
script prefix of the request (a deployment under a sub-path)."""

import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse, set_script_prefix
from django.utils.http import urlencode

from shegong.core.links import id_url, param, row_url, url_of, with_query


@pytest.fixture
def prefix():
    def use(value: str) -> None:
        set_script_prefix(value)

    yield use
    set_script_prefix("/")


@pytest.mark.parametrize("script", ["/", "/shegong/"])
def test_row_and_page_links_equal_reverse(prefix, script):
    prefix(script)
    for name in (
        "work:visit_detail",
        "people:detail",
        "stations:detail",
        "evaluation:result_detail",
    ):
        for pk in (1, 42, 10**9):
            assert row_url(name)(SimpleNamespace(pk=pk)) == reverse(name, args=[pk])
    assert row_url("residents:detail", "request_id")(SimpleNamespace(request_id=7)) == reverse(
        "residents:detail", args=[7]
    )
    assert id_url("work:case_detail")(42) == reverse("work:case_detail", args=[42])
    # a URL of two ids: the leading one given once, the row's last
    for round_pk, station_pk in ((1, 2), (42, 42), (7, 10**9)):
        assert id_url("evaluation:round_station", round_pk)(station_pk) == reverse(
            "evaluation:round_station", args=[round_pk, station_pk]
        )
    assert url_of("work:visit_list") == reverse("work:visit_list")
    assert reverse("work:visit_list").startswith(script)
    # the template's row link ({% id_link %}: a table's link in every row)
    from django.template import Context, Template

    row = Template(
        "{% load shegong %}{% for pk in ids %}{% id_link 'stations:detail' pk %} {% endfor %}"
    )
    ids = [1, 42, 10**9]
    assert row.render(Context({"ids": ids})).split() == [
        reverse("stations:detail", args=[pk]) for pk in ids
    ]


def test_a_list_links_each_row_to_its_own_page(client, world):
    """The visits list: every row's first cell links to that visit's page."""
    from shegong.work.models import HomeVisit

    client.force_login(world.actors["social_worker"])
    response = client.get(reverse("work:visit_list"))
    linked = re.findall(r'<td data-label="[^"]*"><a href="([^"]+)">', response.content.decode())
    rows = response.context["rows"]
    assert linked and len(linked) == len(rows)
    assert linked == [reverse("work:visit_detail", args=[obj.pk]) for obj, _url, _cells in rows]
    assert {int(u.rstrip("/").rsplit("/", 1)[1]) for u in linked} <= set(
        HomeVisit.objects.values_list("pk", flat=True)
    )


QUERIES = [
    {"metric": "visit", "node": "430302", "period": "2026-11"},
    {"metric": "training", "node": "43", "period": "2026Q1", "kind": "training", "organiser": 3},
    {"q": "雨湖区 社工站", "region": "430302001", "x": "a&b=c+d%e/f?g#h"},
    {"metric": "visit@elderly", "period": 2026, "flag": True, "share": 0.5},
    {},
]


@pytest.mark.parametrize("query", QUERIES)
def test_a_link_with_a_query_is_what_urlencode_writes_and_reads_back(query):
    """``with_query`` writes what Django's ``urlencode`` writes (Chinese, spaces and the
    characters a query gives meaning to included); ``param`` reads each value back as
    ``parse_qs`` does, asked twice (the second from the per-process cache)."""
    for _twice in range(2):
        url = with_query("/indicators/records/", query)
        assert url == (
            "/indicators/records/?" + urlencode(query) if query else "/indicators/records/"
        )
        parsed = parse_qs(urlsplit(url).query)
        for key, value in query.items():
            assert param(url, key) == str(value) == parsed[key][0]
    assert param("/indicators/records/?metric=visit", "node") == ""
    assert param("/indicators/records/?node=43&metric=visit#top", "metric") == "visit"
    assert param("", "metric") == ""


@pytest.mark.parametrize("value", [None, ["a", "b"], ("a",), b"a"])
def test_a_link_refuses_a_value_it_cannot_write_as_one(value):
    """A missing or repeated value is an error, not a link that reads "None" or "['a']"."""
    with pytest.raises(TypeError):
        with_query("/x/", {"metric": value})
