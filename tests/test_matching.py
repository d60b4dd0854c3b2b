"""Issue #15, parts 3-5: a need is matched to a worker or a project with the reasons
shown, turned into a visit, a person or a case with the link kept; overdue requests go up
to the station lead and then the county; residents hear by text message; the figures
(on time, closed, satisfaction, matched, time to match) reach the dashboard and drill
down to the requests."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from shegong.audit.models import AuditEntry
from shegong.inbox.models import Notification
from shegong.inbox.sms import MemoryBackend
from shegong.residents import selectors, services
from shegong.residents.models import Match, ResidentRequest

from .test_residents import _send


@pytest.fixture
def designated(world):
    own = world.places["own"]
    own.worker.worker_profile.designated_villages.set([own.village])
    return own


@pytest.fixture
def need(client, world, designated):
    MemoryBackend.outbox.clear()
    assert _send(client, designated).status_code == 302
    return ResidentRequest.objects.get(kind="need")


def test_the_designated_worker_hears_of_a_new_need_and_the_resident_gets_the_code(need):
    note = Notification.objects.get(event="request.assigned")
    assert note.recipient == need.assignee and need.code in note.subject
    assert note.url == reverse("residents:detail", args=[need.pk])
    assert [phone for phone, _t in MemoryBackend.outbox] == ["13812345678"]
    assert need.code in MemoryBackend.outbox[0][1]


def test_suggestions_rank_the_designated_worker_first_and_say_why(need, designated, world):
    found = selectors.suggestions(item=need, user=need.assignee)
    workers = [s for s in found if s.party == "worker"]
    assert workers[0].target == designated.worker.pk
    assert need.region.name in workers[0].reasons[0]  # "designated worker of <village>"
    # nobody from another county is offered
    neighbour = world.places["neighbour"]
    assert neighbour.worker.pk not in {s.target for s in workers}
    # the open group of the station (elderly, like the need) is offered as a project
    groups = [s for s in found if s.party == "group"]
    assert designated.group.pk in {s.target for s in groups}


def test_a_busier_worker_ranks_lower(need, designated):
    before = {
        s.target: s.score for s in selectors.suggestions(item=need, user=need.assignee, limit=None)
    }
    for n in range(3):
        ResidentRequest.objects.create(
            code=f"LOAD{n:06d}",
            kind="need",
            topic="elderly",
            region_id=need.region_id,
            station=need.station,
            assignee=designated.lead,
            description="需要帮助",
            contact_name="王",
            contact_phone="13800000001",
            phone_last4="0001",
            due_on=timezone.localdate(),
        )
    after = {
        s.target: s.score for s in selectors.suggestions(item=need, user=need.assignee, limit=None)
    }
    assert after[designated.lead.pk] == before[designated.lead.pk] - 9
    assert after[designated.worker.pk] == before[designated.worker.pk]


def test_confirming_a_match_accepts_the_need_and_tells_the_matched_worker(
    client, need, designated, world
):
    lead = designated.lead
    client.force_login(lead)
    page = client.get(reverse("residents:detail", args=[need.pk]))
    assert page.status_code == 200 and page.context["suggestions"]
    worker = world.actors["social_worker"]  # another worker of the station
    MemoryBackend.outbox.clear()
    done = client.post(
        reverse("residents:match", args=[need.pk]),
        {"party": "worker", "target": worker.pk, "note": "擅长老年服务"},
    )
    assert done.status_code == 302
    need.refresh_from_db()
    match = Match.objects.get(request=need)
    assert match.worker == worker and match.confirmed_by == lead and match.reasons
    assert need.assignee == worker and need.status == "accepted" and need.matched_at
    assert Notification.objects.filter(recipient=worker, event="match.confirmed").exists()
    assert MemoryBackend.outbox and need.code in MemoryBackend.outbox[0][1]
    assert AuditEntry.objects.filter(action="shegong.resident_request.matched").exists()
    # the same party twice is refused, and nothing changes
    again = client.post(
        reverse("residents:match", args=[need.pk]), {"party": "worker", "target": worker.pk}
    )
    assert again.status_code == 302 and Match.objects.filter(request=need).count() == 1


@pytest.mark.parametrize("who", ["neighbour worker", "not a suggestion"])
def test_a_match_outside_the_suggestions_is_refused(client, need, designated, world, who):
    client.force_login(designated.lead)
    target = (
        world.places["neighbour"].worker.pk
        if who == "neighbour worker"
        else world.actors["county_officer"].pk
    )
    client.post(reverse("residents:match", args=[need.pk]), {"party": "worker", "target": target})
    need.refresh_from_db()
    assert not Match.objects.exists() and need.status == "submitted" and need.matched_at is None


def test_only_whoever_may_act_on_the_need_matches_it(client, need, world):
    worker = world.actors["social_worker"]  # sees the station's needs, not assigned this one
    client.force_login(worker)
    assert client.get(reverse("residents:detail", args=[need.pk])).context["suggestions"] == []
    response = client.post(
        reverse("residents:match", args=[need.pk]), {"party": "worker", "target": worker.pk}
    )
    assert response.status_code == 403
    assert not Match.objects.exists()


def test_a_group_is_matched_as_a_project_and_its_workers_told(client, need, designated):
    client.force_login(designated.worker)
    client.post(
        reverse("residents:match", args=[need.pk]),
        {"party": "group", "target": designated.group.pk},
    )
    match = Match.objects.get(request=need)
    assert match.group == designated.group and match.worker is None
    told = set(
        Notification.objects.filter(event="match.confirmed").values_list("recipient", flat=True)
    )
    assert told == set(designated.group.workers.values_list("pk", flat=True)) - {
        designated.worker.pk
    }


def test_the_worker_records_a_visit_from_the_need_and_the_link_is_kept(client, need, designated):
    client.force_login(designated.worker)
    url = reverse("residents:visit", args=[need.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["region"] == need.region_id
    data = {
        "idempotency_key": form.idempotency_key,
        "date": timezone.localdate().isoformat(),
        "region": need.region_id,
        "recipient": designated.recipient.pk,
        "workers": [designated.worker.pk],
        "hours": "1.5",
        "situation": "上门了解老人独居情况。",
        "domain": "elderly",
        "service_type": "spirit",
    }
    done = client.post(url, data)
    assert done.status_code == 302, page.context["form"].errors
    need.refresh_from_db()
    assert need.visit is not None and need.visit.recipient == designated.recipient
    assert need.recipient == designated.recipient
    detail = client.get(reverse("residents:detail", args=[need.pk])).content.decode()
    assert reverse("work:visit_detail", args=[need.visit_id]) in detail
    # a visit in another village is refused, and no visit is saved
    before = need.visit_id
    data["region"] = "430302001002"
    page = client.get(url)
    data["idempotency_key"] = page.context["form"].idempotency_key
    client.post(url, data)
    need.refresh_from_db()
    assert need.visit_id == before


def test_the_need_is_linked_to_the_case_opened_for_it(client, need, designated, world):
    client.force_login(designated.worker)
    url = reverse("residents:link", args=[need.pk])
    assert client.post(url, {"case": designated.case.pk}).status_code == 302
    need.refresh_from_db()
    assert need.case == designated.case and need.recipient == designated.case.recipient
    # another county's case is not among the choices: refused, nothing linked
    need.case = None
    need.save(update_fields=["case"])
    client.post(url, {"case": world.places["neighbour"].case.pk})
    need.refresh_from_db()
    assert need.case is None


def test_an_overdue_need_goes_to_the_lead_then_to_the_county(need, designated, world):
    county = world.actors["county_officer"]
    due = need.due_on
    assert services.requests_escalate(today=due) == 0  # not overdue on its due date
    day_after = due + datetime.timedelta(days=1)
    assert services.requests_escalate(today=day_after) == 1
    need.refresh_from_db()
    assert need.escalation == 1
    assert Notification.objects.filter(recipient=designated.lead, event="request.escalated")
    assert Notification.objects.filter(recipient=designated.worker, event="request.overdue")
    assert not Notification.objects.filter(recipient=county).exists()
    assert services.requests_escalate(today=day_after) == 0  # once only
    later = services.add_working_days(day=due, n=services.ESCALATE_TO_COUNTY_AFTER + 1)
    assert services.requests_escalate(today=later) == 1
    need.refresh_from_db()
    assert need.escalation == 2
    assert Notification.objects.filter(recipient=county, event="request.escalated").count() == 1
    assert AuditEntry.objects.filter(action="shegong.resident_request.escalated").count() == 2
    # escalated, the county may now answer it
    from shegong.core.restrict import can

    assert can(county, need, "change")


def test_an_answered_request_is_not_escalated(client, need, designated):
    client.force_login(designated.worker)
    client.post(reverse("residents:answer", args=[need.pk, "respond"]), {"accept": "1"})
    later = need.due_on + datetime.timedelta(days=30)
    assert services.requests_escalate(today=later) == 0


def test_the_dashboard_shows_the_residents_figures_and_they_drill_down(
    client, need, designated, world
):
    from shegong.indicators.periods import parse

    client.force_login(designated.worker)
    client.post(
        reverse("residents:match", args=[need.pk]),
        {"party": "worker", "target": designated.worker.pk},
    )
    client.post(reverse("residents:answer", args=[need.pk, "close"]), {"reply": "已上门服务。"})
    need.refresh_from_db()
    services.request_rate(item=need, score=4)
    assert _send(client, designated, contact_phone="13900000000").status_code == 302
    period = parse(f"{timezone.localdate():%Y-%m}")
    stock = selectors.requests_stock(code="430302", period=period)
    assert stock["total"] == 2 and stock["needs"] == 2 and stock["matched"] == 1
    assert stock["closed"] == 1 and stock["rated"] == 1 and stock["satisfaction"] == 4
    assert stock["answered"] == 1 and stock["on_time"] == 1 and stock["match_seconds"] >= 0
    client.force_login(world.actors["county_officer"])
    page = client.get(reverse("indicators:dashboard") + f"?node=430302&period={period.key}")
    ruled = {v.spec.code: v for v in page.context["board"].ruled}
    assert ruled["need_matched_share"].value == 50
    assert ruled["request_closed_share"].value == 50
    assert ruled["request_satisfaction"].value == 4
    drill = client.get(ruled["need_matched_share"].url)
    assert drill.status_code == 200 and need.code in drill.content.decode()
    rated = client.get(ruled["request_satisfaction"].url).content.decode()
    assert need.code in rated
    assert ResidentRequest.objects.exclude(pk=need.pk).get().code not in rated


def test_the_api_lists_needs_complaints_suggestions_and_matches(client, need, designated, world):
    assert _send(client, designated, kind="complaint", topic="service").status_code == 302
    complaint = ResidentRequest.objects.get(kind="complaint")
    client.force_login(designated.worker)
    assert [r["code"] for r in client.get("/api/needs").json()["items"]] == [need.code]
    assert client.get("/api/complaints").json()["items"] == []
    found = client.get(f"/api/requests/{need.pk}/suggestions").json()
    assert found[0]["target"] == designated.worker.pk and found[0]["reasons"]
    body = json.dumps({"party": "worker", "target": str(designated.worker.pk)})
    done = client.post(f"/api/requests/{need.pk}/match", body, content_type="application/json")
    assert done.status_code == 200 and done.json()["worker_id"] == designated.worker.pk
    again = client.post(f"/api/requests/{need.pk}/match", body, content_type="application/json")
    assert again.status_code == 409
    assert [m["request_id"] for m in client.get("/api/matches").json()["items"]] == [need.pk]
    client.force_login(world.places["neighbour"].worker)
    assert client.get("/api/matches").json()["items"] == []
    assert client.get(f"/api/requests/{need.pk}/suggestions").status_code in (403, 404)
    client.force_login(world.actors["county_officer"])
    assert [r["code"] for r in client.get("/api/complaints").json()["items"]] == [complaint.code]


def test_the_matches_list_is_scoped_filtered_and_exported(client, need, designated, world):
    client.force_login(designated.worker)
    client.post(
        reverse("residents:match", args=[need.pk]),
        {"party": "worker", "target": designated.worker.pk},
    )
    page = client.get(reverse("residents:matches"))
    assert page.status_code == 200 and need.code in page.content.decode()
    assert (
        need.code
        not in client.get(reverse("residents:matches"), {"party": "group"}).content.decode()
    )
    export = client.get(reverse("residents:matches"), {"export": "xlsx"})
    assert export.status_code == 200
    client.force_login(world.places["neighbour"].lead)
    assert need.code not in client.get(reverse("residents:matches")).content.decode()


def test_the_resources_and_projects_lists_are_the_users_area(client, world, designated):
    neighbour = world.places["neighbour"]
    client.force_login(designated.worker)
    page = client.get(reverse("residents:resources"))
    names = {row[0].pk for row in page.context["rows"]}
    assert {designated.worker.pk, designated.lead.pk} <= names
    assert neighbour.worker.pk not in names
    projects = client.get(reverse("residents:projects"))
    assert [row[0].pk for row in projects.context["rows"]] == [designated.group.pk]
    assert client.get(reverse("residents:projects"), {"domain": "children"}).context["rows"] == []
    for name in ("residents:resources", "residents:projects"):
        assert client.get(reverse(name), {"export": "xlsx"}).status_code == 200
    client.force_login(world.actors["city_officer"])
    names = {row[0].pk for row in client.get(reverse("residents:resources")).context["rows"]}
    assert {designated.worker.pk, neighbour.worker.pk} <= names
    client.force_login(world.actors["agency_admin"])
    assert client.get(reverse("residents:resources")).context["rows"] == []


def test_personal_data_is_deleted_three_years_after_closing(
    client, need, designated, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shegong.residents.models import RequestPhoto

    from .factories import PNG

    assert (
        _send(
            client,
            designated,
            contact_phone="13900000000",
            photos=[SimpleUploadedFile("p.png", PNG, content_type="image/png")],
        ).status_code
        == 302
    )
    old = ResidentRequest.objects.exclude(pk=need.pk).get()
    storage, name = old.photos.get().image.storage, old.photos.get().image.name
    closed = timezone.now() - datetime.timedelta(days=3 * 365 + 2)
    ResidentRequest.objects.filter(pk=old.pk).update(
        status="closed", closed_at=closed, satisfaction=4, reply="已办结"
    )
    # a request closed recently, and an open one, are kept whole
    ResidentRequest.objects.filter(pk=need.pk).update(
        status="closed", closed_at=timezone.now() - datetime.timedelta(days=700)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requests_purge() == 1
    assert not storage.exists(name)  # the photo's file is gone too
    assert services.requests_purge() == 0  # once
    old.refresh_from_db()
    need.refresh_from_db()
    assert old.contact_phone == "" and old.contact_name == "" and old.phone_last4 == ""
    assert "接" not in old.description and old.reply == "" and old.purged_at
    assert old.satisfaction == 4 and old.kind == "need" and old.region_id == need.region_id
    assert not RequestPhoto.objects.filter(request=old).exists()
    assert need.contact_phone == "13812345678" and need.purged_at is None
    assert AuditEntry.objects.filter(action="shegong.resident_request.purged").count() == 1
    # the tracking page no longer finds it by the old phone's last digits
    assert services.request_found(code=old.code, last4="0000") is None


def test_volunteers_and_organisations_are_suggested_and_matched(client, need, designated, world):
    from shegong.community import services as community
    from shegong.inbox.sms import MemoryBackend

    worker = designated.worker
    near = community.volunteer_record(
        by=worker,
        data=community.VolunteerInput(
            name="刘志愿",
            phone="13700001111",
            region=need.region_id,
            political_status="masses",
            consent=True,
            skills="理发、陪伴老人",
        ),
    )
    org = community.organisation_record(
        by=worker,
        data=community.OrganisationInput(
            name="银龄互助会",
            kind="mutual_aid",
            stage="incubating",
            region=need.region_id,
            leader="周阿姨",
            contact_phone="13900002222",
            services="助餐、探访独居老人",
        ),
    )
    found = {
        (s.party, s.target): s
        for s in selectors.suggestions(item=need, user=need.assignee, limit=None)
    }
    assert ("volunteer", near.pk) in found and ("organisation", org.pk) in found
    assert any("理发" in r for r in found[("volunteer", near.pk)].reasons)
    # volunteers and organisations come through the reader's own restriction
    stranger = world.places["neighbour"].worker
    seen = {(s.party, s.target) for s in selectors.suggestions(item=need, user=stranger)}
    assert ("volunteer", near.pk) not in seen and ("organisation", org.pk) not in seen
    MemoryBackend.outbox.clear()
    client.force_login(worker)
    client.post(
        reverse("residents:match", args=[need.pk]), {"party": "volunteer", "target": near.pk}
    )
    match = Match.objects.get(request=need)
    assert match.volunteer == near and match.party_label.endswith("刘志愿")
    assert "13700001111" in [phone for phone, _t in MemoryBackend.outbox]
    need.refresh_from_db()
    assert need.assignee == designated.worker  # a volunteer helps; the worker keeps the need
    # the volunteer is signed up to a service event for the need, where hours are confirmed
    assert match.event is not None and need.code in match.event.title
    assert list(match.event.services.values_list("volunteer_id", flat=True)) == [near.pk]
