"""Issue #11, part 1: records that are valid, whoever writes them (page or API).

The rules live in the services, so each is tried through the page and through the API.
"""

import datetime
import importlib
import json
import re

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from shegong.people.models import Recipient
from shegong.work.models import Activity, AdminWork, Case, Group, HomeVisit

from .casework import activity_payload, visit_payload
from .factories import GroupFactory, make_id_number

TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
DAY = "2026-03-02"


def _api(client, path, payload):
    return client.post(path, json.dumps(payload), content_type="application/json")


@pytest.fixture
def worker(client, world):
    client.force_login(world.actors["social_worker"])
    return client


_visit = visit_payload


def _admin(world, **over):
    return {
        "date": DAY,
        "task": "checks",
        "hours": "23",
        "region": world.places["own"].township,
        "long_day_reason": "防汛值守",  # a day past 12 hours says why
        **over,
    }


_activity = activity_payload


# ----- no work dated after today --------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "build"),
    [
        ("/api/visits", _visit),
        ("/api/admin-work", _admin),
        ("/api/activities", _activity),
    ],
)
def test_no_record_of_work_may_be_dated_tomorrow_by_api(worker, world, path, build):
    response = _api(worker, path, build(world, date=TOMORROW, hours="1"))
    assert response.status_code == 422 and "date" in response.json()["errors"], response.content


def test_no_record_of_work_may_be_dated_tomorrow_on_the_page(worker, world):
    data = {**_activity(world, date=TOMORROW), "res-TOTAL_FORMS": "0", "res-INITIAL_FORMS": "0"}
    response = worker.post(reverse("work:activity_create"), data)
    assert response.status_code == 200 and "日期不能晚于今天" in response.content.decode()
    assert not Activity.objects.filter(title="重阳敬老").exists()


def test_a_case_cannot_open_tomorrow_nor_a_consent_be_given_tomorrow(worker, world):
    own = world.places["own"]
    case = {
        "recipient": own.recipient.pk,
        "opened_on": TOMORROW,
        "source": "outreach",
        "presenting_problem": "独居",
    }
    assert "opened_on" in _api(worker, "/api/cases", case).json()["errors"]
    person = {
        "name": "赵大爷",
        "region": own.village,
        "consent": "oral",
        "consent_date": TOMORROW,
        "consent_giver": "self",
        "birth_date": TOMORROW,
    }
    errors = _api(worker, "/api/recipients", person).json()["errors"]
    assert {"consent_date", "birth_date"} <= set(errors)


# ----- at most 24 hours a day --------------------------------------------------------------


def test_a_day_holds_at_most_24_hours_across_every_kind_of_record_by_api(worker, world):
    assert _api(worker, "/api/admin-work", _admin(world)).status_code == 201
    refused = _api(worker, "/api/visits", _visit(world))
    assert refused.status_code == 422
    assert "24" in refused.json()["errors"]["hours"][0]
    assert not HomeVisit.objects.filter(situation="独居").exists()
    # the next day is another day
    assert _api(worker, "/api/visits", _visit(world, date="2026-03-03")).status_code == 201


def test_a_day_holds_at_most_24_hours_on_the_page(worker, world):
    assert worker.post(reverse("work:admin_work_create"), _admin(world)).status_code == 302
    page = worker.post(reverse("work:visit_create"), _visit(world))
    assert page.status_code == 200 and "24" in page.content.decode()
    assert (
        AdminWork.objects.count() == 1 and not HomeVisit.objects.filter(situation="独居").exists()
    )


def test_a_colleague_on_the_visit_is_counted_too(worker, world):
    """The rule is per worker: a colleague who already worked 23 h that day cannot be put on
    a 1.5 h visit either."""
    colleague = world.places["own"].worker
    AdminWork.objects.create(
        station=world.places["own"].station,
        region_id=world.places["own"].township,
        created_by=colleague,
        worker=colleague,
        date=datetime.date(2026, 3, 2),
        task="checks",
        hours=23,
    )
    from shegong.indicators import engine

    engine.sync(AdminWork.objects.get())
    refused = _api(worker, "/api/visits", _visit(world, workers=[colleague.pk]))
    assert (
        refused.status_code == 422
        and colleague.display_name in refused.json()["errors"]["hours"][0]
    )


# ----- groups -----------------------------------------------------------------------------


