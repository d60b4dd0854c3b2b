"""Issue #12, done-when walk in Chromium: the county officer buys the service, the agency
spends, the county approves and follows budget and progress.

- the county officer creates a project, contracts a filed agency for two stations with a
  budget by category, three instalments and agreed outputs;
- the agency administrator, on a phone, records a spending entry with its voucher;
- the officer approves it, reads budget against spending and the contract's progress.
"""

import datetime
import re

import pytest
from django.utils import timezone
from openpyxl import Workbook

from shegong.purchase.models import Contract, Payroll, Spending
from shegong.stations.models import Station

from .conftest import build_world
from .factories import PNG, FilingFactory, StationFactory
from .test_browser import browser  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 812}
DESK = {"width": 1280, "height": 900}
YEAR = timezone.localdate().year


@pytest.fixture
def browser_world(regions):
    world = build_world()
    own = world.places["own"]
    FilingFactory(
        agency=own.agency,
        registration_authority="雨湖区民政局",
        certificate_number="51430302MJJ123456X",
        founded_on=datetime.date(2015, 6, 1),
    )
    own.second = StationFactory(name="长城乡社工站", region_id="430302002", agency=own.agency)
    return world


def _login(browser, live_server, user, viewport):  # noqa: F811
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "Passw0rd!")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    return page


