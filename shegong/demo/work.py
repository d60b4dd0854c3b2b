"""A year of station work for the demo stations: people, households, visits, cases at every
stage, groups with sessions, activities with resources, administrative time and training.

Deterministic and idempotent: a station that already has people is left alone.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.audit.services import audit_log
from shegong.core.validators import id_check_char
from shegong.indicators.rebuild import rebuild_facts
from shegong.people.identity import id_fields, name_initials
from shegong.people.models import Category, Household, Recipient, RecipientCategory
from shegong.regions.models import Region
from shegong.stations.models import Station
from shegong.work.models import (
    DOMAIN_OF_GROUP,
    TYPE_OF_DOMAIN,
    Activity,
    ActivityResource,
    AdminWork,
    Case,
    CaseEntry,
    CaseEvent,
    CaseGoal,
    Domain,
    Group,
    GroupSession,
    HomeVisit,
    LongDay,
    ServiceType,
)
from shegong.workforce.models import TrainingRecord

from .province import GIVEN, SURNAMES

SEED = 20261123
SITUATIONS = [
    "独居，行动不便，需要生活照料",
    "子女外出务工，老人留守",
    "低保家庭，孩子上学困难",
    "残疾人家庭，需要康复辅具",
    "家庭关系紧张，需要调解",
    "空巢老人，情绪低落",
    "困境儿童，监护不到位",
    "刚出院，需要照护支持",
]
NEEDS = ["助餐服务", "康复辅具", "心理疏导", "政策咨询", "就业帮扶", "学业辅导", "临时救助申请指引"]
ACTIVITIES = [
    ("重阳敬老活动", Domain.ELDERLY, ServiceType.CARE),
    ("防诈骗宣传", Domain.GOVERNANCE, ServiceType.POLICY),
    ("暑期儿童安全课堂", Domain.CHILDREN, ServiceType.CAPACITY),
    ("社会救助政策宣讲", Domain.ASSISTANCE, ServiceType.POLICY),
    ("邻里节", Domain.GOVERNANCE, ServiceType.INTEGRATION),
    ("困难群众慰问", Domain.ASSISTANCE, ServiceType.RESOURCES),
    ("老年人健康义诊", Domain.ELDERLY, ServiceType.CARE),
    ("四点半课堂", Domain.CHILDREN, ServiceType.CAPACITY),
]
GROUPS = [
    ("银龄互助小组", Group.Nature.SUPPORT, "老年人"),
    ("留守儿童成长小组", Group.Nature.GROWTH, "留守儿童"),
    ("照顾者减压小组", Group.Nature.SUPPORT, "残疾人照顾者"),
    ("社区骨干能力提升小组", Group.Nature.EDUCATION, "社区志愿者"),
]
# each group's service domain and type
GROUP_KINDS = {
    "银龄互助小组": (Domain.ELDERLY, ServiceType.SPIRIT),
    "留守儿童成长小组": (Domain.CHILDREN, ServiceType.CAPACITY),
    "照顾者减压小组": (Domain.AFFAIRS, ServiceType.EMOTION),
    "社区骨干能力提升小组": (Domain.GOVERNANCE, ServiceType.CAPACITY),
}


CATEGORY_CODES = {
    "elder": [
        "elder_empty_nest",
        "elder_alone",
        "elder_left_behind",
        "elder_semi_disabled",
        "dibao",
        "tekun",
    ],
    "child": ["child_left_behind", "child_difficulty", "orphan"],
    "adult": ["dibao", "dibao_edge", "disabled", "temp_relief", "migrant"],
}


def _domain_of(groups: set) -> str:
    """The service domain of a person's services (the migration's rule, ``DOMAIN_OF_GROUP``)."""
    for group, domain in DOMAIN_OF_GROUP.items():
        if group in groups:
            return domain
    return Domain.GOVERNANCE


def _name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _day(rng, start: datetime.date, end: datetime.date) -> datetime.date:
    return datetime.date.fromordinal(rng.randint(start.toordinal(), end.toordinal()))


class _Ids:
    def __init__(self):
        self.used: set[str] = set()

    def make(self, rng, county: str, birth: datetime.date, sex: str) -> str:
        while True:
            seq = rng.randint(1, 998)
            if (seq % 2 == 1) != (sex == "M"):
                seq += 1
            first17 = f"{county}{birth:%Y%m%d}{seq:03d}"
            number = first17 + id_check_char(first17)
            if number not in self.used:
                self.used.add(number)
                return number


def _links(model, field: str, pairs) -> None:
    """Many-to-many rows (owner, target) written in one statement per batch."""
    m2m = model._meta.get_field(field)
    through = m2m.remote_field.through
    src, dst = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
    through.objects.bulk_create(
        [through(**{f"{src}_id": a.pk, f"{dst}_id": b.pk}) for a, b in pairs], batch_size=2000
    )


@dataclass
class _Station:
    """One station's context while its year of work is made up."""

    station: Station
    staff: list[User]
    villages: list[str]
    lead: User
    county: str
    start: datetime.date
    today: datetime.date
    rng: random.Random
    people: list[Recipient] = field(default_factory=list)
    # where services happen and what was voided: drawn apart from ``rng``, so the rest of
    # the demo stays as it was
    place: random.Random = field(default_factory=random.Random)
    voided: list = field(default_factory=list)


