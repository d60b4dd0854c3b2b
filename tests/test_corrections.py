"""Issue #14, part 3: corrections and voids (作废).

Visits, activities, group sessions, administrative work and training records are corrected
by whoever recorded them and by the station lead, until their month is accepted; they are
voided with a reason, never deleted: a voided record leaves the figures, stays visible,
marked, and both are audited. The API does the same, with ``If-Match`` naming the version
read: a stale one answers 409 with the record as it is now.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from shegong.audit.models import AuditEntry
from shegong.indicators.corrections import VoidInput
from shegong.indicators.models import Aggregate, MonthApproval, ServiceFact
from shegong.work import services
from shegong.work.models import AdminWork, GroupSession, HomeVisit
from shegong.workforce.models import TrainingRecord
from shegong.workforce.services import TrainingInput, training_record, training_void

TODAY = timezone.localdate()
LAST_MONTH = (TODAY.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _visit(world, *, by=None, hours="1", day=TODAY):
    own = world.places["own"]
    by = by or own.worker
    return services.visit_record(
        by=by,
        data=services.VisitInput(
            date=day,
            region=own.village,
            workers=(by.pk,),
            hours=Decimal(hours),
            situation="入户了解情况",
            recipient=own.recipient.pk,
        ),
    )


def _hours(world, day=TODAY) -> Decimal:
    """The township's hours in the record's month, as the dashboard reads them."""
    row = Aggregate.objects.filter(
        node=world.places["own"].township, period=f"{day:%Y-%m}", metric="hours"
    ).first()
    return Decimal(row.value) if row else Decimal(0)


def _form(visit, **changes):
    own_village = visit.region_id
    data = {
        "date": visit.date.isoformat(),
        "region": own_village,
        "recipient": visit.recipient_id,
        "workers": [w.pk for w in visit.workers.all()],
        "hours": str(visit.hours),
        "situation": visit.situation,
        "version": visit.version,
    }
    return data | changes


def _accept(world, month):
    MonthApproval.objects.update_or_create(
        station=world.places["own"].station,
        month=month,
        defaults={
            "status": MonthApproval.Status.ACCEPTED,
            "region_id": world.places["own"].township,
        },
    )


def test_the_author_corrects_a_visit_and_the_figures_and_audit_follow(client, world):
    own = world.places["own"]
    visit = _visit(world, hours="1")
    assert _hours(world) == Decimal(1)
    client.force_login(own.worker)
    page = client.get(reverse("work:visit_detail", args=[visit.pk])).content.decode()
    assert reverse("work:visit_edit", args=[visit.pk]) in page
    done = client.post(reverse("work:visit_edit", args=[visit.pk]), _form(visit, hours="2.5"))
    assert done.status_code == 302
    visit.refresh_from_db()
    assert visit.hours == Decimal("2.5") and visit.version == 2
    assert _hours(world) == Decimal("2.5")  # the facts were replaced, not added
    entry = AuditEntry.objects.filter(action="shegong.visit.changed").get()
    assert entry.actor == own.worker and entry.data["hours"] == "1 → 2.5"
    # the same form sent again (its version is now stale) saves nothing
    stale = _form(visit, hours="3") | {"version": 1}
    again = client.post(reverse("work:visit_edit", args=[visit.pk]), stale)
    assert again.status_code == 409
    visit.refresh_from_db()
    assert visit.hours == Decimal("2.5")


def test_only_the_author_and_the_lead_correct_or_void(client, world):
    own = world.places["own"]
    visit = _visit(world)
    other_worker = world.actors["social_worker"]  # same station, not the author
    for url in ("work:visit_edit", "work:visit_void"):
        client.force_login(other_worker)
        assert client.get(reverse(url, args=[visit.pk])).status_code == 403
        client.force_login(world.actors["county_officer"])
        assert client.get(reverse(url, args=[visit.pk])).status_code == 403
        client.force_login(world.places["neighbour"].worker)
        assert client.get(reverse(url, args=[visit.pk])).status_code == 404
        client.force_login(world.actors["station_lead"])
        assert client.get(reverse(url, args=[visit.pk])).status_code == 200
    with pytest.raises(PermissionDenied):
        services.record_void(by=other_worker, instance=visit, data=VoidInput("重复登记"))
    client.force_login(other_worker)
    page = client.get(reverse("work:visit_detail", args=[visit.pk])).content.decode()
    assert reverse("work:visit_edit", args=[visit.pk]) not in page
    # the lead corrects someone else's visit; the author stays the author
    client.force_login(world.actors["station_lead"])
    client.post(reverse("work:visit_edit", args=[visit.pk]), _form(visit, situation="补充情况"))
    visit.refresh_from_db()
    assert visit.situation == "补充情况" and visit.created_by == own.worker


def test_a_void_keeps_the_row_removes_its_facts_and_is_audited(client, world):
    own = world.places["own"]
    visit = _visit(world, hours="2")
    assert ServiceFact.objects.filter(source_type="visit", source_id=visit.pk).exists()
    client.force_login(own.worker)
    url = reverse("work:visit_void", args=[visit.pk])
    refused = client.post(url, {"reason": "  ", "version": visit.version})
    assert refused.status_code == 200 and "作废原因" in refused.content.decode()
    assert client.post(url, {"reason": "重复登记", "version": visit.version}).status_code == 302
    visit.refresh_from_db()
    assert visit.voided_at and visit.voided_by == own.worker and visit.void_reason == "重复登记"
    assert not ServiceFact.objects.filter(source_type="visit", source_id=visit.pk).exists()
    assert _hours(world) == 0
    entry = AuditEntry.objects.filter(action="shegong.visit.voided").get()
    assert entry.data["reason"] == "重复登记" and entry.actor == own.worker
    # still visible, marked, in the list and on its page; filtered by status
    listing = client.get(reverse("work:visit_list")).content.decode()
    assert "已作废" in listing
    valid_only = client.get(reverse("work:visit_list") + "?status=valid").content.decode()
    assert "重复登记" not in valid_only
    page = client.get(reverse("work:visit_detail", args=[visit.pk])).content.decode()
    assert 'data-testid="voided"' in page and "重复登记" in page
    # a voided record is neither corrected nor voided again
    with pytest.raises(ValidationError):
        services.record_void(by=own.worker, instance=visit, data=VoidInput("再次"))
    again = client.post(reverse("work:visit_edit", args=[visit.pk]), _form(visit, hours="1"))
    assert again.status_code == 200 and "已作废的记录不能更正" in again.content.decode()
    # the person's timeline no longer lists it
    person = client.get(reverse("people:detail", args=[own.recipient.pk])).content.decode()
    assert reverse("work:visit_detail", args=[visit.pk]) not in person


def test_a_locked_month_refuses_corrections_and_voids_on_pages_and_api(client, world):
    own = world.places["own"]
    visit = _visit(world, day=TODAY)
    old = _visit(world, day=LAST_MONTH + datetime.timedelta(days=2))
    _accept(world, LAST_MONTH)
    client.force_login(own.worker)
    # a record of the locked month
    page = client.post(reverse("work:visit_edit", args=[old.pk]), _form(old, hours="2"))
    assert page.status_code == 200 and "锁定" in page.content.decode()
    page = client.post(reverse("work:visit_void", args=[old.pk]), {"reason": "错误"})
    assert page.status_code == 200 and "锁定" in page.content.decode()
    detail = client.get(reverse("work:visit_detail", args=[old.pk])).content.decode()
    assert reverse("work:visit_void", args=[old.pk]) not in detail
    # moving an open month's record into the locked month
    moved = client.post(
        reverse("work:visit_edit", args=[visit.pk]),
        _form(visit, date=(LAST_MONTH + datetime.timedelta(days=3)).isoformat()),
    )
    assert moved.status_code == 200 and "锁定" in moved.content.decode()
    # the API
    body = {k: v for k, v in _form(old, hours="2").items() if k != "version"}
    api = client.put(
        f"/api/visits/{old.pk}",
        json.dumps(body),
        content_type="application/json",
        headers={"If-Match": str(old.version)},
    )
    assert api.status_code == 422 and "date" in api.json()["errors"]
    api = client.post(
        f"/api/visits/{old.pk}/void",
        json.dumps({"reason": "错误"}),
        content_type="application/json",
        headers={"If-Match": str(old.version)},
    )
    assert api.status_code == 422
    old.refresh_from_db()
    assert old.hours == Decimal(1) and old.voided_at is None


def test_api_updates_need_the_version_and_a_stale_one_gets_the_current_record(client, world):
    own = world.places["own"]
    visit = _visit(world)
    body = {k: v for k, v in _form(visit, hours="2").items() if k != "version"}
    client.force_login(own.worker)
    got = client.get(f"/api/visits/{visit.pk}").json()
    assert got["version"] == 1 and got["voided_at"] is None
    url = f"/api/visits/{visit.pk}"
    missing = client.put(url, json.dumps(body), content_type="application/json")
    assert missing.status_code == 428
    # the lead corrects it meanwhile
    lead = world.actors["station_lead"]
    lead_client = client.__class__()
    lead_client.force_login(lead)
    assert (
        lead_client.post(
            reverse("work:visit_edit", args=[visit.pk]), _form(visit, situation="组长更正")
        ).status_code
        == 302
    )
    stale = client.put(
        url, json.dumps(body), content_type="application/json", headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 409
    answer = stale.json()
    assert answer["current"]["situation"] == "组长更正" and answer["current"]["version"] == 2
    visit.refresh_from_db()
    assert visit.hours == Decimal(1)  # nothing overwritten
    ok = client.put(
        url, json.dumps(body), content_type="application/json", headers={"If-Match": '"2"'}
    )
    assert ok.status_code == 200 and ok.json()["version"] == 3
    visit.refresh_from_db()
    assert visit.hours == Decimal(2)
    # retried with the same Idempotency-Key: answered once, saved once
    key = {"If-Match": "3", "Idempotency-Key": "void-visit-1"}
    first = client.post(
        f"{url}/void", json.dumps({"reason": "重复"}), content_type="application/json", headers=key
    )
    again = client.post(
        f"{url}/void", json.dumps({"reason": "重复"}), content_type="application/json", headers=key
    )
    assert first.status_code == 200 and again.status_code == 200 and again.json()["replayed"]
    assert AuditEntry.objects.filter(action="shegong.visit.voided").count() == 1
    # another worker of the station may not
    client.force_login(world.actors["social_worker"])
    refused = client.put(
        url, json.dumps(body), content_type="application/json", headers={"If-Match": "4"}
    )
    assert refused.status_code == 403


def test_activities_admin_work_sessions_and_training_are_corrected_and_voided(client, world):
    own = world.places["own"]
    worker, lead = own.worker, world.actors["station_lead"]
    activity = services.activity_record(
        by=worker,
        data=services.ActivityInput(
            title="重阳节活动",
            domain="elderly",
            service_type="care",
            date=TODAY,
            region=own.village,
            workers=(worker.pk,),
            hours=Decimal(2),
            participants_count=20,
        ),
    )
    corrected = services.activity_record(
        by=lead,
        instance=activity,
        data=services.ActivityInput(
            title="重阳节敬老活动",
            domain="elderly",
            service_type="care",
            date=TODAY,
            region=own.village,
            workers=(worker.pk,),
            hours=Decimal(3),
            participants_count=25,
        ),
    )
    counted = Aggregate.objects.get(
        node=own.township, period=f"{TODAY:%Y-%m}", metric="person_times"
    )
    assert Decimal(counted.value) >= 25  # the correction's count, not 20 + 25
    before = Decimal(counted.value)
    services.record_void(by=lead, instance=corrected, data=VoidInput("活动取消"))
    counted.refresh_from_db()
    assert Decimal(counted.value) == before - 25

    admin = services.admin_work_record(
        by=worker,
        data=services.AdminWorkInput(
            date=TODAY, task="checks", hours=Decimal(2), region=own.village, in_village=True
        ),
    )
    fixed = services.admin_work_record(
        by=lead,
        instance=admin,
        data=services.AdminWorkInput(
            date=TODAY, task="checks", hours=Decimal(1), region=own.village, in_village=True
        ),
    )
    assert fixed.worker == worker and fixed.version == 1  # the service alone claims no version
    client.force_login(worker)
    page = client.get(reverse("work:admin_work_detail", args=[admin.pk])).content.decode()
    assert reverse("work:admin_work_void", args=[admin.pk]) in page
    client.post(reverse("work:admin_work_void", args=[admin.pk]), {"reason": "误录"})
    assert AdminWork.objects.get(pk=admin.pk).voided_at is not None

    group = own.group
    group.workers.set([worker])
    session = services.group_session_add(
        group=group,
        by=worker,
        data=services.SessionInput(
            date=TODAY, hours=Decimal("1.5"), record="第一节", attendees=(own.recipient.pk,)
        ),
    )
    assert session.created_by == worker
    assert ServiceFact.objects.filter(source_type="group", source_id=group.pk).get().date == TODAY
    page = client.get(reverse("work:group_detail", args=[group.pk])).content.decode()
    assert reverse("work:session_edit", args=[session.pk]) in page
    client.post(
        reverse("work:session_edit", args=[session.pk]),
        {
            "date": TODAY.isoformat(),
            "hours": "2",
            "in_village": "on",
            "record": "第一节（更正）",
            "others_count": 0,
            "version": 1,
        },
    )
    session.refresh_from_db()
    assert session.hours == 2 and session.attendees.count() == 0 and session.version == 2
    assert AuditEntry.objects.filter(action="shegong.session.changed").exists()
    client.post(reverse("work:session_void", args=[session.pk]), {"reason": "未开展"})
    session.refresh_from_db()
    assert session.voided_at
    assert not ServiceFact.objects.filter(source_type="session", source_id=session.pk).exists()
    # the group has no session left: it starts when it was registered again
    page = client.get(reverse("work:group_detail", args=[group.pk])).content.decode()
    assert "0 / 4" in page and "未开展" in page

    record = training_record(
        by=worker,
        data=TrainingInput(
            worker=worker.pk,
            kind="training",
            date=TODAY,
            hours=Decimal(4),
            organiser="county",
            topic="个案管理",
        ),
    )
    with pytest.raises(PermissionDenied):
        training_void(by=world.actors["social_worker"], instance=record, data=VoidInput("x"))
    training_void(by=lead, instance=record, data=VoidInput("培训未举行"))
    assert TrainingRecord.objects.get(pk=record.pk).voided_at
    assert not ServiceFact.objects.filter(source_type="training", source_id=record.pk).exists()
    listing = client.get(reverse("workforce:training_list")).content.decode()
    assert "已作废" in listing
    assert GroupSession.objects.filter(pk=session.pk).exists()
    assert HomeVisit.objects.count() >= 1


# ----- who may reach each page and endpoint (the access matrix's rows for this part) ------

CORRECTION_URLS = {
    "work:visit_edit",
    "work:visit_void",
    "work:activity_edit",
    "work:activity_void",
    "work:admin_work_detail",
    "work:admin_work_edit",
    "work:admin_work_void",
    "work:session_edit",
    "work:session_void",
    "workforce:training_detail",
    "workforce:training_edit",
    "workforce:training_void",
    "api:visit_update",
    "api:visit_void",
    "api:activity_update",
    "api:activity_void",
    "api:admin_work_list",
    "api:admin_work_get",
    "api:admin_work_update",
    "api:admin_work_void",
    "api:session_get",
    "api:session_update",
    "api:session_void",
}

# what each role gets on the correction pages of a record of its own station, written by
# another worker: the lead corrects (200), the other worker may not (403), officers see the
# record but do not correct it (403), the rest do not see it (404)
CORRECT = {
    "station_lead": 200,
    "social_worker": 403,
    "county_officer": 403,
    "city_officer": 403,
    "province_officer": 403,
    "evaluator": 404,
    "agency_admin": 404,
    "system_admin": 404,
    "security_admin": 404,
    "audit_admin": 404,
}
# and on the API: the lead's update without If-Match is 428 (it passed every check)
CORRECT_API = CORRECT | {"station_lead": 428}


def _own_records(world):
    own = world.places["own"]
    session = GroupSession.objects.create(
        group=own.group, number=1, date=TODAY, hours=1, record="第一节", created_by=own.worker
    )
    admin = AdminWork.objects.create(
        station=own.station,
        region_id=own.township,
        created_by=own.worker,
        worker=own.worker,
        date=TODAY,
        task="policy",
        hours=1,
    )
    training = TrainingRecord.objects.create(
        worker=own.worker,
        created_by=own.worker,
        region_code=own.township,
        kind="training",
        date=TODAY,
        hours=2,
        organiser="county",
        topic="伦理",
    )
    return {
        "visit": own.visit.pk,
        "activity": own.activity.pk,
        "admin_work": admin.pk,
        "session": session.pk,
        "training": training.pk,
    }


@pytest.mark.parametrize("role", list(CORRECT))
def test_who_reaches_the_correction_pages_and_endpoints(client, world, role):
    ids = _own_records(world)
    client.force_login(world.actors[role])
    pages = {
        "work:visit_edit": ids["visit"],
        "work:visit_void": ids["visit"],
        "work:activity_edit": ids["activity"],
        "work:activity_void": ids["activity"],
        "work:admin_work_edit": ids["admin_work"],
        "work:admin_work_void": ids["admin_work"],
        "work:session_edit": ids["session"],
        "work:session_void": ids["session"],
    }
    got = {name: client.get(reverse(name, args=[pk])).status_code for name, pk in pages.items()}
    assert got == dict.fromkeys(pages, CORRECT[role])
    # training is seen by the agency too (its staff's training), corrected by the same people
    training = {
        "workforce:training_detail": client.get(
            reverse("workforce:training_detail", args=[ids["training"]])
        ).status_code,
        "workforce:training_edit": client.get(
            reverse("workforce:training_edit", args=[ids["training"]])
        ).status_code,
    }
    sees_training = role in ("station_lead", "social_worker", "agency_admin") or role.endswith(
        "_officer"
    )
    assert training == {
        "workforce:training_detail": 200 if sees_training else 404,
        "workforce:training_edit": (
            200 if role == "station_lead" else 403 if sees_training else 404
        ),
    }
    detail = client.get(reverse("work:admin_work_detail", args=[ids["admin_work"]])).status_code
    assert detail == (200 if CORRECT[role] != 404 else 404)
    api = {
        "visit": client.put(
            f"/api/visits/{ids['visit']}", "{}", content_type="application/json"
        ).status_code,
        "session": client.post(
            f"/api/sessions/{ids['session']}/void",
            json.dumps({"reason": "x"}),
            content_type="application/json",
        ).status_code,
        "admin_work": client.post(
            f"/api/admin-work/{ids['admin_work']}/void",
            json.dumps({"reason": "x"}),
            content_type="application/json",
        ).status_code,
    }
    # an empty body for the lead is a schema error (422) before If-Match is asked
    want = CORRECT_API[role]
    assert api == {
        "visit": 422 if want == 428 else want,
        "session": want,
        "admin_work": want,
    }
    reads = client.get(f"/api/sessions/{ids['session']}").status_code
    assert reads == (200 if CORRECT[role] != 404 else 404)
    # another city's records: out of sight (the province sees them, and corrects nothing)
    far = world.places["other_city"]
    far_code = client.get(reverse("work:visit_edit", args=[far.visit.pk])).status_code
    assert far_code == (403 if role == "province_officer" else 404)


def test_every_correction_and_void_has_a_label_in_the_audit_log():
    from shegong.audit.describe import ACTIONS
    from shegong.work.services.records import VOIDABLE

    for entity in [*VOIDABLE.values(), "training"]:
        assert f"shegong.{entity}.voided" in ACTIONS
        assert f"shegong.{entity}.changed" in ACTIONS
