"""Reads of station work, always through ``restrict``."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.core.divisions import in_subtree, region_filter
from shegong.core.links import id_url, row_url
from shegong.core.lists import void_filtered
from shegong.indicators.drilldown import Rows
from shegong.indicators.models import ServiceFact
from shegong.indicators.periods import Period
from shegong.people.models import Recipient
from shegong.regions.models import Region

from .exporters import CaseExporter
from .models import Activity, AdminWork, Case, CaseEntry, Group, GroupSession, HomeVisit, LongDay


def visit_list(
    *, user: User, filters: dict | None = None, action: str = "view"
) -> QuerySet[HomeVisit]:
    """Home visits ``user`` may see, filtered by place and period; newest first.

    ``action`` is the ``restrict`` action: "view_masked" for a de-identified reader.
    """
    f = filters or {}
    qs = HomeVisit.objects.restrict(user, action).select_related(
        "region", "recipient", "household__head"
    )
    qs = void_filtered(_dated(qs, f, "date"), f)
    if f.get("worker"):
        qs = qs.filter(workers=f["worker"])
    workers = Prefetch("workers", queryset=User.objects.order_by("pk"))  # as a page lists them
    return qs.prefetch_related(workers).without_secrets().order_by("-date", "-pk")


def case_list(*, user: User, filters: dict | None = None, action: str = "view") -> QuerySet[Case]:
    """Cases ``user`` may see, filtered by stage, place, period and ``awaiting=me``.

    ``action`` is the ``restrict`` action: "view_masked" for a de-identified reader.
    """
    f = filters or {}
    qs = (
        Case.objects.restrict(user, action)
        .select_related("region", "recipient", "worker")
        .without_secrets()
    )
    qs = _dated(qs, f, "opened_on")
    if f.get("stage"):
        qs = qs.filter(stage=f["stage"])
    if f.get("worker"):
        qs = qs.filter(worker_id=f["worker"])
    if f.get("overdue"):
        since = timezone.localdate() - timedelta(days=FOLLOW_UP_DAYS)
        qs = qs.exclude(stage=Case.Stage.CLOSED).filter(_overdue_q(since))
    if f.get("awaiting") == "me":
        # plans and closures submitted and not yet approved, that this user may approve
        qs = qs.filter(
            pk__in=Case.objects.restrict(user, "approve").filter(PLAN_WAITING | CLOSURE_WAITING)
        )
    return qs.order_by("-opened_on", "-pk")


FOLLOW_UP_DAYS = 30


# a plan or a closure report submitted and not yet decided
PLAN_WAITING = Q(stage=Case.Stage.PLANNING, plan_submitted_at__isnull=False)
CLOSURE_WAITING = Q(stage=Case.Stage.EVALUATION, closure_requested_at__isnull=False)


def _overdue_q(since: date) -> Q:
    """A case without a follow-up since ``since``: opened before it, and no intervention
    recorded on or after it (the case list's filter and the home page's count)."""
    recent = CaseEntry.objects.filter(case=OuterRef("pk"), date__gte=since)
    return Q(opened_on__lt=since) & ~Exists(recent)


def to_do(*, user: User, today: date) -> dict[str, int]:
    """What waits for ``user`` at their station, as counts, in one query over the open
    cases of the station (``user``'s own, for a worker):

    - ``plans`` and ``closures``: submitted and waiting for ``user``'s approval;
    - ``overdue``: with no intervention and no opening in the last ``FOLLOW_UP_DAYS`` days;
    - ``mine``: ``user``'s own open cases.
    """
    since = today - timedelta(days=FOLLOW_UP_DAYS)
    open_cases = Case.objects.restrict(user).exclude(stage=Case.Stage.CLOSED)
    if user.role != Role.STATION_LEAD:
        open_cases = open_cases.filter(worker=user)
    counts = {
        "overdue": Count("pk", filter=_overdue_q(since)),
        "mine": Count("pk", filter=Q(worker=user)),
    }
    # the cases ``user`` may approve, as ``restrict(user, "approve")`` reads them: among
    # the open cases above, which the approver can see (the lead: the station's others)
    approve = Case.restrict_q(user, "approve")
    if approve is not None:
        counts["plans"] = Count("pk", filter=approve & PLAN_WAITING)
        counts["closures"] = Count("pk", filter=approve & CLOSURE_WAITING)
    got = open_cases.aggregate(**counts)
    return {k: got.get(k) or 0 for k in ("plans", "closures", "overdue", "mine")}


def group_list(*, user: User, filters: dict | None = None, action: str = "view") -> QuerySet[Group]:
    """Groups ``user`` may see, filtered by place and period.

    ``action`` is the ``restrict`` action: "view_masked" for a de-identified reader.
    """
    f = filters or {}
    qs = Group.objects.restrict(user, action).select_related("region")
    qs = _dated(qs, f, None)
    if f.get("worker"):
        qs = qs.filter(workers=f["worker"])
    return qs.annotate(
        session_count=Count("sessions", filter=Q(sessions__voided_at=None), distinct=True),
        member_count=Count("members", distinct=True),
    ).order_by("-pk")


def activity_list(
    *, user: User, filters: dict | None = None, action: str = "view"
) -> QuerySet[Activity]:
    """Activities ``user`` may see, filtered by domain, place and period.

    ``action`` is the ``restrict`` action: "view_masked" for a de-identified reader.
    """
    f = filters or {}
    qs = Activity.objects.restrict(user, action).select_related("region")
    qs = void_filtered(_dated(qs, f, "date"), f)
    if f.get("domain"):
        qs = qs.filter(domain=f["domain"])
    if f.get("worker"):
        qs = qs.filter(workers=f["worker"])
    return qs.order_by("-date", "-pk")


def admin_work_list(
    *, user: User, filters: dict | None = None, action: str = "view"
) -> QuerySet[AdminWork]:
    """Administrative time ``user`` may see, filtered by place and period.

    ``action`` is the ``restrict`` action: "view_masked" for a de-identified reader.
    """
    f = filters or {}
    qs = AdminWork.objects.restrict(user, action).select_related("region", "worker")
    qs = void_filtered(_dated(qs, f, "date"), f)
    if f.get("worker"):
        qs = qs.filter(worker_id=f["worker"])
    return qs.order_by("-date", "-pk")


def long_day_list(*, user: User, filters: dict | None = None) -> QuerySet[LongDay]:
    """Days on which a worker ``user`` oversees went past the rule set's ceiling, with the
    reason given and the hours recorded that day (every kind of record, from the facts:
    one subquery per row of the page); newest first."""
    f = filters or {}
    qs = LongDay.objects.restrict(user).select_related("worker__station", "created_by")
    if f.get("region"):
        qs = qs.filter(region_filter("worker__scope_region_id", f["region"]))
    if f.get("since"):
        qs = qs.filter(date__gte=f["since"])
    if f.get("until"):
        qs = qs.filter(date__lte=f["until"])
    if f.get("worker"):
        qs = qs.filter(worker_id=f["worker"])
    day_hours = (
        ServiceFact.objects.filter(worker_id=OuterRef("worker_id"), date=OuterRef("date"))
        .order_by()
        .values("worker_id")
        .annotate(h=Sum("hours"))
        .values("h")
    )
    return qs.annotate(day_hours=Subquery(day_hours)).order_by("-date", "-pk")


def _dated(qs, f: dict, date_field: str | None):
    if f.get("region"):
        qs = qs.filter(region_filter("region_id", f["region"]))
    if date_field and f.get("since"):
        qs = qs.filter(**{f"{date_field}__gte": f["since"]})
    if date_field and f.get("until"):
        qs = qs.filter(**{f"{date_field}__lte": f["until"]})
    return qs


@dataclass
class TimelineItem:
    date: date
    kind: str
    title: str
    url: str


@dataclass
class Timeline:
    items: list[TimelineItem]  # newest first
    hidden: int = 0  # earlier services the viewer may see that are not shown


TIMELINE_LINES = 100


def person_timeline(*, person: Recipient, user: User, everything: bool = False) -> Timeline:
    """The services the person received that the user may see, newest first: the latest
    ``TIMELINE_LINES`` and how many earlier ones are left out, or all of them when
    ``everything``. Four queries, each reading only the columns a line shows and at most
    one line more than is shown; a kind is counted only when it has more than that."""
    visits = HomeVisit.objects.restrict(user).filter(
        Q(recipient=person) | Q(household_id=person.household_id)
        if person.household_id
        else Q(recipient=person)
    )
    visit_url, case_url = id_url("work:visit_detail"), id_url("work:case_detail")
    group_url, activity_url = id_url("work:group_detail"), id_url("work:activity_detail")
    stages = dict(Case.Stage.choices)
    kinds = (
        (
            visits.filter(voided_at=None)
            .order_by("-date", "-pk")
            .values_list("pk", "date", "situation"),
            lambda pk, day, situation: TimelineItem(
                day, _("Home visit"), situation[:60], visit_url(pk)
            ),
        ),
        (
            Case.objects.restrict(user)
            .filter(recipient=person)
            .order_by("-opened_on", "-pk")
            .values_list("pk", "opened_on", "number", "stage"),
            lambda pk, opened, number, stage: TimelineItem(
                opened, _("Case"), f"{number} · {stages.get(stage, stage)}", case_url(pk)
            ),
        ),
        (
            GroupSession.objects.filter(
                attendees=person, group__in=Group.objects.restrict(user), voided_at=None
            )
            .order_by("-date", "-pk")
            .values_list("date", "group__name", "number", "group_id"),
            lambda day, group, number, group_id: TimelineItem(
                day, _("Group session"), f"{group} #{number}", group_url(group_id)
            ),
        ),
        (
            Activity.objects.restrict(user)
            .filter(participants=person, voided_at=None)
            .order_by("-date", "-pk")
            .values_list("pk", "date", "title"),
            lambda pk, day, title: TimelineItem(
                day, _("Community activity"), title, activity_url(pk)
            ),
        ),
    )
    items: list[TimelineItem] = []
    total = 0  # what the viewer may see, counted only for a kind longer than is shown
    for rows, line in kinds:
        read = list(rows) if everything else list(rows[: TIMELINE_LINES + 1])
        if not everything:
            total += rows.count() if len(read) > TIMELINE_LINES else len(read)
        items.extend(line(*row) for row in read)
    items.sort(key=lambda i: i.date, reverse=True)
    if everything:
        return Timeline(items)
    shown = items[:TIMELINE_LINES]
    return Timeline(shown, total - len(shown))


# ----- what station work tells the indicators ---------------------------------------------


def open_cases_stock(*, code: str, period: Period) -> int:
    """Cases of the village ``code`` open at the end of the period (villages have no
    aggregate; their cases are few)."""
    return (
        Case.objects.filter(region_id=code, opened_on__lte=period.end)
        .exclude(stage=Case.Stage.CLOSED, closed_on__lte=period.end)
        .count()
    )


def active_case_rows(*, user: User, node: Region, period: Period, params: QueryDict) -> Rows:
    """Drill-down ``cases_active``: the node's cases open at the end of the period."""
    qs = (
        Case.objects.restrict(user)
        .filter(in_subtree("region_id", node.code), opened_on__lte=period.end)
        .exclude(stage=Case.Stage.CLOSED, closed_on__lte=period.end)
        .select_related("recipient", "region", "worker")
        .without_secrets()
        .order_by("-opened_on", "-pk")
    )
    count = qs.count()
    return Rows(
        qs,
        CaseExporter,
        row_url("work:case_detail"),
        _("Total: %(total)s cases") % {"total": count},
        count=count,
    )