@transaction.atomic
def demo_work_load(*, today: datetime.date | None = None) -> dict[str, int]:
    """A year of work for every demo township station that has none yet (a few thousand
    statements for a province: every kind of record is written in bulk)."""
    began = timezone.now()
    today = today or timezone.localdate()
    start = today - datetime.timedelta(days=364)
    rng = random.Random(SEED)
    ids = _Ids()
    categories = {c.code: c for c in Category.objects.all()}
    stations = list(
        Station.objects.filter(tier=Station.Tier.TOWNSHIP)
        .select_related("region")
        .order_by("region_id")
    )
    done = set(Recipient.objects.values_list("region__parent_id", flat=True).distinct())
    staff_by_station: dict[int, list[User]] = {}
    for u in User.objects.filter(station__in=stations, is_active=True).order_by("username"):
        staff_by_station.setdefault(u.station_id, []).append(u)
    villages_by_township: dict[str, list[str]] = {}
    for code, parent in Region.objects.filter(
        level=5, parent_id__in=[s.region_id for s in stations]
    ).values_list("code", "parent_id"):
        villages_by_township.setdefault(parent, []).append(code)
    county_officers = {
        u.scope_region_id: u
        for u in User.objects.filter(role=Role.COUNTY_OFFICER, is_active=True).order_by("pk")
    }
    counts = dict.fromkeys(
        ["recipients", "visits", "cases", "groups", "sessions", "activities", "admin", "training"],
        0,
    )
    for station in stations:
        rng.seed(f"{SEED}-{station.region_id}")
        if station.region_id in done:
            continue
        staff = staff_by_station.get(station.pk, [])
        villages = villages_by_township.get(station.region_id, [])
        if not staff or not villages:
            continue
        lead = next((u for u in staff if u.role == Role.STATION_LEAD), staff[0])
        ctx = _Station(station, staff, villages, lead, station.region_id[:6], start, today, rng)
        ctx.place.seed(f"{SEED}-place-{station.region_id}")
        counts["recipients"] += _people(ctx, ids, categories)
        counts["visits"] += _visits(ctx)
        counts["cases"] += _cases(ctx, county_officers.get(ctx.county))
        groups, sessions = _groups(ctx)
        counts["groups"] += groups
        counts["sessions"] += sessions
        counts["activities"] += _activities(ctx)
        admin, training = _admin_and_training(ctx)
        counts["admin"] += admin
        counts["training"] += training
    counts["facts"] = 0
    if counts["recipients"]:
        _spread_registration_dates(began, start, today)
        counts["facts"] = rebuild_facts()
    return counts


