"""Issue #16, part 1: volunteers (registry, teams, sign-up, QR sign-in, hours the worker
confirms, the certificate, and the national record's export), scoped like people."""

import datetime
import json

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from shegong.audit.models import AuditEntry
from shegong.community import services
from shegong.community.models import Service, ServiceEvent, Volunteer, VolunteerTeam

from .factories import make_id_number

COMMUNITY_URLS = {
    "community:volunteer_list",
    "community:volunteer_create",
    "community:volunteer_detail",
    "community:volunteer_edit",
    "community:certificate",
    "community:redeem",
    "community:team_list",
    "community:team_create",
    "community:team_edit",
    "community:event_list",
    "community:event_create",
    "community:event_detail",
    "community:event_edit",
    "community:event_step",
    "community:sign",
    "community:records",
    "api:volunteer_list",
    "api:volunteer_get",
    "api:volunteer_create",
    "api:team_list",
    "api:event_list",
    "api:hours_list",
    "api:event_confirm",
    "community:organisation_list",
    "community:organisation_create",
    "community:organisation_edit",
    "api:organisation_list",
    "api:organisation_create",
}
TODAY = timezone.localdate()


def _volunteer(by, name="刘志愿", phone="13700001111", status="party", **extra):
    data = services.VolunteerInput(
        name=name,
        phone=phone,
        region=extra.pop("region", "430302001001"),
        political_status=status,
        consent=extra.pop("consent", True),
        **extra,
    )
    return services.volunteer_record(by=by, data=data)


@pytest.fixture
def worker(world):
    return world.actors["social_worker"]