def test_buy_spend_approve_and_follow(browser, live_server, browser_world, tmp_path):  # noqa: F811
    world = browser_world
    own = world.places["own"]
    base = live_server.url
    officer = _login(browser, live_server, world.actors["county_officer"], DESK)

    # 1. a project with its budget by fund source
    officer.goto(base + "/purchase/projects/new/")
    officer.fill("#id_title", f"{YEAR} 年雨湖区社工站服务项目")
    officer.fill("#id_region", "430302")
    officer.fill("#id_year", str(YEAR))
    officer.select_option("#id_method", "open_tender")
    officer.fill("#id_fund_assistance_special", "500000")
    officer.fill("#id_fund_lottery", "100000")
    officer.click("button[type=submit]")
    officer.wait_for_url(re.compile(r"/purchase/projects/\d+/$"))
    assert "600,000.00" in officer.text_content("[data-testid=funding]")

    # 2. a contract with the agency for two stations: budget, three instalments
    officer.click("[data-testid=add-contract]")
    officer.select_option("#id_agency", str(own.agency.pk))
    officer.fill("#id_number", f"YH-{YEAR}-01")
    officer.fill("#id_amount", "600000")
    officer.fill("#id_signed_on", f"{YEAR}-01-05")
    officer.fill("#id_starts_on", f"{YEAR}-01-01")
    officer.fill("#id_ends_on", f"{YEAR}-12-31")
    officer.check(f"input[name=stations][value='{own.station.pk}']")
    officer.check(f"input[name=stations][value='{own.second.pk}']")
    for field, value in (
        ("construction", "30000"),
        ("operations", "120000"),
        ("personnel", "420000"),
        ("evaluation", "30000"),
    ):
        officer.fill(f"#id_budget_{field}", value)
    for i, value in enumerate(("180000", "240000", "180000")):
        officer.fill(f"#id_inst{i}_amount", value)
    officer.click("button[type=submit]")
    officer.wait_for_url(re.compile(r"/purchase/contracts/\d+/targets/$"))  # outputs next

    # 3. agreed outputs per station
    for station in (own.station, own.second):
        officer.fill(f"#id_t_{station.pk}_visit", "120")
        officer.fill(f"#id_t_{station.pk}_staff", "4")
    officer.click("button[type=submit]")
    officer.wait_for_url(re.compile(r"/purchase/contracts/\d+/$"))
    contract = Contract.objects.get(number=f"YH-{YEAR}-01")
    assert contract.targets.count() == 4 and contract.instalments.count() == 3
    assert officer.locator("[data-testid=progress] tbody tr").count() == 4

    # 4. the agency, on a phone, records spending with its voucher
    voucher = tmp_path / "voucher.png"
    voucher.write_bytes(PNG)
    agency = _login(browser, live_server, world.actors["agency_admin"], PHONE)
    agency.click("[data-testid=record-spending]")
    agency.select_option("#id_contract", str(contract.pk))
    agency.select_option("#id_station", str(own.second.pk))
    day = min(timezone.localdate(), datetime.date(YEAR, 12, 31))
    agency.fill("#id_date", day.isoformat())
    agency.select_option("#id_category", "operations")
    agency.select_option("#id_sub_item", "物资购置")
    agency.fill("#id_amount", "30000")
    agency.fill("#id_payee", "湘潭百货")
    agency.set_input_files("#id_voucher", str(voucher))
    agency.click("button[type=submit]")
    agency.wait_for_url(re.compile(r"/purchase/spending/\d+/$"))
    assert "待审核" in agency.text_content("[data-testid=spending-status]")
    assert agency.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    spending = Spending.objects.get()

    # 5. the county approves it from its to-do, then reads budget and progress
    officer.goto(base + "/")
    officer.click("[data-testid=todo-spending]")
    officer.click(f"a[href='/purchase/spending/{spending.pk}/']")
    officer.click("[data-testid=approve-spending]")
    officer.wait_for_selector("text=已通过")
    officer.goto(base + f"/purchase/budget/?node=430302&period={YEAR}")
    operations = officer.text_content("[data-testid=budget-categories] tr[data-row=operations]")
    assert "30,000.00" in operations and "25.0%" in operations  # 30,000 of 120,000
    assert "5.0%" in officer.text_content("[data-testid=rate-total]")  # of 600,000
    officer.goto(base + f"/purchase/contracts/{contract.pk}/")
    assert officer.locator("[data-testid=progress-staff]").count() == 2
    officer.screenshot(path="test-artifacts/purchase-contract.png", full_page=True)
    assert Station.objects.filter(contracts=contract).count() == 2

    # 6. the agency imports a month of pay from Excel: a bad line is named, nothing saved
    staff = [own.worker, own.lead]
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=40)).replace(day=1)
    paid = (month + datetime.timedelta(days=35)).isoformat()

    def sheet(name, lines):
        book = Workbook()
        book.active.append(
            [
                "用户名",
                "姓名",
                "应发工资（元）",
                "实发工资（元）",
                "发放日期",
                "养老保险",
                "医疗保险",
                "失业保险",
                "工伤保险",
                "生育保险",
                "住房公积金",
            ]
        )
        for line in lines:
            book.active.append(line)
        path = tmp_path / name
        book.save(path)
        return str(path)

    good = [
        [u.username, u.display_name, "5000", "4100", paid, "是", "是", "是", "是", "是", "否"]
        for u in staff
    ]
    bad = [
        good[0],
        [staff[1].username, "", "五千", "4100", paid, "是", "是", "是", "是", "是", "否"],
    ]
    agency.goto(base + "/purchase/payroll/import/")
    agency.fill("#id_month", f"{month:%Y-%m}")
    agency.set_input_files("#id_file", sheet("bad.xlsx", bad))
    agency.click("form button[type=submit]")
    errors = agency.text_content("[data-testid=import-errors]")
    assert "第 3 行" in errors and not Payroll.objects.exists()
    agency.fill("#id_month", f"{month:%Y-%m}")
    agency.set_input_files("#id_file", sheet("good.xlsx", good))
    agency.click("form button[type=submit]")
    agency.wait_for_url(re.compile(r"/purchase/payroll/"))
    assert Payroll.objects.filter(month=month).count() == 2

    # 7. the county opens the compliance flags down to the worker (nobody has a contract)
    officer.goto(base + f"/purchase/compliance/?month={month:%Y-%m}")
    officer.click(f"[data-agency='{own.agency.pk}'] [data-testid=flag-no_contract]")
    rows = officer.text_content("[data-testid=compliance-rows]")
    assert own.worker.display_name in rows and "无有效劳动合同" in rows