def _people(ctx: _Station, ids: _Ids, categories: dict) -> int:
    """15–30 households of 1–4 people, each with one or two categories."""
    rng, start, today = ctx.rng, ctx.start, ctx.today
    households: list[Household] = []
    heads: list[tuple[Household, Recipient]] = []
    links: list[RecipientCategory] = []
    for _h in range(rng.randint(15, 30)):
        village = rng.choice(ctx.villages)
        household = Household(
            region_id=village, address=f"{rng.randint(1, 80)}组{rng.randint(1, 40)}号"
        )
        households.append(household)
        kind = rng.choices(["elder", "child", "adult"], weights=[50, 20, 30])[0]
        members = 1 if kind == "elder" and rng.random() < 0.5 else rng.randint(2, 4)
        for m in range(members):
            role_kind = kind if m == 0 else rng.choice(["adult", "child", "elder"])
            birth = {
                "elder": _day(rng, datetime.date(1935, 1, 1), datetime.date(1960, 12, 31)),
                "child": _day(rng, datetime.date(2010, 1, 1), datetime.date(2021, 12, 31)),
                "adult": _day(rng, datetime.date(1966, 1, 1), datetime.date(2000, 12, 31)),
            }[role_kind]
            sex = rng.choice("MF")
            number = ids.make(rng, ctx.county, birth, sex)
            name = _name(rng)
            minor = role_kind == "child"
            person = Recipient(
                name=name,
                name_initials=name_initials(name),
                id_number=number,
                sex=sex,
                birth_date=birth,
                phone="" if minor else f"1{rng.choice('35789')}{rng.randint(100000000, 999999999)}",
                address=household.address,
                region_id=village,
                household=household,
                relation=Recipient.Relation.HEAD
                if m == 0
                else rng.choice(["spouse", "child", "parent", "grandchild"]),
                self_care=rng.choices(["full", "partial", "none"], weights=[60, 30, 10])[0],
                guardian_name=_name(rng) if minor else "",
                guardian_relation="母亲" if minor else "",
                consent=rng.choice(["oral", "written"]),
                consent_date=_day(rng, start, today),
                consent_giver="guardian" if minor else "self",
                created_by=rng.choice(ctx.staff),
                **id_fields(number),
            )
            ctx.people.append(person)
            if m == 0:
                heads.append((household, person))
            chosen = rng.sample(CATEGORY_CODES[role_kind], rng.randint(1, 2))
            person.demo_domain = _domain_of({categories[c].group for c in chosen})
            for code in chosen:
                detail = (
                    {
                        "disability_type": rng.choice(["physical", "visual", "intellectual"]),
                        "disability_grade": rng.randint(1, 4),
                    }
                    if code == "disabled"
                    else {}
                )
                links.append(
                    RecipientCategory(
                        recipient=person, category=categories[code], since=start, **detail
                    )
                )
    Household.objects.bulk_create(households)
    Recipient.objects.bulk_create(ctx.people)
    for household, person in heads:
        household.head = person
    Household.objects.bulk_update(households, ["head"])
    RecipientCategory.objects.bulk_create(links)
    return len(ctx.people)


def _visits(ctx: _Station) -> int:
    """Each worker visits several times a month."""
    rng = ctx.rng
    heads = [p for p in ctx.people if p.relation == Recipient.Relation.HEAD]
    visits, workers_of = [], []
    for _v in range(rng.randint(60, 110)):
        person = rng.choice(heads)
        date = _day(rng, ctx.start, ctx.today)
        workers = rng.sample(ctx.staff, min(len(ctx.staff), rng.choice((1, 1, 2))))
        h = Decimal(rng.choice(["0.5", "1", "1", "1.5", "2"]))
        visits.append(
            HomeVisit(
                station=ctx.station,
                region_id=person.region_id,
                created_by=workers[0],
                date=date,
                household=person.household,
                recipient=person,
                hours=h,
                domain=person.demo_domain,
                service_type=TYPE_OF_DOMAIN.get(person.demo_domain, "resources"),
                situation=rng.choice(SITUATIONS),
                needs=rng.choice(NEEDS),
                follow_up="持续跟进",
            )
        )
        workers_of.append(workers)
    HomeVisit.objects.bulk_create(visits)
    _links(
        HomeVisit, "workers", [(v, w) for v, ws in zip(visits, workers_of, strict=True) for w in ws]
    )
    _void_some(ctx, HomeVisit, visits, "visit", ["重复登记", "走访对象登记错误，已重新登记"])
    return len(visits)