def test_a_worker_registers_a_volunteer_with_a_number_and_a_protected_phone(client, world, worker):
    client.force_login(worker)
    page = client.get(reverse("community:volunteer_create"))
    form = page.context["form"]
    data = {
        "idempotency_key": form.idempotency_key,
        "name": "刘志愿",
        "id_number": make_id_number("430302", "19800101", 321),
        "phone": "137 0000 1111",
        "region": "430302001001",
        "political_status": "party",
        "skills": "理发、陪伴",
        "consent": "on",
        "is_active": "on",
    }
    done = client.post(reverse("community:volunteer_create"), data)
    assert done.status_code == 302
    v = Volunteer.objects.get()
    assert v.number == "ZY43030200001" and v.phone == "13700001111"
    assert v.station == worker.station and v.consent_date == TODAY
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, id_number FROM community_volunteer")
        phone, id_number = cursor.fetchone()
    assert "13700001111" not in phone and "19800101" not in id_number
    entry = AuditEntry.objects.get(action="shegong.volunteer.created")
    assert "13700001111" not in json.dumps(entry.data, ensure_ascii=False)
    # an officer reads it masked, and the read is audited
    client.force_login(world.actors["county_officer"])
    page = client.get(reverse("community:volunteer_detail", args=[v.pk])).content.decode()
    assert "13700001111" not in page and "1111" in page
    assert AuditEntry.objects.filter(action="shegong.volunteer.viewed").exists()
    # another county sees nothing of it
    client.force_login(world.places["neighbour"].worker)
    assert client.get(reverse("community:volunteer_detail", args=[v.pk])).status_code == 404
    assert v.number not in client.get(reverse("community:volunteer_list")).content.decode()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"consent": False}, "consent"),
        ({"phone": "12345"}, "phone"),
        ({"region": "430304001001"}, "region"),  # a village of another county
        ({"id_number": "430302198001011239"}, "id_number"),  # a wrong check digit
    ],
)
def test_a_bad_volunteer_says_why_and_saves_nothing(worker, change, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        _volunteer(worker, **change)
    assert field in refused.value.message_dict
    assert not Volunteer.objects.exists()


def test_an_id_number_is_registered_once(worker):
    from django.core.exceptions import ValidationError

    number = make_id_number("430302", "19800101", 321)
    first = _volunteer(worker, id_number=number)
    with pytest.raises(ValidationError) as refused:
        _volunteer(worker, name="另一人", phone="13700002222", id_number=number)
    assert first.number in refused.value.message_dict["id_number"][0]
    assert Volunteer.objects.count() == 1


def test_a_party_team_takes_party_members_and_its_leader_is_a_member(worker):
    from django.core.exceptions import ValidationError

    party = _volunteer(worker)
    masses = _volunteer(worker, name="王群众", phone="13700002222", status="masses")
    with pytest.raises(ValidationError) as refused:
        services.team_record(
            by=worker,
            data=services.TeamInput(
                name="党员志愿服务队", kind="party", members=(party.pk, masses.pk)
            ),
        )
    assert "王群众" in refused.value.message_dict["members"][0]
    with pytest.raises(ValidationError):
        services.team_record(
            by=worker,
            data=services.TeamInput(
                name="党员志愿服务队", kind="party", members=(party.pk,), leader=masses.pk
            ),
        )
    team = services.team_record(
        by=worker,
        data=services.TeamInput(
            name="党员志愿服务队", kind="party", members=(party.pk,), leader=party.pk
        ),
    )
    assert list(team.members.all()) == [party] and team.leader == party
    assert VolunteerTeam.objects.count() == 1


@pytest.fixture
def event(worker):
    a = _volunteer(worker)
    b = _volunteer(worker, name="王群众", phone="13700002222", status="masses")
    return services.event_record(
        by=worker,
        data=services.EventInput(
            title="助老理发",
            content="为独居老人上门理发",
            date=TODAY,
            region="430302001001",
            volunteers=(a.pk, b.pk),
        ),
    )


def test_volunteers_sign_in_and_out_by_qr_and_the_worker_confirms_hours(client, worker, event):
    a, b = (s.volunteer for s in event.services.order_by("volunteer__number"))
    url = reverse("community:sign", args=[event.pk, event.sign_key])
    assert client.get(reverse("community:sign", args=[event.pk, "wrong"])).status_code == 404
    wrong = client.post(url, {"number": a.number, "last4": "0000"})
    assert wrong.status_code == 400 and not Service.objects.filter(status="present").exists()
    assert client.post(url, {"number": a.number, "last4": "1111"}).status_code == 200
    row = Service.objects.get(volunteer=a)
    assert row.status == "present" and row.signed_in_at and not row.signed_out_at
    assert client.post(url, {"number": a.number.lower(), "last4": "1111"}).status_code == 200
    row.refresh_from_db()
    assert row.signed_out_at is not None
    # b did not come; hours for b are refused, for a confirmed
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.hours_confirm(
            by=worker, event=event, data=services.ConfirmInput(volunteers=(b.pk,), hours=2)
        )
    client.force_login(worker)
    done = client.post(
        reverse("community:event_step", args=[event.pk, "confirm"]),
        {"volunteers": [a.pk], "hours": "2.5"},
    )
    assert done.status_code == 302
    row.refresh_from_db()
    assert row.status == "confirmed" and row.hours == 2.5 and row.confirmed_by == worker
    cert = client.get(reverse("community:certificate", args=[a.pk]))
    assert cert.context["c"].hours == 2.5 and "助老理发" in cert.content.decode()
    # a later scan changes nothing confirmed
    client.post(url, {"number": a.number, "last4": "1111"})
    row.refresh_from_db()
    assert row.status == "confirmed"


def test_signing_in_is_open_on_the_day_only(client, worker, event):
    ServiceEvent.objects.filter(pk=event.pk).update(date=TODAY - datetime.timedelta(days=1))
    v = event.services.first().volunteer
    url = reverse("community:sign", args=[event.pk, event.sign_key])
    response = client.post(url, {"number": v.number, "last4": v.phone_last4})
    assert response.status_code == 400
    assert not Service.objects.filter(status="present").exists()


def test_the_worker_ticks_attendance_by_hand(client, worker, event):
    a, b = (s.volunteer for s in event.services.order_by("volunteer__number"))
    client.force_login(worker)
    client.post(reverse("community:event_step", args=[event.pk, "attendance"]), {"present": [b.pk]})
    status = dict(event.services.values_list("volunteer_id", "status"))
    assert status == {a.pk: "absent", b.pk: "present"}


def test_hours_are_not_confirmed_before_the_day(worker, event):
    from django.core.exceptions import ValidationError

    ServiceEvent.objects.filter(pk=event.pk).update(date=TODAY + datetime.timedelta(days=3))
    event.refresh_from_db()
    v = event.services.first().volunteer
    Service.objects.filter(volunteer=v).update(status="present")
    with pytest.raises(ValidationError):
        services.hours_confirm(
            by=worker, event=event, data=services.ConfirmInput(volunteers=(v.pk,), hours=2)
        )


def test_the_national_record_exports_as_excel_and_json_scoped(client, world, worker, event):
    v = event.services.order_by("volunteer__number").first().volunteer
    Service.objects.filter(volunteer=v).update(status="present")
    services.hours_confirm(
        by=worker, event=event, data=services.ConfirmInput(volunteers=(v.pk,), hours=3)
    )
    client.force_login(worker)
    page = client.get(reverse("community:records"))
    assert page.status_code == 200 and v.number in page.content.decode()
    assert client.get(reverse("community:records"), {"export": "xlsx"}).status_code == 200
    body = client.get(reverse("community:records"), {"export": "json"}).json()
    record = body["records"][0]
    assert record["volunteer_number"] == v.number and record["service_hours"] == "3.00"
    assert set(record) >= {"name", "service_date", "service_place", "organiser", "verifier"}
    client.force_login(world.places["neighbour"].worker)
    assert client.get(reverse("community:records"), {"export": "json"}).json()["records"] == []


def test_the_api_lists_creates_and_confirms_as_the_pages_do(client, world, worker, event):
    client.force_login(worker)
    items = client.get("/api/volunteers").json()["items"]
    assert {i["number"] for i in items} == set(Volunteer.objects.values_list("number", flat=True))
    assert all("1111" not in i["phone_masked"][:7] for i in items)
    created = client.post(
        "/api/volunteers",
        json.dumps(
            {
                "name": "赵新",
                "phone": "13700003333",
                "region": "430302001001",
                "political_status": "league",
                "consent": True,
                "is_active": True,
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    v = event.services.order_by("volunteer__number").first().volunteer
    Service.objects.filter(volunteer=v).update(status="present")
    url = f"/api/volunteer-events/{event.pk}/confirm"
    body = json.dumps({"volunteers": [v.pk], "hours": "2.5"})
    done = client.post(url, body, content_type="application/json")
    assert done.status_code == 200 and done.json() == {"confirmed": 1}
    hours = client.get("/api/volunteer-hours").json()["items"]
    assert [h["volunteer_number"] for h in hours] == [v.number]
    assert client.get("/api/volunteer-teams").status_code == 200
    assert client.get("/api/volunteer-events").json()["items"][0]["signed"] == 2
    client.force_login(world.actors["county_officer"])
    refused = client.post("/api/volunteers", "{}", content_type="application/json")
    assert refused.status_code == 403
    client.force_login(world.places["neighbour"].worker)
    assert client.get("/api/volunteer-hours").json()["items"] == []
    assert client.post(url, body, content_type="application/json").status_code in (403, 404)


@pytest.mark.parametrize(
    "role, sees",
    [
        ("social_worker", True),
        ("station_lead", True),
        ("county_officer", True),
        ("city_officer", True),
        ("agency_admin", False),
        ("evaluator", False),
        ("system_admin", False),
        ("audit_admin", False),
    ],
)
def test_who_sees_volunteers(client, world, worker, role, sees):
    v = _volunteer(worker)
    client.force_login(world.actors[role])
    page = client.get(reverse("community:volunteer_list"))
    assert (page.status_code == 200 and v.number in page.content.decode()) == sees
    may_add = role in ("social_worker", "station_lead")
    assert (client.get(reverse("community:volunteer_create")).status_code == 200) == may_add


def test_confirmed_hours_reach_the_dashboard_and_drill_down(client, world, worker, event):
    v = event.services.order_by("volunteer__number").first().volunteer
    Service.objects.filter(volunteer=v).update(status="present")
    services.hours_confirm(
        by=worker, event=event, data=services.ConfirmInput(volunteers=(v.pk,), hours=2.5)
    )
    client.force_login(world.actors["county_officer"])
    page = client.get(reverse("indicators:dashboard") + f"?node=430302&period={TODAY:%Y-%m}")
    values = {x.spec.code: x for x in page.context["board"].service}
    assert values["volunteers"].value == 1 and values["volunteer_hours"].value == 2.5
    drill = client.get(values["volunteer_hours"].url)
    assert drill.status_code == 200
    assert reverse("community:event_detail", args=[event.pk]) in drill.content.decode()
    # confirming again with other hours moves the figure, not adds to it
    services.hours_confirm(
        by=worker, event=event, data=services.ConfirmInput(volunteers=(v.pk,), hours=3)
    )
    page = client.get(reverse("indicators:dashboard") + f"?node=430302&period={TODAY:%Y-%m}")
    values = {x.spec.code: x for x in page.context["board"].service}
    assert values["volunteers"].value == 1 and values["volunteer_hours"].value == 3


def test_the_party_team_per_station_is_judged_against_hunans_rule(client, world, worker):
    client.force_login(world.actors["county_officer"])
    url = reverse("indicators:dashboard") + f"?node=430302&period={TODAY:%Y-%m}"

    def reading():
        ruled = {x.spec.code: x for x in client.get(url).context["board"].ruled}
        return ruled["party_team_share"]

    before = reading()
    assert before.value == 0 and before.target == 100 and before.status == "missed"
    party = _volunteer(worker)
    services.team_record(
        by=worker,
        data=services.TeamInput(name="党员志愿服务队", kind="party", members=(party.pk,)),
    )
    after = reading()
    assert after.value > 0
    assert "党员志愿服务队" in client.get(after.url).content.decode()


# ----- community organisations (part 2) --------------------------------------------------


def _organisation(by, **extra):
    data = {
        "name": "银龄互助会",
        "kind": "mutual_aid",
        "stage": "incubating",
        "region": "430302001001",
        "leader": "周阿姨",
        "members": 18,
        "contact_phone": "13900002222",
        "services": "助餐、陪伴",
    } | extra
    return services.organisation_record(by=by, data=services.OrganisationInput(**data))


@pytest.mark.parametrize(
    "change, field",
    [
        ({"stage": "filed"}, "filed_on"),  # filed, but when?
        ({"stage": "filed", "filed_on": TODAY + datetime.timedelta(days=2)}, "filed_on"),
        (
            {
                "stage": "registered",
                "founded_on": TODAY,
                "filed_on": TODAY - datetime.timedelta(days=9),
            },
            "filed_on",
        ),
        ({"contact_phone": "123"}, "contact_phone"),
        ({"region": "430304001001"}, "region"),
    ],
)
def test_a_bad_organisation_says_why_and_saves_nothing(worker, change, field):
    from django.core.exceptions import ValidationError

    from shegong.community.models import Organisation

    with pytest.raises(ValidationError) as refused:
        _organisation(worker, **change)
    assert field in refused.value.message_dict
    assert not Organisation.objects.exists()


def test_organisations_are_counted_and_drill_down(client, world, worker):
    _organisation(worker)
    _organisation(worker, name="广场舞队", kind="interest", stage="filed", filed_on=TODAY)
    client.force_login(world.actors["county_officer"])
    page = client.get(reverse("indicators:dashboard") + f"?node=430302&period={TODAY:%Y-%m}")
    ruled = {x.spec.code: x for x in page.context["board"].ruled}
    assert ruled["organisations_incubating"].value == 1
    assert ruled["organisations_filed"].value == 1
    filed = client.get(ruled["organisations_filed"].url).content.decode()
    assert "广场舞队" in filed and "银龄互助会" not in filed
    listed = client.get(reverse("community:organisation_list")).content.decode()
    assert "银龄互助会" in listed and "13900002222" not in listed
    client.force_login(world.places["neighbour"].worker)
    assert "银龄互助会" not in client.get(reverse("community:organisation_list")).content.decode()


def test_the_organisation_pages_and_api(client, world, worker):
    client.force_login(worker)
    page = client.get(reverse("community:organisation_create"))
    form = page.context["form"]
    done = client.post(
        reverse("community:organisation_create"),
        {
            "idempotency_key": form.idempotency_key,
            "name": "邻里守望队",
            "kind": "service",
            "stage": "incubating",
            "region": "430302001001",
            "members": "12",
            "leader": "张队长",
        },
    )
    assert done.status_code == 302
    items = client.get("/api/organisations").json()["items"]
    assert [i["name"] for i in items] == ["邻里守望队"]
    created = client.post(
        "/api/organisations",
        json.dumps(
            {
                "name": "书法协会",
                "kind": "interest",
                "stage": "incubating",
                "region": "430302001001",
                "members": 9,
                "leader": "李老师",
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    client.force_login(world.actors["county_officer"])
    assert (
        client.post("/api/organisations", "{}", content_type="application/json").status_code == 403
    )


def test_the_time_bank_earns_at_the_rule_sets_rate_and_redeems_within_the_balance(
    client, world, worker, event
):
    from shegong.community.models import PointEntry
    from shegong.indicators.compute import rule_set_for

    rules = rule_set_for("430302001001", TODAY.year)
    rules.volunteer_points_per_hour = 10
    rules.save()
    v = event.services.order_by("volunteer__number").first().volunteer
    Service.objects.filter(volunteer=v).update(status="present")
    confirm = services.ConfirmInput(volunteers=(v.pk,), hours=2.5)
    services.hours_confirm(by=worker, event=event, data=confirm)
    assert services.points_balance(volunteer=v) == 25
    services.hours_confirm(
        by=worker, event=event, data=services.ConfirmInput(volunteers=(v.pk,), hours=3)
    )
    assert services.points_balance(volunteer=v) == 30  # corrected, not added
    client.force_login(worker)
    url = reverse("community:redeem", args=[v.pk])
    client.post(url, {"points": "40", "note": "兑换理发服务"})
    assert services.points_balance(volunteer=v) == 30  # refused: only 30 left
    client.post(url, {"points": "20", "note": "兑换理发服务"})
    assert services.points_balance(volunteer=v) == 10
    assert PointEntry.objects.filter(kind="redeemed").get().points == -20
    assert AuditEntry.objects.filter(action="shegong.volunteer.points_redeemed").count() == 1
    page = client.get(reverse("community:volunteer_detail", args=[v.pk])).content.decode()
    assert 'data-testid="points-balance">10' in page
    # another station's staff may not write its points off
    client.force_login(world.places["neighbour"].worker)
    assert client.post(url, {"points": "5", "note": "x"}).status_code == 404
    assert services.points_balance(volunteer=v) == 10


def test_no_points_without_a_rate(worker, event):
    v = event.services.order_by("volunteer__number").first().volunteer
    Service.objects.filter(volunteer=v).update(status="present")
    services.hours_confirm(
        by=worker, event=event, data=services.ConfirmInput(volunteers=(v.pk,), hours=2)
    )
    assert services.points_balance(volunteer=v) == 0
