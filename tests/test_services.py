"""Services that take data: called with a typed input, no form and no request, they check
every rule themselves. The page, the API and (soon) imports call the same functions."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from shegong.audit.models import AuditEntry
from shegong.indicators.models import ServiceFact
from shegong.people.models import Category, Recipient
from shegong.people.services import RecipientInput, recipient_record
from shegong.work.models import AdminWork, HomeVisit
from shegong.work.services import (
    ActivityInput,
    AdminWorkInput,
    CaseOpenInput,
    VisitInput,
    activity_record,
    admin_work_record,
    case_open,
    visit_record,
)

from .factories import HouseholdFactory, make_id_number


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def _visit(world, **over) -> VisitInput:
    own = world.places["own"]
    data = {
        "date": datetime.date(2026, 3, 2),
        "region": own.village,
        "workers": (world.actors["social_worker"].pk, own.worker.pk),
        "hours": Decimal("1.5"),
        "situation": "独居，行动不便",
        "recipient": own.recipient.pk,
    }
    return VisitInput(**{**data, **over})


def _refused(call) -> dict[str, list[str]]:
    before = (HomeVisit.objects.count(), AdminWork.objects.count(), ServiceFact.objects.count())
    with pytest.raises(ValidationError) as refused:
        call()
    after = (HomeVisit.objects.count(), AdminWork.objects.count(), ServiceFact.objects.count())
    assert after == before  # nothing half-written
    return refused.value.message_dict


def test_a_visit_from_data_is_recorded_with_facts_and_audit(world):
    by = world.actors["social_worker"]
    visit = visit_record(by=by, data=_visit(world))
    assert visit.station_id == by.station_id and visit.created_by == by
    assert set(visit.workers.values_list("pk", flat=True)) == set(_visit(world).workers)
    assert ServiceFact.objects.filter(source_type="visit", source_id=visit.pk).count() == 2
    entry = AuditEntry.objects.get(action="shegong.visit.created", object_id=str(visit.pk))
    assert entry.actor == by and entry.data["region"] == visit.region.name  # in words


@pytest.mark.parametrize(
    ("over", "field", "says"),
    [
        ({"recipient": None}, "__all__", "请选择走访的服务对象或家庭户"),
        ({"region": "430302001002"}, "recipient", "该服务对象不在所选村"),
        ({"region": "430304001001"}, "region", "430304001001"),  # a neighbour county's village
        ({"region": "430302001"}, "region", "430302001"),  # a township is not a village
        ({"date": datetime.date(2099, 1, 1)}, "date", "日期不能晚于今天"),
        ({"hours": Decimal("30")}, "hours", ""),
        ({"workers": ()}, "workers", "本站"),
    ],
)
def test_a_visit_breaking_a_rule_is_refused_in_chinese(world, over, field, says):
    errors = _refused(
        lambda: visit_record(by=world.actors["social_worker"], data=_visit(world, **over))
    )
    assert field in errors and says in " ".join(errors[field]), errors


def test_a_visit_may_not_name_another_stations_person_or_worker(world):
    neighbour = world.places["neighbour"]
    by = world.actors["social_worker"]
    errors = _refused(
        lambda: visit_record(by=by, data=_visit(world, recipient=neighbour.recipient.pk))
    )
    assert "recipient" in errors
    errors = _refused(
        lambda: visit_record(by=by, data=_visit(world, workers=(neighbour.worker.pk,)))
    )
    assert "workers" in errors


@pytest.mark.parametrize("role", ["county_officer", "agency_admin", "system_admin"])
def test_only_station_staff_record_visits(world, role):
    before = HomeVisit.objects.count()
    with pytest.raises(PermissionDenied):
        visit_record(by=world.actors[role], data=_visit(world))
    assert HomeVisit.objects.count() == before


def _admin(world, **over) -> AdminWorkInput:
    data = {
        "date": datetime.date(2026, 3, 2),
        "task": "checks",
        "hours": Decimal("2"),
        "region": world.places["own"].township,
    }
    return AdminWorkInput(**{**data, **over})


def test_administrative_time_from_data_counts_as_assisting(world):
    work = admin_work_record(by=world.actors["social_worker"], data=_admin(world))
    fact = ServiceFact.objects.get(source_type="admin", source_id=work.pk)
    assert fact.work_kind == "admin_assist" and fact.hours == Decimal("2")


@pytest.mark.parametrize("task", sorted(AdminWork.NEGATIVE))
def test_negative_list_tasks_are_refused_whoever_calls(world, task):
    errors = _refused(
        lambda: admin_work_record(by=world.actors["station_lead"], data=_admin(world, task=task))
    )
    assert "负面清单" in errors["task"][0]


def test_an_unknown_task_is_refused_by_the_models_own_rules(world):
    errors = _refused(
        lambda: admin_work_record(by=world.actors["social_worker"], data=_admin(world, task="nap"))
    )
    assert "task" in errors


# ----- people ---------------------------------------------------------------------------


def _person(world, **over) -> RecipientInput:
    data = {
        "name": "李秀英",
        "region": world.places["own"].village,
        "consent": "oral",
        "consent_date": datetime.date(2026, 3, 1),
        "consent_giver": "self",
    }
    return RecipientInput(**{**data, **over})


def test_a_person_from_data_takes_sex_and_birth_from_the_id_number(world):
    number = make_id_number("430302", "19480101", 516)  # 516: even, a woman
    by = world.actors["social_worker"]
    errors = _refused_person(
        lambda: recipient_record(
            by=by,
            data=_person(world, id_number=number, sex="M", birth_date=datetime.date(2000, 1, 1)),
        )
    )
    assert "女" in errors["sex"][0] and "1948-01-01" in errors["birth_date"][0]
    person = recipient_record(by=by, data=_person(world, id_number=number))
    assert (person.sex, person.birth_date) == ("F", datetime.date(1948, 1, 1))
    assert person.id_last4 == number[-4:] and person.name_initials == "lxy"
    entry = AuditEntry.objects.get(action="shegong.recipient.created", object_id=str(person.pk))
    assert number not in str(entry.data)  # no personal field's value in the log


def _refused_person(call) -> dict[str, list[str]]:
    before = Recipient.objects.count()
    with pytest.raises(ValidationError) as refused:
        call()
    assert Recipient.objects.count() == before
    return refused.value.message_dict


def test_an_id_number_registered_elsewhere_says_so_without_naming_the_person(world):
    theirs = world.places["neighbour"].recipient
    by = world.actors["social_worker"]
    before = Recipient.objects.count()
    with pytest.raises(ValidationError) as refused:
        recipient_record(by=by, data=_person(world, id_number=theirs.id_number))
    message = refused.value.message_dict["id_number"][0]
    assert "辖区外" in message or "转移" in message, message
    assert theirs.name not in message
    assert Recipient.objects.count() == before


def test_a_disability_category_needs_its_detail_and_a_household_its_relation(world):
    disabled = Category.objects.get(code="disabled")
    household = world.places["own"].recipient.household or HouseholdFactory(
        region_id=world.places["own"].village
    )
    with pytest.raises(ValidationError) as refused:
        recipient_record(
            by=world.actors["social_worker"],
            data=_person(world, categories=(disabled.pk,), household=household.pk),
        )
    assert {"disability_type", "disability_grade", "relation"} <= set(refused.value.message_dict)


def test_only_station_staff_register_people(world):
    with pytest.raises(PermissionDenied):
        recipient_record(by=world.actors["county_officer"], data=_person(world))


# ----- cases and activities ---------------------------------------------------------------


def test_a_case_cannot_be_opened_for_another_stations_person(world):
    theirs = world.places["neighbour"].recipient
    data = CaseOpenInput(
        recipient=theirs.pk,
        opened_on=datetime.date(2026, 3, 2),
        source="outreach",
        presenting_problem="独居",
    )
    with pytest.raises(ValidationError) as refused:
        case_open(by=world.actors["social_worker"], data=data)
    assert "recipient" in refused.value.message_dict


def test_an_activity_may_not_name_more_people_than_it_counts(world):
    own = world.places["own"]
    data = ActivityInput(
        title="重阳敬老",
        domain="elderly",
        service_type="care",
        date=datetime.date(2026, 3, 2),
        region=own.village,
        workers=(world.actors["social_worker"].pk,),
        hours=Decimal("2"),
        participants_count=0,
        participants=(own.recipient.pk,),
    )
    errors = _refused(lambda: activity_record(by=world.actors["social_worker"], data=data))
    assert "participants_count" in errors
