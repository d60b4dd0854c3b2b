"""Issue #12, part 4: labour contracts, monthly pay and the five insurances, the Excel
import (row by row, nothing half-saved), and the monthly compliance check.

The flags are checked against expectations written out case by case here.
"""

import datetime
import io
import re
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from shegong.audit.models import AuditEntry
from shegong.purchase import selectors
from shegong.purchase.models import LabourContract, Payroll

from .factories import PNG, UserFactory

TODAY = timezone.localdate()
# the month before last: its pay days (up to the 28th of the next month) have all passed
LAST_MONTH = (TODAY.replace(day=1) - datetime.timedelta(days=40)).replace(day=1)
MONTH_END = selectors.month_end(month=LAST_MONTH)


def _png(name="contract.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _staff(world):
    """The own agency's workers: the station's worker and lead, and the two actors."""
    own = world.places["own"]
    return [own.worker, own.lead, world.actors["social_worker"], world.actors["station_lead"]]


def _contract(client, worker, **over):
    data = {
        "worker": worker.pk,
        "kind": "fixed",
        "starts_on": "2024-01-01",
        "ends_on": "2027-12-31",
        "pay_day": "10",
        "document": _png(),
        **over,
    }
    return client.post(reverse("purchase:labour_contract_create"), data)


def _pay(client, worker, **over):
    data = {
        "worker": worker.pk,
        "month": f"{LAST_MONTH:%Y-%m}",
        "gross": "5200",
        "net": "4300",
        "paid_on": (MONTH_END + datetime.timedelta(days=5)).isoformat(),
        "pension": "on",
        "medical": "on",
        "unemployment": "on",
        "injury": "on",
        "maternity": "on",
        **over,
    }
    return client.post(reverse("purchase:payroll_create"), data)


def test_labour_contracts_by_form(client, world):
    worker = world.places["own"].worker
    client.force_login(world.actors["agency_admin"])
    assert _contract(client, worker).status_code == 302
    saved = LabourContract.objects.get()
    assert saved.worker == worker and saved.pay_day == 10 and saved.kind_of_file == "png"
    open_ended = _contract(client, worker, kind="open", ends_on="2027-01-01", document=_png())
    assert open_ended.status_code == 200 and LabourContract.objects.count() == 1
    stranger = world.places["neighbour"].worker  # another agency's worker
    refused = _contract(client, stranger, document=_png())
    assert refused.status_code == 200 and LabourContract.objects.count() == 1


def test_a_month_of_pay_by_form_and_its_correction(client, world):
    worker = world.places["own"].worker
    client.force_login(world.actors["agency_admin"])
    assert _pay(client, worker).status_code == 302
    assert _pay(client, worker, net="9999").status_code == 200  # net above gross
    assert _pay(client, worker, gross="5300", net="4400").status_code == 302  # corrected
    pay = Payroll.objects.get()
    assert (pay.gross, pay.net) == (Decimal(5300), Decimal(4400))
    entries = AuditEntry.objects.filter(action__startswith="shegong.payroll.").order_by("pk")
    assert [e.action for e in entries] == ["shegong.payroll.created", "shegong.payroll.changed"]
    assert "5300" not in str(entries[1].data)  # pay is not written into the log


def _sheet(rows, *, header=True) -> SimpleUploadedFile:
    book = Workbook()
    ws = book.active
    ws.append(["某机构工资表"])
    if header:
        ws.append(
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
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return SimpleUploadedFile("pay.xlsx", buf.getvalue())


def _line(user, gross="5000", net="4200", paid=None, medical="是"):
    paid = paid or (MONTH_END + datetime.timedelta(days=3)).isoformat()
    return [
        user.username,
        user.display_name,
        gross,
        net,
        paid,
        "是",
        medical,
        "是",
        "是",
        "是",
        "否",
    ]


def test_an_excel_month_with_a_bad_line_saves_nothing_and_says_which(client, world):
    staff = _staff(world)
    client.force_login(world.actors["agency_admin"])
    bad = _sheet(
        [
            _line(staff[0]),
            _line(staff[1], gross="五千"),
            _line(staff[2], medical="也许"),
            ["nobody", "无名", "5000", "4000", "", "是", "是", "是", "是", "是", "否"],
        ]
    )
    page = client.post(
        reverse("purchase:payroll_import"), {"month": f"{LAST_MONTH:%Y-%m}", "file": bad}
    )
    body = page.content.decode()
    assert page.status_code == 200 and not Payroll.objects.exists()
    assert "第 4 行" in body and "第 5 行" in body  # the sheet's own line numbers
    unknown = client.post(
        reverse("purchase:payroll_import"),
        {
            "month": f"{LAST_MONTH:%Y-%m}",
            "file": _sheet(
                [
                    _line(staff[0]),
                    ["nobody", "无名", "5000", "4000", "", "是", "是", "是", "是", "是", "否"],
                ]
            ),
        },
    )
    assert "第 4 行" in unknown.content.decode() and "nobody" in unknown.content.decode()
    assert not Payroll.objects.exists()
    good = client.post(
        reverse("purchase:payroll_import"),
        {"month": f"{LAST_MONTH:%Y-%m}", "file": _sheet([_line(u) for u in staff])},
    )
    assert good.status_code == 302
    assert Payroll.objects.filter(month=LAST_MONTH).count() == len(staff)
    again = client.post(
        reverse("purchase:payroll_import"),
        {
            "month": f"{LAST_MONTH:%Y-%m}",
            "file": _sheet([_line(staff[0], gross="6000", net="5000")]),
        },
    )
    assert again.status_code == 302
    assert Payroll.objects.get(worker=staff[0], month=LAST_MONTH).gross == 6000
    assert Payroll.objects.count() == len(staff)  # corrected, not doubled


def test_the_template_lists_the_agencys_staff(client, world):
    client.force_login(world.actors["agency_admin"])
    response = client.get(reverse("purchase:payroll_template"))
    book = load_workbook(io.BytesIO(response.content))
    names = {row[0] for row in book.active.iter_rows(values_only=True)}
    assert {u.username for u in _staff(world)} <= names
    assert world.places["neighbour"].worker.username not in names
    assert (
        client.post(
            reverse("purchase:payroll_import"),
            {"month": "2026-01", "file": _sheet([], header=False)},
        ).status_code
        == 200
    )


def test_the_monthly_check_flags_exactly_what_is_wrong(client, world):
    """Four workers, last month: A in order; B without a contract; C paid after the
    agreed day; D without medical insurance; plus E, a worker with nothing recorded once
    pay was due (late and uninsured)."""
    a, b, c, d = _staff(world)
    e = UserFactory(username="w_e", role="social_worker", station=world.places["own"].station)
    client.force_login(world.actors["agency_admin"])
    for worker in (a, c, d, e):
        assert _contract(client, worker, document=_png()).status_code == 302  # pay day 10
    on_time = (MONTH_END + datetime.timedelta(days=5)).isoformat()
    late = (MONTH_END + datetime.timedelta(days=12)).isoformat()
    assert _pay(client, a, paid_on=on_time).status_code == 302
    assert _pay(client, b, paid_on=on_time).status_code == 302
    assert _pay(client, c, paid_on=late).status_code == 302
    assert _pay(client, d, paid_on=on_time, medical="").status_code == 302
    today = MONTH_END + datetime.timedelta(days=20)  # every due day has passed
    agencies, checks = selectors.compliance(
        user=world.actors["county_officer"], code="430302", month=LAST_MONTH, today=today
    )
    flags = {ch.worker.pk: set(ch.flags) for ch in checks}
    assert flags[a.pk] == set()
    assert flags[b.pk] == {"no_contract"}
    assert flags[c.pk] == {"late_pay"}
    assert flags[d.pk] == {"uninsured"}
    assert flags[e.pk] == {"late_pay", "uninsured"}
    own = next(x for x in agencies if x.agency == world.places["own"].agency)
    assert own.counts == {"no_contract": 1, "late_pay": 2, "uninsured": 2}
    assert own.workers == 5 and own.gross == Decimal(5200) * 4
    # the home page's summary: the same check on ids and values, the same counts
    summary = selectors.compliance_summary(
        user=world.actors["county_officer"], code="430302", today=today
    )
    assert summary["month"] == LAST_MONTH
    assert (
        summary["counts"]
        == {key: sum(x.counts[key] for x in agencies) for key in own.counts}
        == {"no_contract": 1, "late_pay": 2, "uninsured": 2}
    )
    agency_view = selectors.compliance_summary(
        user=world.actors["agency_admin"], code=world.places["own"].agency.region_id, today=today
    )
    assert agency_view["counts"] == own.counts
    # before the due day, nothing recorded is not yet late
    early = MONTH_END + datetime.timedelta(days=2)
    _agencies, checks = selectors.compliance(
        user=world.actors["county_officer"], code="430302", month=LAST_MONTH, today=early
    )
    assert {ch.worker.pk: set(ch.flags) for ch in checks}[e.pk] == set()


def test_every_flag_opens_the_workers_behind_it(client, world):
    a = _staff(world)[0]
    client.force_login(world.actors["county_officer"])
    page = client.get(reverse("purchase:compliance"), {"month": f"{LAST_MONTH:%Y-%m}"})
    body = page.content.decode()
    assert page.status_code == 200
    agency = world.places["own"].agency.pk
    link = re.search(rf'href="([^"]*agency={agency}&(?:amp;)?flag=no_contract)"', body)
    assert link, body[:2000]
    rows = client.get(reverse("purchase:compliance") + link.group(1)).content.decode()
    table = re.search(r'data-testid="compliance-rows".*?</table>', rows, re.S).group(0)
    assert a.display_name in table and "无有效劳动合同" in table
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="employment-no_contract"' in home


def test_pay_is_seen_by_the_agency_and_the_county_audited(client, world):
    client.force_login(world.actors["agency_admin"])
    _pay(client, _staff(world)[0])
    client.force_login(world.actors["county_officer"])
    assert client.get(reverse("purchase:payroll_list")).status_code == 200
    assert AuditEntry.objects.filter(action="shegong.payroll.viewed").count() == 1
    for role in ("city_officer", "province_officer", "evaluator", "station_lead"):
        client.force_login(world.actors[role])
        assert client.get(reverse("purchase:payroll_list")).status_code == 403, role
    client.force_login(world.actors["city_officer"])  # totals and flags, not individuals
    page = client.get(reverse("purchase:compliance"), {"month": f"{LAST_MONTH:%Y-%m}"})
    assert page.status_code == 200 and "5,200.00" in page.content.decode()
    assert 'href="/purchase/payroll/' not in page.content.decode()


def test_the_api_records_pay_and_contracts(client, world):
    import base64

    worker = _staff(world)[0]
    client.force_login(world.actors["agency_admin"])
    body = {
        "worker": worker.pk,
        "month": LAST_MONTH.isoformat(),
        "gross": "5000",
        "net": "4000",
        "pension": True,
        "medical": True,
        "unemployment": True,
        "injury": True,
        "maternity": True,
    }
    assert client.post("/api/payroll", body, content_type="application/json").status_code == 201
    bad = client.post("/api/payroll", {**body, "net": "6000"}, content_type="application/json")
    assert bad.status_code == 422 and "net" in bad.json()["errors"]
    doc = {"name": "c.png", "content_base64": base64.b64encode(PNG).decode()}
    made = client.post(
        "/api/labour-contracts",
        {"worker": worker.pk, "kind": "open", "starts_on": "2024-01-01", "document": doc},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    listed = client.get("/api/payroll").json()
    assert listed["count"] == 1 and listed["items"][0]["gross"] in ("5000.00", "5000")