def _void_some(ctx: _Station, model, rows: list, entity: str, reasons: list[str]) -> None:
    """A few records voided by whoever recorded them, with a reason (作废), audited as the
    page would: they stay in the lists, marked, and out of the figures."""
    chosen = [r for r in rows if ctx.place.random() < 0.04]
    for row in chosen:
        row.voided_at = timezone.now()
        row.voided_by = row.created_by
        row.void_reason = ctx.place.choice(reasons)
        row.version = 2
    model.objects.bulk_update(chosen, ["voided_at", "voided_by", "void_reason", "version"])
    for row in chosen:
        audit_log(
            action=f"shegong.{entity}.voided",
            actor=row.voided_by,
            obj=row,
            data={"record": str(row), "date": f"{row.date:%Y-%m-%d}", "reason": row.void_reason},
        )


def _cases(ctx: _Station, county_officer: User | None) -> int:
    """Cases at every stage; nobody approves their own case (a lead's own case is approved
    by the county officer, where the demo has one: 雨湖区, 岳塘区; elsewhere a worker takes
    it)."""
    rng, staff, lead, today = ctx.rng, ctx.staff, ctx.lead, ctx.today
    cases, events, goals, entries = [], [], [], []
    for n in range(rng.randint(2, 5)):
        person = rng.choice(ctx.people)
        worker = rng.choice(staff)
        approver = county_officer if worker == lead else lead
        if approver is None:
            worker = next((u for u in staff if u != lead), worker)
            approver = lead if worker != lead else None
        opened = _day(rng, ctx.start, today - datetime.timedelta(days=30))
        stage = rng.choice(list(Case.Stage.values))
        case = Case(
            station=ctx.station,
            region_id=person.region_id,
            created_by=worker,
            worker=worker,
            number=f"GA{ctx.station.region_id}{opened:%Y}{n + 1:04d}",
            recipient=person,
            opened_on=opened,
            source=rng.choice(list(Case.Source.values)),
            domain=person.demo_domain,
            service_type=TYPE_OF_DOMAIN.get(person.demo_domain, "resources"),
            presenting_problem=rng.choice(SITUATIONS),
            stage=stage,
            needs_summary=rng.choice(NEEDS) if stage != "intake" else "",
        )
        cases.append(case)
        events.append(CaseEvent(case=case, by=worker, kind="opened"))
        if stage == "planning" and worker == lead:
            # a lead's plan waiting for the county officer's approval
            case.plan_submitted_at = timezone.now()
            case.agreement_signed_on = opened + datetime.timedelta(days=3)
            case.agreement_signed_by = person.name
            goals.append(CaseGoal(case=case, text=rng.choice(NEEDS)))
        elif stage == "planning":
            # a worker's plan waiting for the station lead (the lead's to-do); no draw from
            # the generator, so the rest of the demo stays as it was
            case.plan_submitted_at = timezone.now()
            case.agreement_signed_on = opened + datetime.timedelta(days=3)
            case.agreement_signed_by = person.name
            goals.append(CaseGoal(case=case, text=NEEDS[0]))
        if stage in ("intervention", "evaluation", "closed"):
            case.plan_submitted_at = timezone.now()
            case.plan_approved_by = approver
            case.plan_approved_at = timezone.now()
            case.agreement_signed_on = opened + datetime.timedelta(days=3)
            case.agreement_signed_by = person.name
            achieved = "met" if stage == "closed" else ""
            goals.append(CaseGoal(case=case, text=rng.choice(NEEDS), achieved=achieved))
            for _e in range(rng.randint(2, 6)):
                d = _day(rng, opened, today)
                h = Decimal(rng.choice(["1", "1.5", "2"]))
                at_station = ctx.place.random() < 0.3  # some interviews are at the station
                entries.append(
                    CaseEntry(
                        case=case,
                        date=d,
                        worker=worker,
                        hours=h,
                        in_village=not at_station,
                        content="站内面谈" if at_station else "入户跟进服务",
                    )
                )
        if stage == "closed":
            case.closure_reason, case.closure_summary = "goals_met", "目标达成"
            case.closure_requested_at, case.closure_approved_by = timezone.now(), approver
            case.closed_on = min(today, opened + datetime.timedelta(days=rng.randint(30, 200)))
    Case.objects.bulk_create(cases)
    CaseEvent.objects.bulk_create(events)
    CaseGoal.objects.bulk_create(goals)
    CaseEntry.objects.bulk_create(entries)
    return len(cases)


