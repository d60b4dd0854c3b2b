"""The evaluation cycle for the demo city 湘潭: two third-party evaluation agencies with
their evaluators; the 2025 service year finished (self-assessment, mid-term and final
rounds of every county, results published, a few appeals answered, rectification tasks
closed, open and overdue, ratings decided by the city and, for five stars, the
province); the counties' 2025 summaries (one overdue); and the current year in progress
(a final round of 雨湖区 with 赵老师 (``pinggu``) scoring, a city spot check of 30 %).

Ratings typed before the evaluation app are carried into decisions first, as the
migration does for a live system. Deterministic; skipped when rounds exist already.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.core.divisions import in_subtree
from shegong.evaluation import services
from shegong.evaluation.models import (
    Appeal,
    Assignment,
    CountySummary,
    EvaluationAgency,
    Node,
    Rectification,
    Result,
    Round,
    RoundStation,
    Score,
    Sheet,
    StarDecision,
    Tree,
)
from shegong.evaluation.seed import TITLE
from shegong.indicators.compute import rule_set_for
from shegong.regions.models import Region
from shegong.stations.models import Station

from .province import DEMO_PASSWORD, GIVEN, SURNAMES

SEED = 20261130
CITY = "4303"
EVALUATORS = [  # (username, agency index, name)
    ("pinggu", 0, "第三方评估 赵老师"),
    ("pg_qian", 0, "钱评估师"),
    ("pg_sun", 1, "孙评估师"),
    ("pg_li", 1, "李评估师"),
]
AGENCIES = [
    ("湘潭市社会工作评估中心", "52430300MJY0000010"),
    ("湖南知行评估咨询有限公司", "91430300MA4L000012"),
]


def _officer(code: str) -> User:
    for scope in (code[:6], code[:4], code[:2]):
        user = (
            User.objects.filter(
                scope_region_id=scope,
                role__in=(Role.COUNTY_OFFICER, Role.CITY_OFFICER, Role.PROVINCE_OFFICER),
                is_active=True,
            )
            .order_by("pk")
            .first()
        )
        if user:
            return user
    raise RuntimeError(f"no officer for {code}")


def _credit(base: str) -> str:
    from shegong.core.validators import credit_code_check_char

    return base[:17] + credit_code_check_char(base[:17])


def demo_evaluation_load(*, today: datetime.date | None = None) -> dict[str, int]:
    """The evaluation cycle of 湘潭 (see the module); counts written."""
    if Round.objects.exists() or not Station.objects.filter(in_subtree("region_id", CITY)).exists():
        return {"rounds": 0}
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    with transaction.atomic():
        carried = _carry_ratings()
        agencies, evaluators = _agencies(rng)
        counts = _finished_year(rng, today.year - 1, agencies, evaluators)
        counts.update(_current_year(rng, today, agencies, evaluators))
        counts["ratings carried over"] = carried
    return counts


def _carry_ratings() -> int:
    """The demo's stations were rated before the system: those ratings, as decisions."""
    rows = list(
        Station.objects.filter(star_rating__isnull=False)
        .exclude(star_decisions__isnull=False)
        .values_list("pk", "region_id", "star_rating", "star_rated_on")
    )
    StarDecision.objects.bulk_create(
        StarDecision(
            station_id=pk,
            region_id=region,
            stars=stars,
            status=StarDecision.Status.VALID,
            basis="系统启用前评定",
            valid_from=rated_on or datetime.date(2023, 1, 1),
        )
        for pk, region, stars, rated_on in rows
    )
    return len(rows)


def _agencies(rng) -> tuple[list[EvaluationAgency], dict[str, User]]:
    agencies = [
        EvaluationAgency.objects.create(
            name=name,
            credit_code=_credit(code),
            region_id=CITY,
            contact_person=f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}",
            phone=f"0731-5{rng.randint(1000000, 9999999)}",
        )
        for name, code in AGENCIES
    ]
    evaluators = {}
    for username, index, full_name in EVALUATORS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=full_name, role=Role.EVALUATOR)
            user.scope_region_id = CITY
            user.set_password(DEMO_PASSWORD)
            user.save()
        agencies[index].members.add(user)
        evaluators[username] = user
    return agencies, evaluators


def _quality(rng, stations) -> dict[int, float]:
    """How good each station is (the share of each item's maximum it tends to reach)."""
    return {s.pk: min(0.99, max(0.45, rng.gauss(0.82, 0.1))) for s in stations}


