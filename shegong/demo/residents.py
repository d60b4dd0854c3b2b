"""The demo's residents' requests: three months of needs, suggestions, complaints and
reports in 湘潭, routed as the public form routes them; the older ones answered and
closed, most rated, a few declined, some recent ones still waiting and overdue."""

import datetime
import logging
import random

from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from shegong.core.divisions import in_subtree
from shegong.inbox.services import notify
from shegong.regions.models import Level, Region
from shegong.residents.models import Kind, Match, ResidentRequest, Status, Topic
from shegong.residents.services import (
    CODE_ALPHABET,
    add_working_days,
    requests_escalate,
    route,
)
from shegong.work.models import Group, HomeVisit

SEED = 20261215
CITY = "4303"
HOME = "430302001"
TEXTS = {
    Kind.NEED: [
        "家中老人独居，腿脚不便，希望社工定期上门看看。",
        "孩子父母在外打工，孩子最近不愿上学，想请社工帮忙。",
        "家里有残疾人，想了解能申请哪些补贴。",
        "刚办了低保，想问问还有哪些政策可以享受。",
        "母亲患病后情绪低落，家里人不知道怎么开导。",
    ],
    Kind.SUGGESTION: [
        "建议社工站周末也安排人值班。",
        "希望多组织一些老年人的健康讲座。",
    ],
    Kind.COMPLAINT: [
        "上班时间去社工站经常没人。",
        "反映的问题一个多月没有回音。",
    ],
    Kind.REPORT: ["有人冒充社工上门推销保健品。"],
}
TOPICS = {
    Kind.NEED: [Topic.ELDERLY, Topic.CHILDREN, Topic.DISABLED, Topic.ASSISTANCE, Topic.EMOTION],
    Kind.SUGGESTION: [Topic.SERVICE, Topic.ELDERLY],
    Kind.COMPLAINT: [Topic.SERVICE, Topic.SERVICE],
    Kind.REPORT: [Topic.OTHER],
}
REPLIES = [
    "已上门走访，了解了具体情况。",
    "已链接居家养老服务，每周上门一次。",
    "已协助申请临时救助，正在审批。",
    "已纳入个案跟进，社工每两周回访。",
]


def demo_residents_load(*, today: datetime.date | None = None) -> dict[str, int]:
    """About three requests per township of 湘潭 over 90 days; none if any exist."""
    if ResidentRequest.objects.exists():
        return {"resident requests": 0}
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    villages = list(
        Region.objects.filter(level=Level.VILLAGE, code__startswith=CITY).order_by("code")
    )
    rows, when = [], []
    codes: set[str] = set()
    # every village of the demo logins' township (雨湖路街道), and a sample of the rest
    home = [v for v in villages if v.code.startswith(HOME)]
    others = [v for v in villages if not v.code.startswith(HOME)]
    chosen = home + rng.sample(others, min(len(others), 200))
    for n, village in enumerate(chosen):
        if n < len(home):  # at home: needs, a suggestion, and a complaint for 雨湖区
            kind = [Kind.NEED, Kind.COMPLAINT, Kind.NEED, Kind.SUGGESTION][n % 4]
        else:
            kind = rng.choices(list(TEXTS), weights=[70, 10, 15, 5])[0]
        station, assignee = route(village=village, kind=kind)
        if assignee is None:
            continue
        age = rng.randint(0, 90)
        day = today - datetime.timedelta(days=age)
        submitted = timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(rng.randint(8, 20), rng.randint(0, 59)))
        )
        due = add_working_days(day=day, n=3)
        item = ResidentRequest(
            kind=kind,
            topic=rng.choice(TOPICS[kind]),
            region=village,
            station=station,
            assignee=assignee,
            description=rng.choice(TEXTS[kind]),
            contact_name=rng.choice("张王李刘陈杨黄赵周吴")
            + rng.choice(["女士", "先生", "阿姨", "大爷"]),
            contact_phone=f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
            due_on=due,
            consent_text="2026-12",
        )
        item.phone_last4 = item.contact_phone[-4:]
        while True:
            code = "".join(rng.choice(CODE_ALPHABET) for _ in range(10))
            if code not in codes:
                codes.add(code)
                break
        item.code = code
        late = rng.random() < 0.15  # answered late, or (recently) not yet at all
        if age <= 4 or (late and age <= 14):
            item.status = Status.SUBMITTED  # waiting; overdue once past its due date
        else:
            answered = submitted + datetime.timedelta(
                days=rng.randint(4, 8) if late else rng.randint(0, 2), hours=rng.randint(1, 6)
            )
            item.responded_at, item.responded_by = answered, assignee
            if rng.random() < 0.06:
                item.status, item.closed_at = Status.DECLINED, answered
                item.reply = "不属于社工站服务范围，已转村委会办理。"
            elif age > 20 and rng.random() < 0.85:
                item.status = Status.CLOSED
                item.closed_at = answered + datetime.timedelta(days=rng.randint(3, 15))
                item.reply = rng.choice(REPLIES)
                if rng.random() < 0.7:
                    item.satisfaction = rng.choices([5, 4, 3, 2, 1], weights=[50, 30, 12, 5, 3])[0]
            else:
                item.status, item.reply = Status.ACCEPTED, "已受理，社工将尽快上门。"
        rows.append(item)
        when.append(submitted)
    ResidentRequest.objects.bulk_create(rows, batch_size=500)
    for item, submitted in zip(rows, when, strict=True):  # auto_now_add set them to now
        ResidentRequest.objects.filter(code=item.code).update(submitted_at=submitted)
    matched = _match(rng, today)
    # written at once (the demo has no task worker running yet), without a log line each
    quiet = logging.getLogger("django_tasks")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        with override_settings(TASKS=IMMEDIATE):
            _tell_assignees()
            escalated = requests_escalate(today=today)
    finally:
        quiet.setLevel(level)
    return {"resident requests": len(rows), "matched": matched, "escalated": escalated}


IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _match(rng: random.Random, today: datetime.date) -> int:
    """Most answered needs matched to the worker who took them (a few to an open group of
    the station instead), some a day or two after the first response; the closed ones
    linked to a visit made in their village when there is one."""
    visits = dict(
        HomeVisit.objects.filter(in_subtree("region_id", CITY), voided_at__isnull=True)
        .order_by("region_id", "-date")
        .values_list("region_id", "pk")
    )
    groups = {}
    for g in Group.objects.filter(
        in_subtree("region_id", CITY),
        stage__in=(Group.Stage.PREPARATION, Group.Stage.FORMATION),
    ).order_by("pk"):
        groups.setdefault(g.station_id, g)
    needs = ResidentRequest.objects.filter(
        kind=Kind.NEED, status__in=(Status.ACCEPTED, Status.CLOSED), assignee__isnull=False
    ).order_by("pk")
    matches, n = [], 0
    for item in needs:
        if rng.random() > 0.75:
            continue  # answered without a match (advice, a referral elsewhere)
        when = item.responded_at + datetime.timedelta(hours=rng.randint(0, 40))
        group = groups.get(item.station_id) if rng.random() < 0.15 else None
        matches.append(
            Match(
                request=item,
                party=Match.Party.GROUP if group else Match.Party.WORKER,
                worker=None if group else item.assignee,
                group=group,
                reasons="定点联系社工；同一乡镇社工站" if not group else "本站开放报名的小组",
                confirmed_by=item.assignee,
            )
        )
        fields = {"matched_at": when}
        if item.status == Status.CLOSED and item.region_id in visits:
            fields["visit_id"] = visits[item.region_id]
        ResidentRequest.objects.filter(pk=item.pk).update(**fields)
        n += 1
    Match.objects.bulk_create(matches, batch_size=500)
    for m in Match.objects.select_related("request"):
        Match.objects.filter(pk=m.pk).update(confirmed_at=m.request.matched_at)
    return n


def _tell_assignees() -> None:
    """A notification for each request still waiting, to whoever it is assigned to."""
    waiting = ResidentRequest.objects.filter(
        status=Status.SUBMITTED, assignee__isnull=False
    ).select_related("region")
    for item in waiting:
        notify(
            users=[item.assignee_id],
            event="request.assigned",
            subject=f"{item.code} · {item.get_kind_display()} · {item.region.name}",
            url=reverse("residents:detail", args=[item.pk]),
            key=f"request:{item.pk}:assigned",
        )