def _group(world, **over):
    own = world.places["own"]
    return {
        "name": "银龄互助小组",
        "nature": "support",
        "goals": "互助",
        "target": "老年人",
        "planned_sessions": "6",
        "region": own.township,
        "workers": [world.actors["social_worker"].pk],
        "stage": "preparation",
        **over,
    }


def test_a_group_plans_at_least_one_session_and_is_numbered_one_way(worker, world):
    page = worker.post(reverse("work:group_create"), _group(world, planned_sessions="0"))
    assert page.status_code == 200 and not Group.objects.filter(name="银龄互助小组").exists()
    assert worker.post(reverse("work:group_create"), _group(world)).status_code == 302
    group = Group.objects.get(name="银龄互助小组")
    year = timezone.localdate().year
    assert re.fullmatch(rf"XZ{world.places['own'].township}{year}\d{{4}}", group.number)
    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.filter(pk=group.pk).update(planned_sessions=0)


def test_the_migration_gives_old_group_numbers_the_year(world):
    township = world.places["own"].township
    old = GroupFactory(number=f"XZ{township}0001", station=world.places["own"].station)
    Group.objects.filter(pk=old.pk).update(
        created_at=timezone.make_aware(datetime.datetime(2025, 5, 1))
    )
    migration = importlib.import_module("shegong.work.migrations.0007_group_numbers")
    migration.renumber(apps, None)
    old.refresh_from_db()
    assert old.number == f"XZ{township}20250001"


# ----- the ID number and what was typed ----------------------------------------------------


def _person(world, **over):
    return {
        "name": "李秀英",
        "region": world.places["own"].village,
        "consent": "oral",
        "consent_date": "2026-03-01",
        "consent_giver": "self",
        **over,
    }


def test_a_sex_or_birth_date_against_the_id_number_is_pointed_out_by_api(worker, world):
    number = make_id_number("430302", "19480101", 516)  # a woman born 1948-01-01
    response = _api(
        worker,
        "/api/recipients",
        _person(world, id_number=number, sex="M", birth_date="1950-02-02"),
    )
    errors = response.json()["errors"]
    assert response.status_code == 422
    assert "女" in errors["sex"][0] and "1948-01-01" in errors["birth_date"][0]
    assert not Recipient.objects.filter(name="李秀英").exists()
    assert _api(worker, "/api/recipients", _person(world, id_number=number)).status_code == 201


def test_a_sex_against_the_id_number_is_pointed_out_on_the_page(worker, world):
    number = make_id_number("430302", "19480101", 518)
    page = worker.post(reverse("people:create"), _person(world, id_number=number, sex="M"))
    assert page.status_code == 200 and "身份证号" in page.content.decode()
    assert not Recipient.objects.filter(name="李秀英").exists()


# ----- the negative list in words ----------------------------------------------------------


def test_a_description_naming_a_negative_list_act_needs_a_confirmation(worker, world):
    text = "协助审批低保申请并发放救助金"
    warned = _api(worker, "/api/admin-work", _admin(world, hours="2", description=text))
    assert warned.status_code == 422
    message = warned.json()["errors"]["confirmed"][0]
    assert "“审批”" in message and "“发放”" in message and "负面清单" in message
    assert not AdminWork.objects.exists()
    confirmed = _api(
        worker, "/api/admin-work", _admin(world, hours="2", description=text, confirmed=True)
    )
    assert confirmed.status_code == 201


def test_negative_list_tasks_are_not_ordinary_choices(worker, world):
    body = worker.get(reverse("work:admin_work_create")).content.decode()
    for task in AdminWork.NEGATIVE:
        assert re.search(rf'<option value="{task}"[^>]*disabled', body), task
    assert re.search(r'<option value="checks"(?![^>]*disabled)', body)


def test_a_case_with_no_work_before_today_stays_valid(worker, world):
    """Regression guard: today's records are fine."""
    today = timezone.localdate().isoformat()
    response = _api(worker, "/api/admin-work", _admin(world, date=today, hours="2"))
    assert response.status_code == 201
    assert Case.objects.exists()  # the world's own case is untouched


# ----- a long day needs a reason ------------------------------------------------------------


def test_a_day_past_the_ceiling_needs_a_reason_once(worker, world):
    from shegong.work.models import LongDay

    assert _api(worker, "/api/admin-work", _admin(world, hours="11")).status_code == 201
    asked = _api(worker, "/api/visits", _visit(world, hours="2"))
    assert asked.status_code == 422
    message = asked.json()["errors"]["long_day_reason"][0]
    assert "12" in message and "原因" in message
    explained = _api(worker, "/api/visits", _visit(world, hours="2", long_day_reason="防汛值守"))
    assert explained.status_code == 201
    day = LongDay.objects.get()
    assert (day.worker, day.reason) == (world.actors["social_worker"], "防汛值守")
    # asked once per worker and day
    again = _api(worker, "/api/admin-work", _admin(world, hours="1"))
    assert again.status_code == 201


