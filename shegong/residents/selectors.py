"""Reads of residents' requests, through the caller's restriction."""

import datetime
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.community.models import Organisation, Volunteer
from shegong.core.divisions import in_subtree
from shegong.core.links import row_url
from shegong.indicators.definitions import Domain
from shegong.indicators.drilldown import Rows
from shegong.indicators.periods import Period
from shegong.regions.models import Region
from shegong.work.models import Case, Group, HomeVisit
from shegong.workforce.models import Qualification, SocialWorkerProfile

from .exporters import RequestExporter
from .models import OPEN_STATUSES, Kind, Match, ResidentRequest, Status, Topic


def request_list(*, user: AbstractBaseUser, filters: dict) -> QuerySet[ResidentRequest]:
    """The requests ``user`` may see, newest first, filtered by kind, status, region and
    "overdue" (no first response by its due date)."""
    qs = ResidentRequest.objects.restrict(user).select_related("region", "station", "assignee")
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("region"):
        qs = qs.filter(in_subtree("region_id", filters["region"]))
    if filters.get("overdue"):
        qs = qs.filter(overdue_q())
    if filters.get("mine"):
        qs = qs.filter(assignee_id=user.pk)
    return qs.order_by("-submitted_at", "-pk")


def overdue_q() -> Q:
    """Still waiting for a first response after its due date."""
    return Q(status__in=OPEN_STATUSES, responded_at__isnull=True, due_on__lt=timezone.localdate())


# a request's topic, in the service domains the records use (what a worker's experience
# is counted in)
TOPIC_DOMAINS = {
    Topic.ASSISTANCE: (Domain.ASSISTANCE,),
    Topic.ELDERLY: (Domain.ELDERLY,),
    Topic.CHILDREN: (Domain.CHILDREN, Domain.EDUCATION),
    Topic.DISABLED: (Domain.DISABILITY, Domain.AFFAIRS),
    Topic.EMOTION: (Domain.FAMILY, Domain.MENTAL),
    Topic.COMMUNITY: (Domain.GOVERNANCE,),
}
QUALIFIED = {Qualification.SOCIAL_WORKER, Qualification.SENIOR}


@dataclass(frozen=True)
class Suggestion:
    """One who or what could meet a need, with its score and the reasons for it."""

    party: str  # Match.Party
    target: int  # the worker's user id or the group's id
    label: str
    station: str
    score: int
    reasons: tuple[str, ...]