def _groups(ctx: _Station) -> tuple[int, int]:
    """One or two groups, each with four to six weekly sessions and their attendance."""
    rng, staff, people, today = ctx.rng, ctx.staff, ctx.people, ctx.today
    groups, sessions = [], []
    group_workers, group_members, attendance = [], [], []
    for g in range(rng.randint(1, 2)):
        title, nature, target = rng.choice(GROUPS)
        members = rng.sample(people, min(len(people), rng.randint(6, 10)))
        group = Group(
            station=ctx.station,
            region_id=ctx.station.region_id,
            created_by=ctx.lead,
            number=f"XZ{ctx.station.region_id}{today:%Y}{g + 1:04d}",
            name=title,
            nature=nature,
            domain=GROUP_KINDS[title][0],
            service_type=GROUP_KINDS[title][1],
            goals="增强互助与社会支持",
            target=target,
            planned_sessions=6,
            stage=rng.choice([Group.Stage.MATURITY, Group.Stage.ENDING]),
            closing_evaluation="组员互助网络形成",
        )
        groups.append(group)
        group_workers += [(group, w) for w in rng.sample(staff, min(2, len(staff)))]
        group_members += [(group, m) for m in members]
        first = _day(rng, ctx.start, today - datetime.timedelta(days=60))
        for s in range(rng.randint(4, 6)):
            d = min(today, first + datetime.timedelta(days=7 * s))
            session = GroupSession(
                group=group,
                number=s + 1,
                date=d,
                hours=Decimal("1.5"),
                others_count=rng.randint(0, 3),
                record="按计划开展",
                in_village=ctx.place.random() < 0.4,  # most sessions meet at the station
                created_by=group.created_by,
            )
            sessions.append(session)
            came = rng.sample(members, max(1, len(members) - rng.randint(0, 3)))
            attendance += [(session, p) for p in came]
    Group.objects.bulk_create(groups)
    _links(Group, "workers", group_workers)
    _links(Group, "members", group_members)
    GroupSession.objects.bulk_create(sessions)
    _links(GroupSession, "attendees", attendance)
    return len(groups), len(sessions)


def _activities(ctx: _Station) -> int:
    """Six to fourteen community activities, some with resources linked."""
    rng = ctx.rng
    activities, workers_of, participants, resources = [], [], [], []
    for _a in range(rng.randint(6, 14)):
        title, domain, service = rng.choice(ACTIVITIES)
        d = _day(rng, ctx.start, ctx.today)
        village = rng.choice(ctx.villages)
        workers = rng.sample(ctx.staff, min(len(ctx.staff), rng.randint(1, 3)))
        if ctx.place.random() < 0.35:  # held at the township station, not in a village
            village = ctx.station.region_id
        activity = Activity(
            station=ctx.station,
            region_id=village,
            created_by=workers[0],
            title=title,
            domain=domain,
            service_type=service,
            date=d,
            hours=Decimal(rng.choice(["2", "3", "4"])),
            participants_count=rng.randint(15, 120),
            volunteers_count=rng.randint(0, 12),
        )
        activities.append(activity)
        workers_of += [(activity, w) for w in workers]
        came = rng.sample(ctx.people, min(len(ctx.people), rng.randint(0, 5)))
        participants += [(activity, p) for p in came]
        if rng.random() < 0.4:
            resources.append(
                ActivityResource(
                    activity=activity,
                    kind=rng.choice(["money", "in_kind"]),
                    description="爱心企业",
                    value=Decimal(rng.randint(2, 60) * 100),
                )
            )
    Activity.objects.bulk_create(activities)
    _links(Activity, "workers", workers_of)
    _links(Activity, "participants", participants)
    ActivityResource.objects.bulk_create(resources)
    return len(activities)


