"""Issue #11, part 5: the evaluator and the agency read station work de-identified.

An evaluator opens a figure and sees the records it is made of, an agency lists the work
of the stations it runs: names masked to the surname, free text left out, no link to the
record (which stays 404), read only, and every such read in the audit log.
"""

import re

import pytest
from django.urls import reverse

from shegong.audit.models import AuditEntry
from shegong.core.crypto import mask_name
from shegong.indicators import rebuild


def _text(response) -> str:
    return response.content.decode()


def test_mask_name_keeps_the_surname_only():
    assert mask_name("张伟华") == "张**"
    assert mask_name("李娜") == "李*"
    assert mask_name("王") == "王*"
    assert mask_name("") == ""


def test_an_evaluator_opens_a_figure_and_reads_its_records_deidentified(client, world):
    rebuild.rebuild_facts()
    evaluator = world.actors["evaluator"]
    own = world.places["own"]
    client.force_login(evaluator)
    board = _text(
        client.get(reverse("indicators:dashboard"), {"node": own.county, "period": "2026"})
    )
    # fact figures are links for the evaluator; people/workers/training are not
    assert re.search(r'href="/indicators/records/\?metric=visit', board)
    assert "metric=people" not in board and "metric=workers" not in board
    page = client.get(
        reverse("indicators:records"), {"metric": "visit", "node": own.county, "period": "2026"}
    )
    body = _text(page)
    assert page.status_code == 200
    assert own.recipient.name not in body  # the surname only
    assert mask_name(own.recipient.name) in body
    assert mask_name(world.places["neighbour"].recipient.name) not in body  # out of scope
    assert f'href="/work/visits/{own.visit.pk}/' not in body  # no link to the record
    entry = AuditEntry.objects.filter(action="shegong.records.viewed_masked", actor=evaluator)
    assert entry.count() == 1
    # the record itself stays closed, and figures that are people are refused
    assert client.get(reverse("work:visit_detail", args=[own.visit.pk])).status_code == 404
    people = client.get(reverse("indicators:records"), {"metric": "people", "node": own.county})
    assert people.status_code == 403


def test_the_deidentified_export_carries_no_name_and_no_free_text(client, world):
    rebuild.rebuild_facts()
    client.force_login(world.actors["agency_admin"])
    own = world.places["own"]
    response = client.get(reverse("work:visit_list"), {"export": "csv"})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert own.recipient.name not in text and own.visit.situation not in text
    assert mask_name(own.recipient.name) in text


@pytest.mark.parametrize(
    "url, own_marker, other_marker",
    [
        ("work:visit_list", lambda p: p.visit.date.isoformat(), None),
        ("work:case_list", lambda p: p.case.number, lambda p: p.case.number),
        ("work:group_list", lambda p: p.group.number, lambda p: p.group.number),
        ("work:activity_list", lambda p: p.activity.title, lambda p: p.activity.title),
    ],
)
def test_an_agency_lists_its_stations_work_masked_and_read_only(
    client, world, url, own_marker, other_marker
):
    agency = world.actors["agency_admin"]
    own, neighbour = world.places["own"], world.places["neighbour"]
    client.force_login(agency)
    page = client.get(reverse(url))
    body = _text(page)
    assert page.status_code == 200
    assert own_marker(own) in body
    if other_marker:
        assert other_marker(neighbour) not in body  # another agency's station
    assert own.recipient.name not in body
    assert 'data-testid="create"' not in body  # read only
    assert not re.search(r'href="/work/(visits|cases|groups|activities)/\d+/', body)
    assert AuditEntry.objects.filter(action="shegong.records.viewed_masked", actor=agency).exists()


def test_an_agency_cannot_open_or_change_a_record(client, world):
    own = world.places["own"]
    client.force_login(world.actors["agency_admin"])
    assert client.get(reverse("work:case_detail", args=[own.case.pk])).status_code == 404
    assert client.get(reverse("work:visit_detail", args=[own.visit.pk])).status_code == 404
    assert client.get(reverse("work:visit_create")).status_code == 403


def test_the_agency_menu_has_the_work_lists(client, world):
    client.force_login(world.actors["agency_admin"])
    body = _text(client.get(reverse("home")))
    for name in ("work:visit_list", "work:case_list", "work:activity_list"):
        assert f'href="{reverse(name)}"' in body
    assert f'href="{reverse("people:list")}"' not in body


def test_station_staff_still_read_records_whole(client, world):
    own = world.places["own"]
    client.force_login(world.actors["station_lead"])
    body = _text(client.get(reverse("work:case_list")))
    assert own.recipient.name in body
    assert f'href="/work/cases/{own.case.pk}/' in body
    assert not AuditEntry.objects.filter(action="shegong.records.viewed_masked").exists()
