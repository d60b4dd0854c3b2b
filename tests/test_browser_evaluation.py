"""Issue #13, done-when walk in Chromium, as new users would try it:

- the city officer imports an indicator tree from Excel and publishes it;
- the county officer opens a final round of 雨湖区 and a 30 % spot check, and assigns an
  evaluator of an evaluation agency;
- the evaluator, on a phone, sees only the station assigned to them (the other one is
  404), reads the automatic suggestion, scores every item with evidence and submits;
- the county publishes; the station lead appeals and reports the rectification with a
  photo; the county answers the appeal and closes the rectification;
- the county proposes five stars, the city approves, the province too (the rule set
  says so), and the dashboard's five-star share of the year changes.
"""

import io
import re

import pytest
from django.utils import timezone
from openpyxl import Workbook

from shegong.accounts.roles import Role
from shegong.evaluation.models import EvaluationAgency

from .conftest import build_world
from .factories import PNG, StationFactory, UserFactory, make_credit_code
from .test_browser import browser  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 812}
DESK = {"width": 1280, "height": 900}
YEAR = timezone.localdate().year
TODAY = timezone.localdate()


@pytest.fixture
def browser_world(regions):
    world = build_world()
    own = world.places["own"]
    own.second = StationFactory(name="城正街社工站", region_id="430302002", agency=own.agency)
    agency = EvaluationAgency.objects.create(
        name="湘潭评估中心", credit_code=make_credit_code(77, "430300"), region_id="4303"
    )
    world.evaluator = UserFactory(
        username="zhao_eval", role=Role.EVALUATOR, scope_region_id="4303", full_name="赵评估"
    )
    world.second_evaluator = UserFactory(
        username="qian_eval", role=Role.EVALUATOR, scope_region_id="4303", full_name="钱评估"
    )
    agency.members.add(world.evaluator, world.second_evaluator)
    world.ev_agency = agency
    return world


def _login(browser, live_server, user, viewport):  # noqa: F811
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "Passw0rd!")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    return page


def _tree_sheet(path):
    book = Workbook()
    ws = book.active
    ws.append(["湘潭市社工站评估指标"])
    ws.append(
        ["一级指标", "二级指标", "评分标准", "分值", "佐证材料", "评分方式", "自动来源", "分档"]
    )
    ws.append(
        [
            "项目管理（40分）",
            "队伍（40分）",
            "驻站社工3至8人",
            30,
            "花名册",
            "是否",
            "staff_per_station",
            "≥100:30；≥0:0",
        ]
    )
    ws.append(["", "", "制度健全", 10, "制度文本", "", "", ""])
    ws.append(["专业服务（60分）", "服务（60分）", "个案规范", 40, "个案档案", "", "", ""])
    ws.append(["", "", "社区活动", 20, "签到表", "", "", ""])
    buf = io.BytesIO()
    book.save(buf)
    path.write_bytes(buf.getvalue())
    return str(path)


def _five_star_share(page, base):
    page.goto(f"{base}/indicators/?node=430302&period={YEAR}")
    cell = page.locator("[data-indicator=five_star_share] td").nth(1)
    return re.sub(r"\s+", "", cell.text_content())