def _admin_and_training(ctx: _Station) -> tuple[int, int]:
    """Each worker's administrative time and the training and supervision they received."""
    rng = ctx.rng
    admin, training = [], []
    tasks = [t for t in AdminWork.Task.values if t not in AdminWork.NEGATIVE]
    for worker in ctx.staff:
        for _w in range(rng.randint(8, 20)):
            d = _day(rng, ctx.start, ctx.today)
            task = rng.choice(tasks)
            h = Decimal(rng.choice(["1", "2", "3", "4"]))
            # household checks (家计调查、对象排查) and policy publicity are often done in
            # the villages; the rest at the township
            in_village = task in ("checks", "policy") and ctx.place.random() < 0.6
            admin.append(
                AdminWork(
                    station=ctx.station,
                    region_id=ctx.place.choice(ctx.villages)
                    if in_village
                    else ctx.station.region_id,
                    in_village=in_village,
                    created_by=worker,
                    worker=worker,
                    date=d,
                    task=task,
                    hours=h,
                )
            )
        for _t in range(rng.randint(3, 8)):
            training.append(
                TrainingRecord(
                    worker=worker,
                    kind=rng.choice(["training", "supervision"]),
                    date=_day(rng, ctx.start, ctx.today),
                    hours=Decimal(rng.choice(["2", "3", "4", "6"])),
                    organiser=rng.choice(["city", "county", "agency"]),
                    topic=rng.choice(
                        ["个案管理", "小组工作技巧", "社会救助政策", "儿童保护", "督导会"]
                    ),
                    supervisor=_name(rng),
                    region_code=worker.scope_region_id,
                    created_by=ctx.lead,
                )
            )
    long_days = []
    if ctx.staff and rng.random() < 0.4:  # a flood watch: a long day, with its reason
        worker = rng.choice(ctx.staff)
        d = _day(rng, ctx.start, ctx.today)
        admin.append(
            AdminWork(
                station=ctx.station,
                region_id=ctx.station.region_id,
                created_by=worker,
                worker=worker,
                date=d,
                task=AdminWork.Task.CHECKS,
                hours=Decimal(13),
                description="汛期防汛值守，协助转移独居老人",
            )
        )
        reason = rng.choice(["防汛值守", "汛期转移安置群众", "低保年审集中入户"])
        long_days.append(LongDay(worker=worker, date=d, reason=reason, created_by=worker))
    AdminWork.objects.bulk_create(admin)
    _void_some(ctx, AdminWork, admin, "admin_work", ["日期填错，已重新登记", "重复登记"])
    TrainingRecord.objects.bulk_create(training)
    LongDay.objects.bulk_create(long_days, ignore_conflicts=True)
    return len(admin), len(training)


def _spread_registration_dates(began, start: datetime.date, today: datetime.date) -> None:
    """Registration dates spread over the year, as a real roster would have them."""
    when = random.Random(f"{SEED}-dates")
    for model in (Recipient, Household, Group):
        rows = list(model.objects.filter(created_at__gte=began).order_by("pk").only("pk"))
        for row in rows:
            day = _day(when, start, today)
            row.created_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
        model.objects.bulk_update(rows, ["created_at"], batch_size=2000)