def _item_score(rng, item: Node, quality: float) -> Decimal:
    """A score the item's method allows, near ``quality`` of its maximum."""
    top = item.max_score
    if item.method == "yes_no":
        return top if rng.random() < quality + 0.08 else Decimal(0)
    if item.method in ("graded", "combined") and item.options:
        from shegong.evaluation.scoring import subset_sums

        allowed = sorted(
            {Decimal(str(o["score"])) for o in item.options}
            if item.method == "graded"
            else subset_sums([Decimal(str(o["score"])) for o in item.options])
        )
        target = top * Decimal(str(quality + rng.uniform(-0.12, 0.12)))
        return min(allowed, key=lambda v: abs(v - target))
    raw = top * Decimal(str(quality + rng.uniform(-0.15, 0.1)))
    return max(Decimal(0), min(top, raw.quantize(Decimal("0.5"))))


def _sheet(round_, station, author, kind, items, scores: dict, *, lead=True, submitted=True):
    sheet = Sheet.objects.create(
        round=round_,
        station=station,
        region_id=station.region_id,
        author=author,
        kind=kind,
        is_lead=lead,
        status=Sheet.Status.SUBMITTED if submitted else Sheet.Status.DRAFT,
        submitted_at=timezone.now() if submitted else None,
        total=sum(scores.values(), Decimal(0)),
    )
    Score.objects.bulk_create(
        Score(
            sheet=sheet,
            item=item,
            score=scores[item.pk],
            comment=""
            if scores[item.pk] * 100 >= item.max_score * 60
            else "材料不全，现场核查不达标",
        )
        for item in items
        if item.pk in scores
    )
    return sheet


def _finished_year(rng, year: int, agencies, evaluators) -> dict[str, int]:
    tree = Tree.objects.get(region_code="43", year=2025, title=TITLE)
    items = list(tree.nodes.filter(level=Node.Level.ITEM).order_by("seq"))
    counties = list(Region.objects.filter(level=3, parent_id=CITY).order_by("code"))
    names = list(evaluators)
    counts = {"rounds": 0, "sheets": 0, "results": 0, "appeals": 0, "rectifications": 0}
    finals: list[Result] = []
    for c_index, county in enumerate(counties):
        stations = list(
            Station.objects.filter(
                in_subtree("region_id", county.code), tier=Station.Tier.TOWNSHIP, is_active=True
            ).order_by("region_id")
        )
        if not stations:
            continue
        officer = _officer(county.code)
        quality = _quality(rng, stations)
        leads = {
            s.pk: User.objects.filter(station=s, role=Role.STATION_LEAD).first() for s in stations
        }
        for kind, opens, closes in (
            (Round.Kind.SELF, (6, 1), (6, 20)),
            (Round.Kind.MID, (7, 1), (7, 31)),
            (Round.Kind.FINAL, (11, 1), (11, 25)),
        ):
            rnd = Round.objects.create(
                region=county,
                year=year,
                kind=kind,
                title=f"{county.name}{year}年度社工站{Round.Kind(kind).label}",
                tree=tree,
                opens_on=datetime.date(year, *opens),
                closes_on=datetime.date(year, *closes),
                appeal_days=7,
                created_by=officer,
                population=len(stations),
            )
            RoundStation.objects.bulk_create(
                RoundStation(round=rnd, station=s, draw_order=n) for n, s in enumerate(stations, 1)
            )
            counts["rounds"] += 1
            lead_sheets = {}
            for n, station in enumerate(stations):
                drift = {Round.Kind.SELF: 0.06, Round.Kind.MID: -0.03, Round.Kind.FINAL: 0.0}[kind]
                q = min(0.99, quality[station.pk] + drift)
                scores = {i.pk: _item_score(rng, i, q) for i in items}
                if kind == Round.Kind.SELF:
                    author = leads[station.pk] or officer
                    lead_sheets[station.pk] = _sheet(
                        rnd, station, author, Sheet.Kind.SELF, items, scores, lead=False
                    )
                    counts["sheets"] += 1
                    continue
                agency = agencies[(c_index + n) % 2]
                pair = [u for u in names if evaluators[u] in agency.members.all()]
                lead_user = evaluators[pair[n % len(pair)]]
                Assignment.objects.create(
                    round=rnd, station=station, evaluator=lead_user, agency=agency, is_lead=True
                )
                lead_sheets[station.pk] = _sheet(
                    rnd, station, lead_user, Sheet.Kind.EVALUATOR, items, scores
                )
                counts["sheets"] += 1
                if kind == Round.Kind.FINAL and n % 3 == 0:  # a second evaluator, a little apart
                    second = evaluators[pair[(n + 1) % len(pair)]]
                    Assignment.objects.create(
                        round=rnd, station=station, evaluator=second, agency=agency
                    )
                    other = {
                        k: _item_score(rng, next(i for i in items if i.pk == k), q) for k in scores
                    }
                    _sheet(rnd, station, second, Sheet.Kind.EVALUATOR, items, other, lead=False)
                    counts["sheets"] += 1
            results = _publish(rnd, stations, lead_sheets, items)
            counts["results"] += len(results)
            if kind == Round.Kind.FINAL:
                finals += results
                counts["rectifications"] += _rectify(rng, rnd, results, officer, year)
                counts["appeals"] += _appeals(rng, results, leads, officer)
    counts["star decisions"] = _stars(rng, finals, year)
    counts["summaries"] = _summaries(counties[:-1], year)
    return counts