def test_evaluate_publish_appeal_rectify_and_rate(browser, live_server, browser_world, tmp_path):  # noqa: F811, E501
    world = browser_world
    own = world.places["own"]
    base = live_server.url

    # 1. the city officer imports a tree from Excel and publishes it
    city = _login(browser, live_server, world.actors["city_officer"], DESK)
    city.goto(base + "/evaluation/trees/import/")
    city.fill("#id_title", f"湘潭市{YEAR}年社工站评估指标")
    city.fill("#id_region_code", "4303")
    city.set_input_files("#id_file", _tree_sheet(tmp_path / "tree.xlsx"))
    city.click("[data-testid=save]")
    city.wait_for_url(re.compile(r"/evaluation/trees/\d+/$"))
    assert "草稿" in city.text_content("[data-testid=tree-status]")
    city.click("[data-testid=publish-tree]")
    assert "已发布" in city.text_content("[data-testid=tree-status]")

    # 2. the county officer opens a final round and a 30 % spot check, assigns an evaluator
    county = _login(browser, live_server, world.actors["county_officer"], DESK)
    before = _five_star_share(county, base)
    county.goto(base + "/evaluation/rounds/new/")
    county.fill("#id_region", "430302")
    county.select_option("#id_kind", "spot")
    county.fill("#id_title", f"雨湖区{YEAR}年明察暗访")
    county.select_option("#id_tree", label=f"湘潭市{YEAR}年社工站评估指标")
    county.fill("#id_opens_on", TODAY.isoformat())
    county.fill(
        "#id_closes_on", TODAY.replace(day=28).isoformat() if TODAY.day < 28 else TODAY.isoformat()
    )
    county.fill("#id_sample_share", "30")
    county.fill("#id_seed", "yuhu")
    county.click("[data-testid=save]")
    county.wait_for_url(re.compile(r"/evaluation/rounds/\d+/$"))
    sample = county.text_content("[data-testid=sample]")
    assert "从 2 个站点中抽取 1 个（30%），抽样种子 yuhu" in sample, sample
    county.goto(base + "/evaluation/rounds/new/")
    county.fill("#id_region", "430302")
    county.select_option("#id_kind", "final")
    county.fill("#id_title", f"雨湖区{YEAR}年末期评估")
    county.select_option("#id_tree", label=f"湘潭市{YEAR}年社工站评估指标")
    county.fill("#id_opens_on", TODAY.isoformat())
    county.fill("#id_closes_on", TODAY.isoformat())
    county.click("[data-testid=save]")
    county.wait_for_url(re.compile(r"/evaluation/rounds/\d+/$"))
    round_url = county.url
    assert county.locator("[data-testid=round-stations] tbody tr").count() == 2
    county.select_option("[name=station]", str(own.station.pk))
    county.select_option("[name=agency]", str(world.ev_agency.pk))
    county.select_option("[name=evaluator]", str(world.evaluator.pk))
    county.click("[data-testid=assign]")
    assert "赵评估" in county.text_content(f"[data-station='{own.station.pk}']")
    county.select_option("[name=station]", str(own.second.pk))
    county.select_option("[name=agency]", str(world.ev_agency.pk))
    county.select_option("[name=evaluator]", str(world.second_evaluator.pk))
    county.click("[data-testid=assign]")
    assert "钱评估" in county.text_content(f"[data-station='{own.second.pk}']")

    # 3. the evaluator, on a phone, sees only the assigned station and scores it
    ev = _login(browser, live_server, world.evaluator, PHONE)
    ev.goto(round_url)
    rows = ev.locator("[data-testid=round-stations] tbody tr")
    assert rows.count() == 1 and own.station.name in rows.first.text_content()
    other = ev.goto(f"{round_url}stations/{own.second.pk}/")
    assert other.status == 404
    ev.goto(round_url)
    ev.click(f"[data-testid=score-{own.station.pk}]")
    ev.wait_for_url(re.compile(r"/evaluation/sheets/\d+/$"))
    sheet_url = ev.url
    # the station has four active staff: within 3–8, so the band suggests the full 30
    assert ev.text_content("[data-testid='suggested-1.1.1']").strip() == "30"
    items = ev.locator("[data-item]")
    assert items.count() == 4
    ev.fill("[data-item='1.1.1'] input[name^=score_]", "30")
    ev.set_input_files(
        "[data-item='1.1.1'] input[name^=evidence_]",
        {"name": "staff.png", "mimeType": "image/png", "buffer": PNG},
    )
    ev.click("[data-testid=save-draft]")
    ev.wait_for_url(sheet_url)
    assert "staff.png" in ev.text_content("[data-item='1.1.1']")
    ev.fill("[data-item='1.1.2'] input[name^=score_]", "5")  # half: to be rectified
    ev.fill("[data-item='1.1.2'] input[name^=comment_]", "考勤制度未上墙")
    ev.fill("[data-item='2.1.1'] input[name^=score_]", "40")
    ev.fill("[data-item='2.1.2'] input[name^=score_]", "20")
    ev.click("[data-testid=submit-sheet]")
    ev.wait_for_url(sheet_url)
    assert "已提交" in ev.text_content("[data-testid=sheet-status]")
    assert ev.text_content("[data-testid=sheet-total]").strip() == "95"

    # the other station's evaluator scores it (no staff yet: the suggestion is 0)
    qian = _login(browser, live_server, world.second_evaluator, DESK)
    qian.goto(f"{round_url}stations/{own.second.pk}/")
    assert qian.text_content("[data-testid='suggested-1.1.1']").strip() == "0"
    for code, score in (("1.1.1", "0"), ("1.1.2", "8"), ("2.1.1", "30"), ("2.1.2", "15")):
        qian.fill(f"[data-item='{code}'] input[name^=score_]", score)
    qian.fill("[data-item='1.1.1'] input[name^=comment_]", "未配备驻站社工")
    qian.click("[data-testid=submit-sheet]")
    assert "已提交" in qian.text_content("[data-testid=sheet-status]")

    # 4. the county publishes
    county.goto(round_url)
    county.click("[data-testid=publish-round]")
    assert "结果已发布" in county.text_content("[data-testid=round-status]")
    county.click(f"[data-station='{own.station.pk}'] a[href*='/evaluation/results/']")
    result_url = county.url
    assert county.text_content("[data-testid=result-grade]").strip() == "优秀"

    # 5. the station lead appeals and reports the rectification with a photo
    lead = _login(browser, live_server, own.lead, PHONE)
    lead.goto(result_url)
    lead.click("[data-testid=appeal-open]")
    lead.fill("[name=reasons]", "考勤制度已于评估前上墙，附照片为证，请复核。")
    lead.click("[data-testid=send-appeal]")
    assert "待答复" in lead.text_content("[data-testid=appeal]")
    lead.click("[data-testid=result-rectifications] a")
    lead.click("[data-testid=report-task]")
    lead.fill("#id_report", "已将考勤制度上墙并组织学习。")
    lead.set_input_files(
        "#id_evidence", {"name": "wall.png", "mimeType": "image/png", "buffer": PNG}
    )
    lead.click("[data-testid=save]")
    assert "待验收" in lead.text_content("[data-testid=task-status]")
    task_url = lead.url

    # the county answers the appeal (the result stands) and closes the rectification
    county.goto(result_url)
    county.click("[data-testid=answer-appeal]")
    county.select_option("#id_status", "upheld")
    county.fill("#id_answer", "评估当日未见上墙，维持原结果；整改已跟进。")
    county.click("[data-testid=save]")
    assert "维持原结果" in county.text_content("[data-testid=appeal]")
    county.goto(task_url)
    county.click("[data-testid=close-task]")
    assert "已验收" in county.text_content("[data-testid=task-status]")

    # 6. five stars: the county proposes, the city approves, the province too
    county.goto(result_url)
    county.click("[data-testid=propose-star]")
    county.click("[data-testid=save]")
    county.wait_for_url(re.compile(r"/evaluation/stars/\d+/$"))
    star_url = county.url
    city.goto(star_url)
    city.click("[data-testid=approve-star]")
    assert "市级已同意" in city.text_content("[data-testid=star-status]")
    province = _login(browser, live_server, world.actors["province_officer"], DESK)
    province.goto(star_url)
    province.fill("#valid_from", f"{YEAR}-01-01")
    province.click("[data-testid=approve-star]")
    assert "有效" in province.text_content("[data-testid=star-status]")
    after = _five_star_share(county, base)
    assert before.startswith("0%"), before
    assert after.startswith("50%"), after  # one of the county's two township stations
