"""Nobody approves their own work (finding 3).

A station lead who is also the case worker approved their own plan and closure; the
lead could also raise their own station's star rating and change its tier and
county-general flag. Approval of a lead's own case now goes to the county, and a
station's rating, tier and 总站 flag are the county's alone.
"""

import pytest
from django.urls import reverse

from shegong.stations.models import Station
from shegong.work.models import Case

from .casework import assess_and_plan, intervene_evaluate_close, post_json

_post = post_json


@pytest.fixture
def leads_case(client, world):
    """A case whose worker is the station lead, planned and submitted."""
    lead = world.actors["station_lead"]
    case = world.places["own"].case
    Case.objects.filter(pk=case.pk).update(worker=lead)
    client.force_login(lead)
    assess_and_plan(client, case)
    return case


def test_a_lead_cannot_approve_their_own_plan_or_closure(client, world, leads_case):
    url = f"/api/cases/{leads_case.pk}/steps/approve_plan"
    response = _post(client, url)
    assert response.status_code == 403 and "县" in response.json()["detail"]
    page = client.get(reverse("work:case_detail", args=[leads_case.pk]))
    assert 'data-testid="approve-plan"' not in page.content.decode()
    assert (
        client.post(reverse("work:case_step", args=[leads_case.pk, "approve_plan"])).status_code
        == 403
    )
    assert Case.objects.get(pk=leads_case.pk).stage == "planning"


def test_the_county_approves_a_leads_own_case(client, world, leads_case):
    county = world.actors["county_officer"]
    client.force_login(county)
    waiting = client.get(reverse("work:case_list"), {"awaiting": "me"}).context["page"]
    assert [c.pk for c in waiting.object_list] == [leads_case.pk]
    page = client.get(reverse("work:case_detail", args=[leads_case.pk]))
    assert 'data-testid="approve-plan"' in page.content.decode()
    response = client.post(reverse("work:case_step", args=[leads_case.pk, "approve_plan"]))
    assert response.status_code == 302
    case = Case.objects.get(pk=leads_case.pk)
    assert case.stage == "intervention" and case.plan_approved_by == county
    # the lead carries on with the work, and asks for closure
    client.force_login(world.actors["station_lead"])
    intervene_evaluate_close(client, case)
    assert _post(client, f"/api/cases/{case.pk}/steps/approve_closure").status_code == 403
    client.force_login(county)
    assert _post(client, f"/api/cases/{case.pk}/steps/approve_closure").status_code == 200
    case.refresh_from_db()
    assert case.stage == "closed" and case.closure_approved_by == county
    assert case.worker != case.plan_approved_by and case.worker != case.closure_approved_by


def test_the_county_does_not_approve_a_workers_case_and_others_never(client, world):
    """A worker's case is the lead's to approve; no other role approves any case."""
    case = world.places["own"].case
    client.force_login(world.actors["social_worker"])
    assess_and_plan(client, case)
    for role in ("social_worker", "county_officer", "city_officer", "province_officer"):
        client.force_login(world.actors[role])
        assert _post(client, f"/api/cases/{case.pk}/steps/approve_plan").status_code == 403, role
    client.force_login(world.actors["station_lead"])
    assert _post(client, f"/api/cases/{case.pk}/steps/approve_plan").status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [("tier", "village_room"), ("is_county_general", "")],
)
def test_a_lead_cannot_change_the_stations_rating_tier_or_county_flag(client, world, field, value):
    station = world.places["own"].station
    Station.objects.filter(pk=station.pk).update(star_rating=4, star_rated_on="2026-01-05")
    station.refresh_from_db()
    client.force_login(world.actors["station_lead"])
    url = reverse("stations:edit", args=[station.pk])
    form = client.get(url).context["form"]
    assert form.fields[field].disabled
    data = {
        "name": station.name,
        "tier": station.tier,
        "region": station.region_id,
        "is_county_general": "on" if station.is_county_general else "",
        "agency": station.agency_id,
        "service_version": station.service_version,
        "star_rating": "4",
        "star_rated_on": "2026-01-05",
        "phone": "0731-12345678",
        "address": "新地址",
        "is_active": "on",
        field: value,
    }
    assert client.post(url, data).status_code == 302  # the lead's own fields are saved
    station.refresh_from_db()
    assert (station.star_rating, station.tier, station.is_county_general) == (4, "township", True)
    assert station.address == "新地址"


def test_no_one_types_a_rating_any_more_it_follows_the_star_decisions(client, world):
    """Issue #13: the star field is derived from the decision in force; the station form
    has no such field, and a rating posted to it anyway changes nothing, even the
    county's."""
    from shegong.stations.models import Station

    station = world.places["own"].station
    data = {
        "name": station.name,
        "tier": station.tier,
        "region": station.region_id,
        "is_county_general": "on",
        "agency": station.agency_id,
        "service_version": station.service_version,
        "star_rating": "5",
        "star_rated_on": "2026-01-05",
        "is_active": "on",
    }
    county = world.actors["county_officer"]
    client.force_login(county)
    assert (
        "star_rating"
        not in client.get(reverse("stations:edit", args=[station.pk])).context["form"].fields
    )
    data["version"] = Station.objects.get(pk=station.pk).version
    assert client.post(reverse("stations:edit", args=[station.pk]), data).status_code == 302
    station.refresh_from_db()
    assert station.star_rating is None
