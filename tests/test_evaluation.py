"""Issue #13: indicator trees, rounds and the spot check's draw, evaluators bound to their
stations, score sheets, publishing, appeals, rectification, instalments held, star
decisions and the five-star figure of a period.

Scores, grades, bands and the draw are checked against expectations written out here
(or computed here with the standard library), not read back from the code under test.
"""

import datetime
import io
import math
import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from shegong.accounts.roles import Role
from shegong.evaluation import scoring, selectors, services, trees
from shegong.evaluation.models import (
    Appeal,
    EvaluationAgency,
    Grade,
    Node,
    Rectification,
    Result,
    Round,
    Sheet,
    StarDecision,
    Tree,
)
from shegong.evaluation.seed import TITLE as SEED_TITLE
from shegong.indicators import compute
from shegong.indicators import periods as P
from shegong.purchase.models import Instalment
from shegong.regions.models import Region
from shegong.stations.models import Station

from .factories import PNG, StationFactory, UserFactory
from .test_purchase_access import add_purchases

TODAY = timezone.localdate()
YEAR = TODAY.year
D = Decimal


def seeded() -> Tree:
    return Tree.objects.get(region_code="43", year=2025, title=SEED_TITLE)


# ----- trees -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_seeded_tree_has_40_items_over_six_dimensions_summing_to_100(regions):
    tree = seeded()
    assert tree.is_published
    dims = list(tree.nodes.filter(level=1).order_by("seq"))
    assert [d.title for d in dims] == [
        "项目管理",
        "专业服务",
        "服务成效",
        "财务管理",
        "社会评价",
        "宣传与创新",
    ]
    assert [d.max_score for d in dims] == [D(20), D(30), D(20), D(15), D(10), D(5)]
    items = list(tree.nodes.filter(level=3))
    assert len(items) == 40
    assert sum(i.max_score for i in items) == D(100)
    for dim in dims:  # each dimension holds its items' sum
        assert sum(i.max_score for i in items if i.code.split(".")[0] == dim.code) == dim.max_score
    assert {i.metric for i in items if i.metric} >= {
        "professional_hours_share",
        "staff_per_station",
        "training_hours",
        "file_household",
        "money",
    }


def _sheet_bytes(rows, headers=("一级指标", "二级指标", "评分标准", "分值", "佐证材料")):
    book = Workbook()
    ws = book.active
    ws.append(["某市社工站评估指标"])
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_export_then_import_gives_the_same_tree(regions):
    tree = seeded()
    nodes = list(tree.nodes.order_by("seq"))
    from shegong.core.exporters import workbook_bytes
    from shegong.core.xlsx import read_lines

    content = workbook_bytes([trees.sheet(tree, nodes)])
    upload = SimpleUploadedFile("t.xlsx", content)
    parsed, problems = trees.parse(
        read_lines(upload, columns=trees.COLUMNS, marker="评分标准", required=trees.REQUIRED)
    )
    assert problems == []
    assert [(n.code, n.title, n.max_score) for n in parsed] == [
        (n.code, n.title, n.max_score) for n in nodes
    ]
    item = next(n for n in parsed if n.metric == "professional_hours_share")
    assert item.bands[0] == {"min": 60.0, "score": 4.0}