def suggestions(
    *, item: ResidentRequest, user: AbstractBaseUser, limit: int | None = 8
) -> list[Suggestion]:
    """Who and what could meet the need ``item``, best first: the county's social workers
    and station leads, then groups open to members, scored by nearness (the village's
    designated worker, then the township's station, then the county), experience in the
    need's service domain over the last year, qualification, caseload (open cases) and
    availability (open requests). Scores: designated 40, same township 25, same county
    10; 2 per visit in the field (at most 20); 5 for a 社会工作师 or above; less 2 per
    open case and 3 per open request. A group scores 20 at the township's station (5
    elsewhere) and 10 more in the need's field, so the village's own worker comes first
    unless overloaded. Volunteers and organisations come through ``user``'s own
    restriction. Four queries, whatever the county's size."""
    county = item.region_id[:6]
    domains = TOPIC_DOMAINS.get(item.topic, ())
    since = timezone.localdate() - datetime.timedelta(days=365)
    through = HomeVisit.workers.through
    experience = Subquery(
        through.objects.filter(
            user_id=OuterRef("pk"), homevisit__domain__in=domains, homevisit__date__gte=since
        )
        .values("user_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    open_cases = Subquery(
        Case.objects.filter(worker_id=OuterRef("pk"))
        .exclude(stage=Case.Stage.CLOSED)
        .values("worker_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    open_requests = Subquery(
        ResidentRequest.objects.filter(assignee_id=OuterRef("pk"), status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    designated = SocialWorkerProfile.objects.filter(
        user_id=OuterRef("pk"), designated_villages=item.region_id
    )
    workers = (
        User.objects.filter(
            is_active=True,
            role__in=(Role.SOCIAL_WORKER, Role.STATION_LEAD),
            station__is_active=True,
        )
        .filter(in_subtree("station__region_id", county))
        .select_related("station", "worker_profile")
        .annotate(
            designated=Exists(designated),
            experience=Coalesce(experience, 0) if domains else Value(0),
            open_cases=Coalesce(open_cases, 0),
            busy=Coalesce(open_requests, 0),
        )
    )
    township = item.region_id[:9]
    found: list[Suggestion] = []
    for w in workers:
        reasons, score = [], 0
        if w.designated:
            score += 40
            reasons.append(_("designated worker of %(village)s") % {"village": item.region.name})
        elif w.station.region_id.startswith(township):
            score += 25
            reasons.append(_("works at the township's station"))
        else:
            score += 10
            reasons.append(_("works in the same county"))
        if w.experience:
            score += min(20, 2 * w.experience)
            reasons.append(
                ngettext(
                    "%(n)d visit in this field in the last year",
                    "%(n)d visits in this field in the last year",
                    w.experience,
                )
                % {"n": w.experience}
            )
        profile = getattr(w, "worker_profile", None)
        if profile is not None and profile.qualification in QUALIFIED:
            score += 5
            reasons.append(profile.get_qualification_display())
        score -= 2 * w.open_cases + 3 * w.busy
        reasons.append(
            _("%(cases)d open cases, %(busy)d open requests")
            % {"cases": w.open_cases, "busy": w.busy}
        )
        found.append(
            Suggestion(
                party="worker",
                target=w.pk,
                label=w.display_name,
                station=w.station.name,
                score=score,
                reasons=tuple(str(r) for r in reasons),
            )
        )
    groups = Group.objects.filter(
        in_subtree("station__region_id", county),
        stage__in=(Group.Stage.PREPARATION, Group.Stage.FORMATION),
    ).select_related("station")
    if domains:
        groups = groups.filter(domain__in=domains)
    for g in groups.order_by("-pk")[:50]:
        near = g.station.region_id.startswith(township)
        found.append(
            Suggestion(
                party="group",
                target=g.pk,
                label=g.name,
                station=g.station.name,
                score=(20 if near else 5) + (10 if domains else 0),
                reasons=tuple(
                    str(r)
                    for r in (
                        _("a group open to members: %(target)s") % {"target": g.target},
                        _("at the township's station") if near else _("in the same county"),
                        g.get_domain_display(),
                    )
                ),
            )
        )
    found += _volunteers(item, user, township) + _organisations(item, user, county, township)
    found.sort(key=lambda s: (-s.score, s.party, s.target))
    return found if limit is None else found[:limit]


# a need's topic in words volunteers and organisations use for what they offer
TOPIC_WORDS = {
    Topic.ASSISTANCE: ("救助", "政策", "法律"),
    Topic.ELDERLY: ("老", "助餐", "理发", "陪伴", "医护", "探访"),
    Topic.CHILDREN: ("儿童", "课业", "辅导", "陪伴", "阅读"),
    Topic.DISABLED: ("残", "康复", "医护", "陪伴"),
    Topic.EMOTION: ("心理", "陪伴", "调解", "疏导"),
    Topic.COMMUNITY: ("调解", "议事", "巡逻", "环境"),
}


def _offers(text: str, topic: str) -> bool:
    return any(word in (text or "") for word in TOPIC_WORDS.get(topic, ()))


def _volunteers(item: ResidentRequest, user, township: str) -> list[Suggestion]:
    """The township's active volunteers (the need's village first, those whose skills
    fit the need next): at most the ten nearest, one query."""
    found = []
    pool = (
        Volunteer.objects.restrict(user)
        .filter(in_subtree("region_id", township), is_active=True)
        .select_related("region")
        .order_by("pk")[:300]
    )
    for v in pool:
        same = v.region_id == item.region_id
        fits = _offers(v.skills, item.topic)
        reasons = [
            _("lives in %(village)s") % {"village": v.region.name}
            if same
            else _("lives in the township")
        ]
        if v.skills:
            reasons.append(_("skills: %(skills)s") % {"skills": v.skills})
        if v.availability:
            reasons.append(_("available: %(when)s") % {"when": v.availability})
        score = (20 if same else 8) + (10 if fits else 0)
        found.append(
            Suggestion(
                party="volunteer",
                target=v.pk,
                label=f"{v.number} {v.name}",
                station=v.region.name,
                score=score,
                reasons=tuple(str(r) for r in reasons),
            )
        )
    found.sort(key=lambda s: -s.score)
    return found[:10]


def _organisations(item: ResidentRequest, user, county: str, township: str) -> list[Suggestion]:
    """The county's community organisations offering services (one query)."""
    found = []
    for org in (
        Organisation.objects.restrict(user)
        .filter(in_subtree("region_id", county))
        .exclude(services="")
        .select_related("station")
        .order_by("pk")[:100]
    ):
        near = org.region_id.startswith(township)
        fits = _offers(org.services, item.topic)
        reasons = [
            _("offers: %(services)s") % {"services": org.services},
            _("at the township's station") if near else _("in the same county"),
            org.get_stage_display(),
        ]
        found.append(
            Suggestion(
                party="organisation",
                target=org.pk,
                label=org.name,
                station=org.station.name,
                score=(15 if near else 5) + (10 if fits else 0),
                reasons=tuple(str(r) for r in reasons),
            )
        )
    return found


def match_list(*, user: AbstractBaseUser, filters: dict) -> QuerySet[Match]:
    """The matches ``user`` may see (through their needs), newest first."""
    qs = Match.objects.restrict(user).select_related(
        "request", "request__region", "worker", "group", "volunteer", "organisation", "confirmed_by"
    )
    if filters.get("party"):
        qs = qs.filter(party=filters["party"])
    if filters.get("region"):
        qs = qs.filter(in_subtree("request__region_id", filters["region"]))
    return qs.order_by("-confirmed_at", "-pk")


class Seconds(Func):
    """Seconds from the second datetime to the first, in SQL (SQLite and PostgreSQL)."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))",
            arg_joiner=" - ",
            **extra,
        )


def _in_period(code: str, period: Period) -> QuerySet[ResidentRequest]:
    """The requests about villages of ``code`` submitted in ``period`` (an index range)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(period.start, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(
        period.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    return ResidentRequest.objects.filter(
        in_subtree("region_id", code), submitted_at__gte=start, submitted_at__lt=end
    )


def requests_stock(*, code: str, period: Period) -> dict:
    """The indicators' counts of the requests submitted in ``period`` under ``code`` (one
    query): received; due (answered, or past the due date) and answered on time; answered
    and the seconds to answer; closed (or not accepted); rated and the ratings' sum;
    needs, matched, and the seconds to match."""
    today = timezone.localdate()
    answered = Q(responded_at__isnull=False)
    matched = Q(kind=Kind.NEED, matched_at__isnull=False)
    found = _in_period(code, period).aggregate(
        total=Count("pk"),
        due=Count("pk", filter=answered | Q(due_on__lt=today)),
        on_time=Count("pk", filter=answered & Q(responded_at__date__lte=F("due_on"))),
        answered=Count("pk", filter=answered),
        response_seconds=Sum(Seconds("responded_at", "submitted_at"), filter=answered),
        closed=Count("pk", filter=Q(status__in=(Status.CLOSED, Status.DECLINED))),
        rated=Count("pk", filter=Q(satisfaction__isnull=False)),
        satisfaction=Sum("satisfaction"),
        needs=Count("pk", filter=Q(kind=Kind.NEED)),
        matched=Count("pk", filter=matched),
        match_seconds=Sum(Seconds("matched_at", "submitted_at"), filter=matched),
    )
    return {k: v or 0 for k, v in found.items()}


WHICH = {
    "": Q(),
    "answered": Q(responded_at__isnull=False),
    "rated": Q(satisfaction__isnull=False),
    "needs": Q(kind=Kind.NEED),
    "matched": Q(kind=Kind.NEED, matched_at__isnull=False),
}


def request_rows(
    *, user: AbstractBaseUser, node: Region, period: Period, params: QueryDict
) -> Rows:
    """Drill-down ``requests``: the requests of the node and period behind a figure
    (``which``: due, answered, rated, needs, matched), through the user's restriction."""
    which = params.get("which", "")
    condition = WHICH.get(which, Q())
    if which == "due":
        condition = Q(responded_at__isnull=False) | Q(due_on__lt=timezone.localdate())
    qs = (
        _in_period(node.code, period)
        .filter(condition)
        .filter(pk__in=ResidentRequest.objects.restrict(user).values("pk"))
        .select_related("region", "station", "assignee")
        .order_by("-submitted_at", "-pk")
    )
    count = qs.count()
    return Rows(
        qs,
        RequestExporter,
        row_url("residents:detail"),
        _("Total: %(total)s requests") % {"total": count},
        count=count,
        personal=False,
    )


def _area(user: AbstractBaseUser) -> str | None:
    """Where ``user`` looks for resources: an officer's region; station staff's county."""
    if user.role in (Role.SOCIAL_WORKER, Role.STATION_LEAD) and user.station_id:
        return user.station.region_id[:6]
    if user.role in (Role.COUNTY_OFFICER, Role.CITY_OFFICER, Role.PROVINCE_OFFICER):
        return user.scope_region_id
    return None


def resource_list(*, user: AbstractBaseUser, filters: dict) -> QuerySet[User]:
    """资源清单: the social workers and station leads who could take a need (the county's,
    for station staff; the region's, for officers), with their designated villages,
    open cases and open requests; volunteers and community organisations join with the
    五社联动 registers."""
    area = _area(user)
    if not area:
        return User.objects.none()
    qs = User.objects.filter(
        in_subtree("station__region_id", area),
        is_active=True,
        role__in=(Role.SOCIAL_WORKER, Role.STATION_LEAD),
        station__is_active=True,
    )
    if filters.get("region"):
        qs = qs.filter(in_subtree("station__region_id", filters["region"]))
    open_cases = Subquery(
        Case.objects.filter(worker_id=OuterRef("pk"))
        .exclude(stage=Case.Stage.CLOSED)
        .values("worker_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    open_requests = Subquery(
        ResidentRequest.objects.filter(assignee_id=OuterRef("pk"), status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    villages = Subquery(
        SocialWorkerProfile.designated_villages.through.objects.filter(
            socialworkerprofile__user_id=OuterRef("pk")
        )
        .values("socialworkerprofile__user_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return (
        qs.select_related("station", "worker_profile")
        .annotate(
            open_cases=Coalesce(open_cases, 0),
            busy=Coalesce(open_requests, 0),
            villages=Coalesce(villages, 0),
        )
        .order_by("station__region_id", "station__name", "full_name", "pk")
    )


def project_list(*, user: AbstractBaseUser, filters: dict) -> QuerySet[Group]:
    """项目清单: the groups open to members (preparing or forming) that ``user`` may see."""
    qs = (
        Group.objects.restrict(user)
        .filter(stage__in=(Group.Stage.PREPARATION, Group.Stage.FORMATION))
        .select_related("station", "region")
    )
    if filters.get("region"):
        qs = qs.filter(in_subtree("region_id", filters["region"]))
    if filters.get("domain"):
        qs = qs.filter(domain=filters["domain"])
    return qs.order_by("-pk")