def test_the_ceiling_is_the_rule_sets(worker, world):
    from shegong.indicators.models import RuleSet

    RuleSet.objects.filter(region_code="43").update(daily_hours_ceiling=8)
    assert _api(worker, "/api/admin-work", _admin(world, hours="7")).status_code == 201
    page = worker.post(reverse("work:visit_create"), _visit(world, hours="1.5"))
    assert page.status_code == 200 and "原因" in page.content.decode()


def test_a_relation_read_by_the_service_still_counts_in_its_constraints(world):
    """core.validation.full_clean does not ask again whether a related row the service
    read exists, but a unique constraint over that relation is still checked."""
    from django.core.exceptions import ValidationError

    from shegong.core.validation import full_clean
    from shegong.work.models import LongDay

    worker = world.actors["social_worker"]
    day = timezone.localdate() - datetime.timedelta(days=3)
    LongDay.objects.create(worker=worker, date=day, reason="汛期值守", created_by=worker)
    again = LongDay(worker=worker, date=day, reason="又一次", created_by=worker)
    assert LongDay._meta.get_field("worker").is_cached(again)  # assigned as the row read
    with pytest.raises(ValidationError) as refused:
        full_clean(again, {})
    assert refused.value.message_dict  # the day's reason is given once
    # a relation given by id is still checked to exist
    stranger = LongDay(worker_id=2**31 - 1, date=day, reason="无此人", created_by=worker)
    with pytest.raises(ValidationError) as missing:
        full_clean(stranger, {})
    assert "worker" in missing.value.message_dict


def test_a_related_row_built_in_memory_is_still_checked_to_exist(world):
    """Only a row read from the database is taken as existing (``loaded_relations``): a
    row built in memory with an id of nothing is refused by the field's own check."""
    from django.core.exceptions import ValidationError

    from shegong.accounts.models import User
    from shegong.core.validation import full_clean, loaded_relations
    from shegong.work.models import LongDay

    worker = world.actors["social_worker"]
    day = timezone.localdate() - datetime.timedelta(days=3)
    read = LongDay(
        worker=User.objects.get(pk=worker.pk), date=day, reason="值守", created_by=worker
    )
    assert "worker" in loaded_relations(read)
    ghost = User(pk=2**31 - 1, username="ghost")  # never saved
    built = LongDay(worker=ghost, date=day, reason="无此人", created_by=worker)
    assert "worker" not in loaded_relations(built)
    with pytest.raises(ValidationError) as missing:
        full_clean(built, {})
    assert "worker" in missing.value.message_dict


def test_a_page_form_still_refuses_a_person_it_cannot_find(worker, world):
    """The visit page's form leaves out the existence check of the rows its fields read;
    a person id that is not among them is still refused, with the form kept."""
    before = HomeVisit.objects.count()
    page = worker.post(reverse("work:visit_create"), _visit(world, recipient=2**31 - 1))
    assert page.status_code == 200
    assert HomeVisit.objects.count() == before
    assert "recipient" in page.context["form"].errors


def test_set_related_writes_the_links_and_keeps_them(world, django_assert_num_queries):
    """``core.related.set_related``: a new record's links inserted at once, then read from
    memory; an existing record's links replaced (one gone, one added)."""
    from shegong.core.related import set_related
    from shegong.work.models import HomeVisit as Visit

    own = world.places["own"]
    first, second = world.actors["social_worker"], world.actors["station_lead"]
    visit = Visit.objects.create(
        station=own.station,
        region_id=own.village,
        recipient=own.recipient,
        date=timezone.localdate(),
        hours="1",
        situation="独居",
        created_by=first,
    )
    with django_assert_num_queries(1):  # the insert only: nothing read first
        set_related(visit, "workers", [first], new=True)
    with django_assert_num_queries(0):
        assert [w.pk for w in visit.workers.all()] == [first.pk]
    set_related(visit, "workers", [second], new=False)
    assert list(Visit.objects.get(pk=visit.pk).workers.values_list("pk", flat=True)) == [second.pk]
    with django_assert_num_queries(0):
        assert [w.pk for w in visit.workers.all()] == [second.pk]