def _publish(rnd, stations, sheets, items) -> list[Result]:
    rule_set = rule_set_for(rnd.region_id, rnd.year)
    published = timezone.make_aware(
        datetime.datetime.combine(rnd.closes_on + datetime.timedelta(days=3), datetime.time(10))
    )
    results = Result.objects.bulk_create(
        Result(
            round=rnd,
            station=s,
            region_id=s.region_id,
            sheet=sheets[s.pk],
            score=sheets[s.pk].total,
            grade=rule_set.grade_for(sheets[s.pk].total),
            stars=rule_set.stars_for(sheets[s.pk].total),
            appeal_until=published.date() + datetime.timedelta(days=rnd.appeal_days),
            published_at=published,
        )
        for s in stations
    )
    Round.objects.filter(pk=rnd.pk).update(status=Round.Status.PUBLISHED, published_at=published)
    return results


def _rectify(rng, rnd, results, officer, year) -> int:
    """Tasks for the final round's low items: most closed, a few reported, a few overdue."""
    low = Score.objects.filter(sheet__in=[r.sheet_id for r in results]).select_related("item")
    by_sheet: dict[int, list] = {}
    for row in low:
        if row.score * 100 < row.item.max_score * rnd.rectify_below:
            by_sheet.setdefault(row.sheet_id, []).append(row)
    made = 0
    for result in results:
        for row in by_sheet.get(result.sheet_id, [])[:3]:
            fate = rng.random()
            deadline = (
                datetime.date(year, 12, 28) if fate < 0.85 else datetime.date(year + 1, 11, 20)
            )
            closed = fate < 0.7
            Rectification.objects.create(
                result=result,
                station_id=result.station_id,
                region_id=result.region_id,
                item=row.item,
                problem=f"{row.item.title}：得 {row.score.normalize():f} 分（满分 {row.item.max_score.normalize():f}）。{row.comment}",
                owner=Rectification.Owner.STATION,
                deadline=deadline,
                status=Rectification.Status.CLOSED
                if closed
                else (Rectification.Status.SUBMITTED if fate < 0.78 else Rectification.Status.OPEN),
                report="已补齐台账并召开整改会议。" if fate < 0.78 else "",
                submitted_at=timezone.now() if fate < 0.78 else None,
                closed_by=officer if closed else None,
                closed_on=datetime.date(year, 12, 20) if closed else None,
            )
            made += 1
    return made


def _appeals(rng, results, leads, officer) -> int:
    """Two stations of the county appeal; one is revised up, one stands."""
    made = 0
    for n, result in enumerate(sorted(results, key=lambda r: r.score)[:2]):
        lead = leads.get(result.station_id)
        if lead is None:
            continue
        revised = n == 0
        Appeal.objects.create(
            result=result,
            region_id=result.region_id,
            reasons="评估当天部分台账在县总站备档，未能现场提供，现已补交，请予复核。",
            filed_by=lead,
            status=Appeal.Status.REVISED if revised else Appeal.Status.UPHELD,
            answer="经复核，补交台账属实，相应项目予以调分。"
            if revised
            else "经复核，评分依据充分，维持原结果。",
            revised_score=result.score + 4 if revised else None,
            answered_by=officer,
            answered_at=result.published_at + datetime.timedelta(days=5),
        )
        if revised:
            rule_set = rule_set_for(result.region_id, result.round.year)
            result.score += 4
            result.grade, result.stars = (
                rule_set.grade_for(result.score),
                rule_set.stars_for(result.score),
            )
            result.save(update_fields=["score", "grade", "stars"])
        made += 1
    return made