def test_city_officer_imports_a_tree_and_publishes_it(client, world):
    city = world.actors["city_officer"]
    client.force_login(city)
    content = _sheet_bytes(
        [
            ("管理（40分）", "制度", "制度健全：有考勤、档案制度", 20, "制度文本"),
            ("", "", "计划与月报按时", 20, "月报"),
            ("服务（60分）", "个案", "个案开案数", 30, "个案档案"),
            ("", "活动", "社区活动", 30, "签到表"),
        ]
    )
    response = client.post(
        reverse("evaluation:tree_create"),
        {
            "region_code": "4303",
            "year": YEAR,
            "title": "湘潭市社工站评估指标",
            "total": "100",
            "file": SimpleUploadedFile("t.xlsx", content),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    tree = Tree.objects.get(title="湘潭市社工站评估指标")
    assert tree.status == Tree.Status.DRAFT
    assert list(tree.nodes.filter(level=1).values_list("title", "max_score")) == [
        ("管理", D(40)),
        ("服务", D(60)),
    ]
    assert tree.nodes.filter(level=3).count() == 4
    assert client.post(reverse("evaluation:tree_publish", args=[tree.pk])).status_code == 302
    tree.refresh_from_db()
    assert tree.is_published
    # a published tree cannot change
    again = client.get(reverse("evaluation:tree_import", args=[tree.pk]))
    assert again.status_code == 302
    with pytest.raises(ValidationError):
        services.tree_import(
            by=city,
            instance=tree,
            data=services.TreeInput("4303", YEAR, "x", services.tree_lines(tree=tree)),
        )


def test_a_tree_whose_maxima_do_not_add_up_is_refused_and_names_where(client, world):
    client.force_login(world.actors["city_officer"])
    content = _sheet_bytes(
        [
            ("管理（40分）", "制度", "制度健全", 20, "制度文本"),
            ("", "", "计划与月报按时", 15, "月报"),
            ("服务（60分）", "个案", "个案开案数", 30, "个案档案"),
            ("", "活动", "社区活动", 30, "签到表"),
        ]
    )
    response = client.post(
        reverse("evaluation:tree_create"),
        {
            "region_code": "4303",
            "year": YEAR,
            "title": "坏的指标",
            "total": "100",
            "file": SimpleUploadedFile("t.xlsx", content),
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "“管理”下各项之和为 35，而非其 40" in text, text[:3000]
    assert not Tree.objects.filter(title="坏的指标").exists()
    # without maxima written in, the dimensions are their items' sums: 95, not 100
    content = _sheet_bytes(
        [("管理", "制度", "制度健全", 20, "制度文本"), ("服务", "个案", "个案开案数", 75, "档案")]
    )
    response = client.post(
        reverse("evaluation:tree_create"),
        {
            "region_code": "4303",
            "year": YEAR,
            "title": "坏的指标",
            "total": "100",
            "file": SimpleUploadedFile("t.xlsx", content),
        },
    )
    assert "一级指标之和为 95，而非 100" in response.content.decode()


def test_a_sheet_without_the_evaluators_columns_is_refused_in_words(client, world):
    client.force_login(world.actors["city_officer"])
    content = _sheet_bytes(
        [("管理", "制度", "制度健全", 20)], headers=("一级指标", "二级指标", "评分标准", "分值")
    )
    response = client.post(
        reverse("evaluation:tree_create"),
        {
            "region_code": "4303",
            "year": YEAR,
            "title": "缺列",
            "total": "100",
            "file": SimpleUploadedFile("t.xlsx", content),
        },
    )
    assert "缺少列：佐证材料" in response.content.decode()


@pytest.mark.parametrize(
    ("method", "options", "score", "ok"),
    [
        ("yes_no", [], D(3), True),
        ("yes_no", [], D(1), False),
        ("graded", [{"label": "a", "score": 3}, {"label": "b", "score": 1.5}], D("1.5"), True),
        ("graded", [{"label": "a", "score": 3}, {"label": "b", "score": 1.5}], D(2), False),
        ("combined", [{"label": "a", "score": 1}, {"label": "b", "score": 2}], D(2), True),
        ("combined", [{"label": "a", "score": 1}, {"label": "b", "score": 2}], D("2.5"), False),
        ("deduction", [{"label": "a", "score": 0.5}], D("2.5"), True),
        ("deduction", [], D(4), False),
    ],
)
def test_scores_an_items_method_allows(method, options, score, ok):
    assert (
        scoring.check_score(score, method=method, max_score=D(3), options=options) is None
    ) == ok


def test_bands_suggest_the_first_band_reached():
    bands = [{"min": 60, "score": 4}, {"min": 40, "score": 3}, {"min": 0, "score": 0}]
    assert scoring.suggest(D("61.2"), bands) == D(4)
    assert scoring.suggest(D(60), bands) == D(4)
    assert scoring.suggest(D("59.9"), bands) == D(3)
    assert scoring.suggest(D(0), bands) == D(0)
    assert scoring.suggest(None, bands) is None


@pytest.mark.parametrize(
    ("n", "share", "k"), [(10, 30, 3), (7, 30, 3), (1, 30, 1), (14, D("33.3"), 5)]
)
def test_the_draw_is_reproducible_from_its_seed(n, share, k):
    ids = list(range(100, 100 + n))
    drawn = scoring.draw(list(reversed(ids)), D(share), "abc123")
    assert len(drawn) == k == math.ceil(n * share / 100)
    assert drawn == random.Random("abc123").sample(sorted(ids), k)  # noqa: S311
    assert scoring.draw(ids, D(share), "abc123") == drawn


# ----- rounds, evaluators, sheets --------------------------------------------------------


def _more_stations(county: str, township_prefix: str, n: int) -> list[Station]:
    """Further township stations of a county (the fixture divisions hold one township a
    county, so further stations sit in made-up townships)."""
    out = []
    for i in range(2, 2 + n):
        code = f"{county}{i:03d}"
        Region.objects.get_or_create(
            code=code, defaults={"name": f"第{i}镇", "level": 4, "parent_id": county}
        )
        out.append(StationFactory(name=f"{township_prefix}{i}社工站", region_id=code))
    return out


def _round(world, *, kind=Round.Kind.FINAL, region="430302", **over):
    return services.round_record(
        by=world.actors["county_officer"] if len(region) == 6 else world.actors["city_officer"],
        data=services.RoundInput(
            region=region,
            year=over.pop("year", YEAR),
            kind=kind,
            title=over.pop("title", f"{YEAR} 年度评估"),
            tree=seeded().pk,
            opens_on=over.pop("opens_on", TODAY - datetime.timedelta(days=10)),
            closes_on=over.pop("closes_on", TODAY + datetime.timedelta(days=10)),
            **over,
        ),
    )


def test_a_spot_check_draws_at_least_30_percent_and_records_seed_and_draw(world):
    extra = _more_stations("430302", "雨湖", 9)
    rnd = _round(world, kind=Round.Kind.SPOT, sample_share=D(30), seed="xt2026")
    population = sorted([world.places["own"].station.pk, *[s.pk for s in extra]])
    expected = random.Random("xt2026").sample(population, 3)  # noqa: S311
    assert rnd.population == 10
    assert list(rnd.entries.order_by("draw_order").values_list("station_id", flat=True)) == expected
    with pytest.raises(ValidationError) as refused:
        _round(world, kind=Round.Kind.SPOT, sample_share=D(20), title="太少")
    assert "sample_share" in refused.value.message_dict
    # a final round takes every active township station of the county
    final = _round(world, title="末期")
    assert final.entries.count() == 10


def _agency(world, *evaluators):
    agency = EvaluationAgency.objects.create(
        name="湘潭评估中心", credit_code="52430300MJJ000111X", region_id="4303"
    )
    agency.members.set(evaluators)
    return agency


def _evaluator(name):
    return UserFactory(username=name, role=Role.EVALUATOR, scope_region_id="430302")


def test_an_evaluator_sees_only_their_assigned_stations_and_only_while_the_round_runs(
    client, world
):
    other = _more_stations("430302", "雨湖", 1)[0]
    rnd = _round(world)
    mine, theirs = _evaluator("eva_a"), _evaluator("eva_b")
    agency = _agency(world, mine, theirs)
    own = world.places["own"].station
    officer = world.actors["county_officer"]
    services.assignment_record(
        by=officer, round=rnd, data=services.AssignmentInput(own.pk, mine.pk, agency.pk)
    )
    services.assignment_record(
        by=officer, round=rnd, data=services.AssignmentInput(other.pk, theirs.pk, agency.pk)
    )
    client.force_login(mine)
    page = client.get(reverse("evaluation:round_detail", args=[rnd.pk]))
    assert page.status_code == 200
    assert own.name in page.content.decode() and other.name not in page.content.decode()
    opened = client.get(reverse("evaluation:round_station", args=[rnd.pk, own.pk]))
    assert opened.status_code == 302
    assert client.get(opened.url).status_code == 200
    assert (
        client.get(reverse("evaluation:round_station", args=[rnd.pk, other.pk])).status_code == 404
    )
    their_sheet = services.sheet_open(by=theirs, round=rnd, station=other)
    assert client.get(reverse("evaluation:sheet", args=[their_sheet.pk])).status_code == 404
    # once the round has closed the evaluator no longer sees it
    Round.objects.filter(pk=rnd.pk).update(closes_on=TODAY - datetime.timedelta(days=1))
    assert client.get(reverse("evaluation:round_detail", args=[rnd.pk])).status_code == 404
    assert client.get(opened.url).status_code == 404


def _items(rnd):
    return list(rnd.tree.nodes.filter(level=Node.Level.ITEM).order_by("seq"))


def _full_scores(rnd, *, low: set = frozenset(), comment="现场核查"):
    """A complete, valid score for every item: the maximum, or 0 for the items in ``low``."""
    lines = []
    for item in _items(rnd):
        score = D(0) if item.code in low else item.max_score
        lines.append(services.ScoreLine(item.pk, score, comment if item.code in low else ""))
    return tuple(lines)


def test_a_sheet_checks_each_score_against_its_method_and_locks_on_submit(world):
    rnd = _round(world)
    ev = _evaluator("eva_c")
    agency = _agency(world, ev)
    own = world.places["own"].station
    services.assignment_record(
        by=world.actors["county_officer"],
        round=rnd,
        data=services.AssignmentInput(own.pk, ev.pk, agency.pk),
    )
    sheet = services.sheet_open(by=ev, round=rnd, station=own)
    assert sheet.is_lead
    staff = Node.objects.get(tree=rnd.tree, title="驻站人员配备")  # yes/no, 3 points
    with pytest.raises(ValidationError) as refused:
        services.sheet_save(
            by=ev,
            instance=sheet,
            data=services.SheetInput((services.ScoreLine(staff.pk, D(2)),)),
        )
    assert refused.value.message_dict[f"score_{staff.pk}"] == ["此项只能评 0 或 3 分。"]
    sheet = services.sheet_save(
        by=ev, instance=sheet, data=services.SheetInput((services.ScoreLine(staff.pk, D(3)),))
    )
    assert sheet.total == D(3) and sheet.status == Sheet.Status.DRAFT
    with pytest.raises(ValidationError) as incomplete:
        services.sheet_save(by=ev, instance=sheet, data=services.SheetInput((), submit=True))
    assert len(incomplete.value.message_dict) == 39  # every other item
    # a low item needs a comment
    lines = _full_scores(rnd, low={"1.1.5"}, comment="")
    with pytest.raises(ValidationError) as uncommented:
        services.sheet_save(by=ev, instance=sheet, data=services.SheetInput(lines, submit=True))
    assert list(uncommented.value.message_dict) == [
        f"comment_{Node.objects.get(tree=rnd.tree, code='1.1.5').pk}"
    ]
    sheet = services.sheet_save(
        by=ev,
        instance=sheet,
        data=services.SheetInput(_full_scores(rnd, low={"1.1.5"}), submit=True),
    )
    assert sheet.status == Sheet.Status.SUBMITTED and sheet.total == D(99)
    with pytest.raises(PermissionDenied):
        services.sheet_save(by=ev, instance=sheet, data=services.SheetInput(()))


def test_the_sheet_page_shows_the_figure_and_the_suggested_score(client, world):
    rnd = _round(world)
    ev = _evaluator("eva_d")
    agency = _agency(world, ev)
    own = world.places["own"].station
    services.assignment_record(
        by=world.actors["county_officer"],
        round=rnd,
        data=services.AssignmentInput(own.pk, ev.pk, agency.pk),
    )
    sheet = services.sheet_open(by=ev, round=rnd, station=own)
    client.force_login(ev)
    page = client.get(reverse("evaluation:sheet", args=[sheet.pk])).content.decode()
    # 驻站人员配备 reads "township stations staffed 3–8" for the station's township: the
    # world's station has 4 active staff (a worker, a lead and the two station actors),
    # so 100 % and the band ≥100 → 3
    staff = own.staff.filter(is_active=True, role__in=("social_worker", "station_lead")).count()
    assert staff == 4
    figures = compute.figures(own.region, P.parse(str(YEAR)))
    assert figures["staff_per_station"][0] == D(100)
    assert 'data-testid="suggested-1.2.1">3<' in page
    assert 'data-testid="figure-2.1.1"' in page  # households visited, with a link to the records
    assert "/indicators/records/?metric=visit" in page
    # the evaluator scores with evidence through the page
    item = Node.objects.get(tree=rnd.tree, code="1.2.1")
    saved = client.post(
        reverse("evaluation:sheet", args=[sheet.pk]),
        {
            "idempotency_key": "a" * 32,
            "version": sheet.version,
            "action": "draft",
            f"score_{item.pk}": "0",
            f"comment_{item.pk}": "仅 2 名驻站社工",
            f"flagged_{item.pk}": "on",
            f"evidence_{item.pk}": SimpleUploadedFile("p.png", PNG, content_type="image/png"),
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:3000]
    sheet.refresh_from_db()
    assert sheet.scores.get(item=item).flagged
    evidence = sheet.evidence.get()
    assert client.get(reverse("evaluation:evidence", args=[evidence.pk])).status_code == 200
    client.force_login(world.actors["county_officer"])
    assert client.get(reverse("evaluation:evidence", args=[evidence.pk])).status_code == 200
    client.force_login(world.places["neighbour"].lead)
    assert client.get(reverse("evaluation:evidence", args=[evidence.pk])).status_code == 404


def _scored_round(world, *, low=frozenset(), kind=Round.Kind.FINAL, evaluators=1):
    rnd = _round(world, kind=kind)
    own = world.places["own"].station
    evs = [_evaluator(f"eva_{kind}_{i}") for i in range(evaluators)]
    agency = _agency(world, *evs)
    for i, ev in enumerate(evs):
        services.assignment_record(
            by=world.actors["county_officer"],
            round=rnd,
            data=services.AssignmentInput(own.pk, ev.pk, agency.pk, is_lead=i == 0),
        )
        sheet = services.sheet_open(by=ev, round=rnd, station=own)
        services.sheet_save(
            by=ev, instance=sheet, data=services.SheetInput(_full_scores(rnd, low=low), submit=True)
        )
    return rnd, evs


# the grade and star bands of the seeded rule sets (the model's defaults): excellent ≥ 90,
# good ≥ 80, pass ≥ 60; five stars ≥ 90, four ≥ 85, three ≥ 80, two ≥ 70, one ≥ 60
@pytest.mark.parametrize(
    ("low", "total", "grade", "stars"),
    [
        (set(), 100, Grade.EXCELLENT, 5),
        ({"2.1.1", "2.1.4", "2.2.1"}, 88, Grade.GOOD, 4),
        ({"2.1.1", "2.1.4", "2.2.1", "3.1.1", "3.1.2"}, 81, Grade.GOOD, 3),
        (
            {
                "1.2.1",
                "1.2.2",
                "2.1.1",
                "2.1.4",
                "2.2.1",
                "2.2.3",
                "3.1.1",
                "3.1.2",
                "4.1.1",
                "5.1.1",
            },
            64,
            Grade.PASS,
            1,
        ),
        (
            {
                "1.2.1",
                "1.2.2",
                "2.1.1",
                "2.1.4",
                "2.2.1",
                "2.2.3",
                "3.1.1",
                "3.1.2",
                "4.1.1",
                "5.1.1",
                "2.1.2",
                "2.1.3",
            },
            58,
            Grade.FAIL,
            None,
        ),
    ],
)
def test_publishing_grades_and_stars_by_the_rule_sets_bands(world, low, total, grade, stars):
    rnd, _evs = _scored_round(world, low=low)
    services.round_publish(by=world.actors["county_officer"], round=rnd)
    result = Result.objects.get(round=rnd)
    assert (result.score, result.grade, result.stars) == (D(total), grade, stars)
    # every low item became a rectification task of the station
    assert Rectification.objects.filter(result=result).count() == len(low)


def test_a_failed_final_holds_the_last_instalment_until_rectification_closes(client, world):
    add_purchases(world)
    own = world.places["own"]
    instalment = Instalment.objects.get(contract__stations=own.station)
    low = {
        "1.2.1",
        "1.2.2",
        "2.1.1",
        "2.1.4",
        "2.2.1",
        "2.2.3",
        "3.1.1",
        "3.1.2",
        "4.1.1",
        "5.1.1",
        "2.1.2",
        "2.1.3",
    }
    rnd, _evs = _scored_round(world, low=low)
    officer = world.actors["county_officer"]
    services.round_publish(by=officer, round=rnd)
    instalment.refresh_from_db()
    assert instalment.held_since == TODAY and "整改" in instalment.held_reason
    from shegong.purchase import services as purchase

    Instalment.objects.filter(pk=instalment.pk).update(condition_met_on=TODAY)
    instalment.refresh_from_db()
    with pytest.raises(ValidationError):
        purchase.instalment_pay(by=officer, instalment=instalment, paid_on=TODAY, amount=D(100))
    tasks = list(Rectification.objects.filter(result__round=rnd))
    assert len(tasks) == 12
    for n, task in enumerate(tasks):
        with pytest.raises(ValidationError):  # evidence is required
            services.rectification_submit(
                by=own.lead, instance=task, data=services.RectificationReport("已整改")
            )
        services.rectification_submit(
            by=own.lead,
            instance=task,
            data=services.RectificationReport(
                "已补充材料", ((SimpleUploadedFile("e.png", PNG), "png"),)
            ),
        )
        services.rectification_check(by=officer, task=task, accept=True)
        instalment.refresh_from_db()
        assert (instalment.held_since is None) == (n == len(tasks) - 1)
    purchase.instalment_pay(by=officer, instalment=instalment, paid_on=TODAY, amount=D(100))


def test_the_station_appeals_within_its_days_and_a_revised_score_regrades(world):
    rnd, _evs = _scored_round(world, low={"2.1.1", "2.1.4", "2.2.1"})
    officer = world.actors["county_officer"]
    services.round_publish(by=officer, round=rnd)
    result = Result.objects.get(round=rnd)
    own = world.places["own"]
    with pytest.raises(PermissionDenied):
        services.appeal_file(by=world.places["neighbour"].lead, result=result, reasons="理由" * 10)
    with pytest.raises(ValidationError):
        services.appeal_file(by=own.lead, result=result, reasons="短")
    appeal = services.appeal_file(
        by=own.lead, result=result, reasons="入户走访台账已补充，请复核。"
    )
    with pytest.raises(ValidationError):
        services.appeal_file(by=own.lead, result=result, reasons="再次申诉，请复核一下。")
    with pytest.raises(PermissionDenied):
        services.appeal_answer(by=own.lead, appeal=appeal, data=services.AnswerInput("upheld", "x"))
    services.appeal_answer(
        by=officer,
        appeal=appeal,
        data=services.AnswerInput(Appeal.Status.REVISED, "复核属实", D(92)),
    )
    result.refresh_from_db()
    assert (result.score, result.grade, result.stars) == (D(92), Grade.EXCELLENT, 5)
    # too late for another station's appeal
    Result.objects.filter(pk=result.pk).update(appeal_until=TODAY - datetime.timedelta(days=1))
    Appeal.objects.filter(pk=appeal.pk).delete()
    with pytest.raises(ValidationError):
        services.appeal_file(
            by=own.lead, result=Result.objects.get(pk=result.pk), reasons="逾期申诉，理由充分。"
        )


def test_two_evaluators_spread_shows_on_the_leads_sheet(client, world):
    rnd, evs = _scored_round(world, evaluators=2)
    lead_sheet = Sheet.objects.get(round=rnd, author=evs[0])
    assert lead_sheet.is_lead
    client.force_login(world.actors["county_officer"])
    page = client.get(reverse("evaluation:sheet", args=[lead_sheet.pk])).content.decode()
    assert 'data-testid="spread"' in page and 'data-testid="item-spread"' in page


# ----- stars -----------------------------------------------------------------------------


def test_a_rating_is_a_decision_the_city_approves_and_the_station_field_follows(world):
    rnd, _evs = _scored_round(world, low={"2.1.1", "2.1.4", "2.2.1"})  # 88: four stars
    county, city = world.actors["county_officer"], world.actors["city_officer"]
    services.round_publish(by=county, round=rnd)
    result = Result.objects.get(round=rnd)
    own = world.places["own"].station
    with pytest.raises(ValidationError) as too_many:
        services.star_propose(by=county, data=services.StarInput(own.pk, 5, result.pk))
    assert "stars" in too_many.value.message_dict
    with pytest.raises(PermissionDenied):
        services.star_propose(by=city, data=services.StarInput(own.pk, 4, result.pk))
    decision = services.star_propose(by=county, data=services.StarInput(own.pk, 4, result.pk))
    assert not decision.needs_province
    with pytest.raises(PermissionDenied):
        services.star_decide(
            by=world.actors["province_officer"],
            decision=decision,
            data=services.StarDecisionInput(True, TODAY),
        )
    services.star_decide(by=city, decision=decision, data=services.StarDecisionInput(True, TODAY))
    own.refresh_from_db()
    assert (own.star_rating, own.star_rated_on) == (4, TODAY)
    with pytest.raises(ValidationError) as refused:  # not after the day it began
        services.star_revoke(by=city, decision=decision, on=TODAY, note="投诉属实")
    assert "on" in refused.value.message_dict
    # a rating that began earlier is revoked from today: the station's field clears, and
    # the history keeps both days
    StarDecision.objects.filter(pk=decision.pk).update(
        valid_from=TODAY - datetime.timedelta(days=30)
    )
    decision.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.star_revoke(by=county, decision=decision, on=TODAY, note="投诉属实")
    services.star_revoke(by=city, decision=decision, on=TODAY, note="明察暗访不合格")
    own.refresh_from_db()
    assert own.star_rating is None
    decision.refresh_from_db()
    assert (decision.status, decision.ended_on) == (StarDecision.Status.REVOKED, TODAY)
    from shegong.evaluation.selectors import stars_in_force

    assert stars_in_force(code="430302", on=TODAY - datetime.timedelta(days=1)) == {own.pk: 4}
    assert stars_in_force(code="430302", on=TODAY) == {}


def test_five_stars_need_the_province_and_the_five_star_share_follows_the_period(world):
    county, city, province = (
        world.actors["county_officer"],
        world.actors["city_officer"],
        world.actors["province_officer"],
    )
    own = world.places["own"].station
    last_year = datetime.date(YEAR - 1, 12, 31)
    decision = services.star_propose(
        by=county, data=services.StarInput(own.pk, 5, None, "省级示范站复评")
    )
    assert decision.needs_province
    services.star_decide(by=city, decision=decision, data=services.StarDecisionInput(True, TODAY))
    decision.refresh_from_db()
    assert decision.status == StarDecision.Status.CITY_APPROVED
    own.refresh_from_db()
    assert own.star_rating is None  # not in force until the province decides
    with pytest.raises(PermissionDenied):
        services.star_decide(
            by=city, decision=decision, data=services.StarDecisionInput(True, TODAY)
        )
    services.star_decide(
        by=province,
        decision=decision,
        data=services.StarDecisionInput(True, datetime.date(YEAR, 1, 1)),
    )
    own.refresh_from_db()
    assert own.star_rating == 5
    county_node = Region.objects.get(code="430302")

    def share(period_key):
        from django.core.cache import cache

        cache.clear()
        board = compute.compute(county_node, P.parse(period_key))
        value = next(v for v in board.ruled if v.spec.code == "five_star_share")
        return value.value

    # the county's one township station: five stars this year, none last year
    assert share(str(YEAR)) == D(100)
    assert share(str(last_year.year)) == D(0)


def test_the_station_star_field_cannot_be_typed_any_more(client, world):
    client.force_login(world.actors["county_officer"])
    own = world.places["own"].station
    page = client.get(reverse("stations:edit", args=[own.pk])).content.decode()
    assert 'name="star_rating"' not in page


# ----- summaries -------------------------------------------------------------------------


def test_the_city_sees_which_counties_sent_their_summary_and_which_are_overdue(client, world):
    county = world.actors["county_officer"]
    client.force_login(county)
    sent = client.post(reverse("evaluation:summaries"), {"year": YEAR, "text": "全年评估情况……"})
    assert sent.status_code == 302
    client.force_login(world.actors["city_officer"])
    page = client.get(reverse("evaluation:summaries")).content.decode()
    assert 'data-county="430302"' in page and 'data-county="430304"' in page
    due = datetime.date(YEAR, 11, 30)
    overdue = TODAY > due
    row = page.split('data-county="430304"')[0].rsplit("<tr", 1)[1]
    assert ("table-danger" in row) == overdue


@pytest.mark.parametrize("shared_cache", [False, True])
def test_the_home_pages_late_summaries_are_the_overdue_rows_of_the_summaries_page(
    client, world, settings, shared_cache
):
    """The to-do's count (``summaries_late``, from codes alone) agrees with the rows the
    summaries page marks overdue: none on the day it is due, every county that has not
    sent one the day after; with the rule sets from the query or from the shared cache."""
    settings.SHEGONG_SHARED_CACHE = shared_cache
    client.force_login(world.actors["county_officer"])
    sent = client.post(reverse("evaluation:summaries"), {"year": YEAR, "text": "全年评估情况……"})
    assert sent.status_code == 302
    due = datetime.date(YEAR, 11, 30)
    for role in ("city_officer", "province_officer"):
        officer = world.actors[role]
        counties = Region.objects.filter(code__startswith=officer.scope_region_id, level=3)
        assert counties.filter(code="430302").exists() and counties.count() > 1
        on_the_day = selectors.to_do(user=officer, today=due)
        after = selectors.to_do(user=officer, today=due + datetime.timedelta(days=1))
        assert on_the_day["summaries_late"] == 0
        assert after["summaries_late"] == counties.count() - 1  # all but the one sent
        if TODAY > due:  # the page's own rows, read today
            rows = selectors.summaries_due(user=officer, year=YEAR)
            assert after["summaries_late"] == sum(r["overdue"] for r in rows)


def test_the_round_summary_workbook_has_every_item_and_the_county_average(client, world):
    rnd, _evs = _scored_round(world, low={"2.1.1"})
    services.round_publish(by=world.actors["county_officer"], round=rnd)
    client.force_login(world.actors["city_officer"])
    response = client.get(reverse("evaluation:round_summary", args=[rnd.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    stations, counties = book.worksheets
    header = [c.value for c in stations[3]]
    assert len(header) == 2 + 40 + 3
    row = [c.value for c in stations[4]]
    assert row[1] == world.places["own"].station.name and row[-3] == 96
    county_row = [c.value for c in counties[4]]
    assert county_row[:4] == ["430302", "雨湖区", 1, 96]


def test_a_published_final_confirms_the_instalments_waiting_for_it_unless_failed(world):
    add_purchases(world)
    own = world.places["own"]
    contract = own.contract
    due = Instalment.objects.create(
        contract=contract, seq=2, condition="final_evaluation", amount=D(50)
    )
    rnd, _evs = _scored_round(world)  # 100: excellent
    services.round_publish(by=world.actors["county_officer"], round=rnd)
    due.refresh_from_db()
    assert due.condition_met_on == TODAY and due.held_since is None


def test_a_failed_final_neither_confirms_the_instalment_nor_lets_it_be_paid(world):
    add_purchases(world)
    due = Instalment.objects.create(
        contract=world.places["own"].contract, seq=2, condition="final_evaluation", amount=D(50)
    )
    low = {
        "1.2.1",
        "1.2.2",
        "2.1.1",
        "2.1.4",
        "2.2.1",
        "2.2.3",
        "3.1.1",
        "3.1.2",
        "4.1.1",
        "5.1.1",
        "2.1.2",
        "2.1.3",
    }
    failed, _evs = _scored_round(world, low=low)
    services.round_publish(by=world.actors["county_officer"], round=failed)
    due.refresh_from_db()
    assert due.condition_met_on is None and due.held_since == TODAY


def test_a_score_cleared_on_the_page_is_cleared_and_a_stale_save_is_refused(client, world):
    rnd = _round(world)
    ev = _evaluator("eva_clear")
    agency = _agency(world, ev)
    own = world.places["own"].station
    services.assignment_record(
        by=world.actors["county_officer"],
        round=rnd,
        data=services.AssignmentInput(own.pk, ev.pk, agency.pk),
    )
    sheet = services.sheet_open(by=ev, round=rnd, station=own)
    item = Node.objects.get(tree=rnd.tree, code="1.1.1")  # combined: 1 + 1
    client.force_login(ev)
    url = reverse("evaluation:sheet", args=[sheet.pk])
    form = {"action": "draft", f"score_{item.pk}": "2", "idempotency_key": "b" * 32}
    assert client.post(url, {**form, "version": 1}).status_code == 302
    assert sheet.scores.get(item=item).score == D(2)
    # a second tab still at version 1 is told, and nothing it typed is lost
    stale = client.post(
        url, {**form, f"score_{item.pk}": "1", "version": 1, "idempotency_key": "c" * 32}
    )
    assert stale.status_code == 409
    assert sheet.scores.get(item=item).score == D(2)
    cleared = client.post(
        url, {"action": "draft", f"score_{item.pk}": "", "version": 2, "idempotency_key": "d" * 32}
    )
    assert cleared.status_code == 302
    assert sheet.scores.get(item=item).score is None
    sheet.refresh_from_db()
    assert sheet.total == D(0)


def test_a_phone_scores_through_the_api_with_the_sheets_version(client, world):
    rnd = _round(world)
    ev = _evaluator("eva_api")
    agency = _agency(world, ev)
    own = world.places["own"].station
    services.assignment_record(
        by=world.actors["county_officer"],
        round=rnd,
        data=services.AssignmentInput(own.pk, ev.pk, agency.pk),
    )
    sheet = services.sheet_open(by=ev, round=rnd, station=own)
    staff = Node.objects.get(tree=rnd.tree, code="1.2.1")  # yes/no, 3
    client.force_login(ev)
    url = f"/api/score-sheets/{sheet.pk}"
    read = client.get(url).json()
    assert read["version"] == 1 and read["scores"] == []
    bad = client.post(
        url,
        {"scores": [{"item": staff.pk, "score": "2"}], "version": 1},
        content_type="application/json",
    )
    assert bad.status_code == 422 and f"score_{staff.pk}" in bad.json()["errors"]
    ok = client.post(
        url,
        {"scores": [{"item": staff.pk, "score": "3", "comment": "5 名驻站社工"}], "version": 1},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="phone-1",
    )
    assert ok.status_code == 201, ok.content
    again = client.post(  # the same retry answers with the first result
        url,
        {"scores": [{"item": staff.pk, "score": "3", "comment": "5 名驻站社工"}], "version": 1},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="phone-1",
    )
    assert again.status_code == 200 and again.json()["replayed"]
    stale = client.post(
        url,
        {"scores": [{"item": staff.pk, "score": "0"}], "version": 1},
        content_type="application/json",
    )
    assert stale.status_code == 409
    now = client.get(url).json()
    assert now["version"] == 2 and now["total"] in ("3.0", "3", 3, 3.0)
    assert [s["score"] for s in now["scores"]] in (["3.0"], ["3"], [3.0])
