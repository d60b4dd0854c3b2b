"""Links built once and reused (core.links): each equals what ``reverse`` gives, under the
script prefix of the request (a deployment under a sub-path)."""

import re
from types import SimpleNamespace

import pytest
from django.urls import reverse, set_script_prefix

from shegong.core.links import id_url, row_url, url_of


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
    assert url_of("work:visit_list") == reverse("work:visit_list")
    assert reverse("work:visit_list").startswith(script)


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
