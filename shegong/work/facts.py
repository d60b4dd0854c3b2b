"""What station work adds to the indicators: one fact builder per kind of record.

Registered with the engine in ``WorkConfig.ready()``; the services call
``indicators.engine.sync(record)`` after each write.
"""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from shegong.indicators.facts import (
    FactSource,
    fact,
    ids,
    people_rows,
    worker_rows,
)
from shegong.indicators.models import FactKind, ServiceFact
from shegong.people.models import Recipient

from .models import (
    Activity,
    AdminWork,
    Case,
    CaseEntry,
    Group,
    GroupSession,
    HomeVisit,
    WorkKind,
)


def _in_domain(rows: list[ServiceFact], domain: str) -> list[ServiceFact]:
    """Every fact of a service carries its record's service domain (the dashboard's split)."""
    for row in rows:
        row.domain = domain
    return rows


def visit_facts(visit: HomeVisit) -> list[ServiceFact]:
    if visit.voided_at:  # a voided record leaves the figures
        return []
    first = {"n": 1, "person_times": 1, "recipient_id": visit.recipient_id}
    if not visit.recipient_id and visit.household_id:
        first["recipient_id"] = getattr(visit.household, "head_id", None)
    rows = worker_rows(
        FactKind.VISIT,
        "visit",
        visit,
        visit.date,
        ids(visit.workers),
        visit.hours,
        True,  # a home visit is made in the village
        first,
        work_kind=WorkKind.VISIT,
    )
    return _in_domain(rows, visit.domain)


def activity_facts(activity: Activity) -> list[ServiceFact]:
    if activity.voided_at:
        return []
    # charity money and goods are counted where they are allocated, from the ledger
    # (community.Allocation), not from the activity's own record
    first = {
        "n": 1,
        "person_times": activity.participants_count,
        "volunteers": activity.volunteers_count,
    }
    rows = worker_rows(
        FactKind.ACTIVITY,
        "activity",
        activity,
        activity.date,
        ids(activity.workers),
        activity.hours,
        len(activity.region_id) > 9,  # held in a village, not at the township
        first,
        work_kind=WorkKind.COMMUNITY,
    )
    rows += people_rows(
        FactKind.ACTIVITY, "activity", activity, activity.date, activity.participants
    )
    return _in_domain(rows, activity.domain)


def admin_facts(work: AdminWork) -> list[ServiceFact]:
    if work.voided_at:
        return []
    assisting = work.task in AdminWork.ASSISTING
    return worker_rows(
        FactKind.ADMIN,
        "admin",
        work,
        work.date,
        [work.worker_id],
        work.hours,
        work.in_village,
        {"n": 1},
        work_kind=WorkKind.ADMIN_ASSIST if assisting else WorkKind.ADMIN_OTHER,
    )


def case_facts(case: Case) -> list[ServiceFact]:
    common = {
        "station_id": case.station_id,
        "worker_id": case.worker_id,
        "recipient_id": case.recipient_id,
    }
    rows = [
        fact(FactKind.CASE_OPENED, "case", case.pk, case.opened_on, case.region_id, n=1, **common)
    ]
    if case.stage == Case.Stage.CLOSED and case.closed_on:
        rows.append(
            fact(
                FactKind.CASE_CLOSED, "case", case.pk, case.closed_on, case.region_id, n=1, **common
            )
        )
    return _in_domain(rows, case.domain)


def case_entry_facts(entry: CaseEntry) -> list[ServiceFact]:
    case = entry.case
    return [
        fact(
            FactKind.CASE_ENTRY,
            "caseentry",
            entry.pk,
            entry.date,
            case.region_id,
            parent_id=case.pk,
            station_id=case.station_id,
            worker_id=entry.worker_id,
            recipient_id=case.recipient_id,
            n=1,
            person_times=1,
            hours=entry.hours,
            professional=True,
            in_village=entry.in_village,
            work_kind=WorkKind.CASE,
            domain=case.domain,
        )
    ]


def group_facts(group: Group) -> list[ServiceFact]:
    """A group starts with its first session (or, before any, when it was registered)."""
    first = min((s.date for s in group.sessions.all() if not s.voided_at), default=None)
    return [
        fact(
            FactKind.GROUP,
            "group",
            group.pk,
            first or timezone.localdate(group.created_at),
            group.region_id,
            station_id=group.station_id,
            n=1,
            domain=group.domain,
        )
    ]


class _Placed:
    """A session, placed where its group is (the builders read pk, region and station)."""

    def __init__(self, session: GroupSession):
        self.pk = session.pk
        self.region_id = session.group.region_id
        self.station_id = session.group.station_id


def session_facts(session: GroupSession) -> list[ServiceFact]:
    if session.voided_at:
        return []
    group = session.group
    placed = _Placed(session)
    attendees = ids(session.attendees)
    first = {"n": 1, "person_times": len(attendees) + session.others_count}
    rows = worker_rows(
        FactKind.SESSION,
        "session",
        placed,
        session.date,
        ids(group.workers),
        session.hours,
        session.in_village,
        first,
        work_kind=WorkKind.GROUP,
    )
    rows += people_rows(FactKind.SESSION, "session", placed, session.date, session.attendees)
    for row in rows:
        row.parent_id = group.pk
    return _in_domain(rows, group.domain)


def _people():
    # the rebuild reads ids, never a person's encrypted fields
    return Recipient.objects.only("pk")


def _link(name: str, pk_of=lambda f: f.source_id):
    return lambda fact_: reverse(name, args=[pk_of(fact_)])


FACT_SOURCES = [
    FactSource(
        "visit",
        HomeVisit,
        visit_facts,
        records=lambda: (
            HomeVisit.objects.filter(voided_at=None)
            .select_related("household")
            .defer("household__address")
            .prefetch_related("workers")
        ),
        url=_link("work:visit_detail"),
    ),
    FactSource(
        "activity",
        Activity,
        activity_facts,
        records=lambda: Activity.objects.filter(voided_at=None).prefetch_related(
            "workers", Prefetch("participants", queryset=_people())
        ),
        url=_link("work:activity_detail"),
    ),
    FactSource(
        "admin",
        AdminWork,
        admin_facts,
        records=lambda: AdminWork.objects.filter(voided_at=None),
        url=_link("work:admin_work_detail"),
    ),
    FactSource("case", Case, case_facts, records=Case.objects.all, url=_link("work:case_detail")),
    FactSource(
        "caseentry",
        CaseEntry,
        case_entry_facts,
        records=lambda: CaseEntry.objects.select_related("case"),
        url=_link("work:case_detail", lambda f: f.parent_id or 0),
    ),
    FactSource(
        "group",
        Group,
        group_facts,
        records=lambda: Group.objects.prefetch_related("sessions"),
        url=_link("work:group_detail"),
    ),
    FactSource(
        "session",
        GroupSession,
        session_facts,
        records=lambda: (
            GroupSession.objects.filter(voided_at=None)
            .select_related("group")
            .prefetch_related(Prefetch("attendees", queryset=_people()), "group__workers")
        ),
        url=_link("work:group_detail", lambda f: f.parent_id or 0),
    ),
]