def _stars(rng, finals, year) -> int:
    """The counties propose the stars their final results reach (three and up); the city
    approves, the province approves five; valid from 15 January. A few stay proposed."""
    made = 0
    city = _officer(CITY)
    province = _officer("43")
    valid_from = datetime.date(year + 1, 1, 15)
    for result in finals:
        if not result.stars or result.stars < 3:
            continue
        county = _officer(result.region_id[:6])
        pending = rng.random() < 0.1
        five = result.stars == 5
        decision = StarDecision(
            station_id=result.station_id,
            region_id=result.region_id,
            stars=result.stars,
            result=result,
            basis=f"{result.round.title}：{result.score.normalize():f} 分",
            needs_province=five,
            proposed_by=county,
        )
        if pending:
            decision.status = StarDecision.Status.PROPOSED
        else:
            decision.status = StarDecision.Status.VALID
            decision.approved_by, decision.approved_at = city, timezone.now()
            decision.province_by = province if five else None
            decision.valid_from = valid_from
        decision.save()
        if not pending:
            StarDecision.objects.filter(
                station_id=result.station_id,
                status=StarDecision.Status.VALID,
                ended_on__isnull=True,
            ).exclude(pk=decision.pk).update(ended_on=valid_from)
        made += 1
    services.stars_refresh(station_ids=sorted({r.station_id for r in finals}))
    return made


def _summaries(counties, year) -> int:
    for county in counties:
        CountySummary.objects.create(
            region=county,
            year=year,
            text=(
                f"{county.name}{year}年度社工站评估工作总结：完成自评、中期、末期评估，"
                "发布结果并跟踪整改；星级提名已报市局。"
            ),
            submitted_by=_officer(county.code),
            submitted_on=datetime.date(year, 11, 28),
        )
    return len(counties)


def _current_year(rng, today, agencies, evaluators) -> dict[str, int]:
    """This year's tree (the province's, copied and published), a final round of 雨湖区
    running with 赵老师 scoring, and a 30 % spot check of the city."""
    province = _officer("43")
    seed = Tree.objects.get(region_code="43", year=2025, title=TITLE)
    tree = services.tree_copy(
        by=province, tree=seed, year=today.year, title=TITLE.replace("2025", str(today.year))
    )
    services.tree_publish(by=province, tree=tree)
    county = Region.objects.filter(parent_id=CITY, level=3).order_by("code").first()
    officer = _officer(county.code)
    final = services.round_record(
        by=officer,
        data=services.RoundInput(
            region=county.code,
            year=today.year,
            kind=Round.Kind.FINAL,
            title=f"{county.name}{today.year}年度社工站末期评估",
            tree=tree.pk,
            opens_on=today - datetime.timedelta(days=15),
            closes_on=today + datetime.timedelta(days=20),
        ),
    )
    items = list(tree.nodes.filter(level=Node.Level.ITEM).order_by("seq"))
    stations = list(final.stations.order_by("region_id"))
    pinggu = evaluators["pinggu"]
    for n, station in enumerate(stations):
        who = pinggu if n < 4 else evaluators["pg_qian"]
        services.assignment_record(
            by=officer,
            round=final,
            data=services.AssignmentInput(station.pk, who.pk, agencies[0].pk, is_lead=True),
        )
        if n in (1, 2):  # 赵老师 has started two sheets; the second is nearly done
            scores = {i.pk: _item_score(rng, i, 0.85) for i in items[: 12 if n == 1 else 36]}
            sheet = services.sheet_open(by=who, round=final, station=station)
            Score.objects.bulk_create(
                Score(sheet=sheet, item_id=k, score=v) for k, v in scores.items()
            )
            Sheet.objects.filter(pk=sheet.pk).update(total=sum(scores.values(), Decimal(0)))
        if n >= 4 and n % 2 == 0:  # 钱评估师 has submitted some
            scores = {i.pk: _item_score(rng, i, 0.8) for i in items}
            _sheet(final, station, who, Sheet.Kind.EVALUATOR, items, scores)
    city = _officer(CITY)
    spot = services.round_record(
        by=city,
        data=services.RoundInput(
            region=CITY,
            year=today.year,
            kind=Round.Kind.SPOT,
            title=f"湘潭市{today.year}年社工站明察暗访",
            tree=tree.pk,
            opens_on=today - datetime.timedelta(days=5),
            closes_on=today + datetime.timedelta(days=25),
            sample_share=Decimal(30),
            seed=f"xiangtan-{today.year}",
        ),
    )
    for station in spot.stations.order_by("region_id")[:6]:
        services.assignment_record(
            by=city,
            round=spot,
            data=services.AssignmentInput(station.pk, evaluators["pg_sun"].pk, agencies[1].pk),
        )
    return {"rounds this year": 2, "spot-check stations": spot.entries.count()}
