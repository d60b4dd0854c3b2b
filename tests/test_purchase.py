"""Issue #12, parts 1–3: an agency's filing, purchase projects and contracts (stations,
budget by category, instalments, agreed outputs), spending against the budget.

Every figure is checked against an expectation written out here, not read back from the
code under test.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from shegong.audit.models import AuditEntry
from shegong.indicators import rebuild
from shegong.purchase import selectors, services
from shegong.purchase.models import Contract, Filing, Project, Spending

from .factories import PNG, FilingFactory, HomeVisitFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = timezone.localdate()
YEAR = TODAY.year


def _pdf(name="certificate.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _filing_data(**over):
    return {
        "legal_representative": "李明",
        "registration_authority": "湘潭市雨湖区民政局",
        "certificate_number": "51430302MJJ123456X",
        "founded_on": "2015-06-01",
        "service_fields": ["assistance", "elderly"],
        "qualifications": "4A 级社会组织；持证社工 12 名",
        **over,
    }


def file_agency(client, world, place="own"):
    """The agency files online with its certificate, and the county approves: the way a
    test gets a filed agency (through the pages)."""
    agency_admin = world.actors["agency_admin"]
    client.force_login(agency_admin)
    saved = client.post(
        reverse("purchase:filing_create"), {**_filing_data(), "certificate": _pdf()}
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    filing = Filing.objects.get(agency=world.places[place].agency)
    assert client.post(reverse("purchase:filing_submit", args=[filing.pk])).status_code == 302
    client.force_login(world.actors["county_officer"])
    decided = client.post(reverse("purchase:filing_decide", args=[filing.pk]), {"approve": "on"})
    assert decided.status_code == 302
    filing.refresh_from_db()
    assert filing.status == Filing.Status.APPROVED
    return filing


def _project(client, world, **over):
    data = {
        "title": f"{YEAR} 年雨湖区乡镇社工站服务项目",
        "region": world.places["own"].county,
        "year": str(YEAR),
        "method": "open_tender",
        "notice_number": "XTYH-2026-001",
        "fund_assistance_special": "600000",
        "fund_lottery": "200000",
        **over,
    }
    client.force_login(world.actors["county_officer"])
    response = client.post(reverse("purchase:project_create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Project.objects.latest("pk")


def _contract_data(world, project, **over):
    own = world.places["own"]
    start = datetime.date(YEAR, 1, 1)
    return {
        "project": project.pk,
        "agency": own.agency.pk,
        "number": f"YH-{YEAR}-01",
        "signed_on": start.isoformat(),
        "starts_on": start.isoformat(),
        "ends_on": datetime.date(YEAR, 12, 31).isoformat(),
        "amount": "400000",
        "stations": [own.station.pk],
        "budget_construction": "40000",
        "budget_operations": "60000",
        "budget_personnel": "280000",
        "budget_evaluation": "20000",
        "inst0_condition": "signing",
        "inst0_amount": "120000",
        "inst1_condition": "mid_evaluation",
        "inst1_amount": "160000",
        "inst2_condition": "final_evaluation",
        "inst2_amount": "120000",
        **over,
    }


def contracted(client, world):
    file_agency(client, world)
    project = _project(client, world)
    response = client.post(reverse("purchase:contract_create"), _contract_data(world, project))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Contract.objects.get(number=f"YH-{YEAR}-01")


# ----- filing ----------------------------------------------------------------------------


def test_an_agency_files_and_the_county_reviews(client, world):
    filing = file_agency(client, world)
    assert filing.documents.count() == 1
    actions = list(
        AuditEntry.objects.filter(action__startswith="shegong.filing.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "shegong.filing.created",
        "shegong.filing.submitted",
        "shegong.filing.approved",
    ]
    client.force_login(world.actors["agency_admin"])
    page = client.get(reverse("stations:agency_detail", args=[world.places["own"].agency.pk]))
    assert 'data-testid="filed"' in page.content.decode()


def test_a_return_says_why_and_the_agency_can_correct_and_resubmit(client, world):
    client.force_login(world.actors["agency_admin"])
    client.post(reverse("purchase:filing_create"), {**_filing_data(), "certificate": _pdf()})
    filing = Filing.objects.get()
    client.post(reverse("purchase:filing_submit", args=[filing.pk]))
    client.force_login(world.actors["county_officer"])
    no_reason = client.post(reverse("purchase:filing_decide", args=[filing.pk]), {"reason": ""})
    assert no_reason.status_code == 302
    filing.refresh_from_db()
    assert filing.status == Filing.Status.SUBMITTED  # a return without a reason is refused
    client.post(reverse("purchase:filing_decide", args=[filing.pk]), {"reason": "登记证书已过期"})
    filing.refresh_from_db()
    assert filing.status == Filing.Status.RETURNED and filing.return_reason == "登记证书已过期"
    client.force_login(world.actors["agency_admin"])
    page = client.get(reverse("purchase:filing_detail", args=[filing.pk])).content.decode()
    assert "登记证书已过期" in page
    edit = client.post(
        reverse("purchase:filing_edit", args=[filing.pk]),
        {**_filing_data(certificate_number="NEW123"), "version": filing.version},
    )
    assert edit.status_code == 302
    filing.refresh_from_db()
    assert filing.certificate_number == "NEW123"


def test_a_filing_needs_a_certificate_checked_by_content(client, world):
    client.force_login(world.actors["agency_admin"])
    fake = SimpleUploadedFile("cert.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    page = client.post(reverse("purchase:filing_create"), {**_filing_data(), "certificate": fake})
    assert page.status_code == 200 and "不是 PDF" in page.content.decode()
    assert not Filing.objects.exists()
    client.post(reverse("purchase:filing_create"), _filing_data())  # no document: a draft
    filing = Filing.objects.get()
    client.post(reverse("purchase:filing_submit", args=[filing.pk]))
    filing.refresh_from_db()
    assert filing.status == Filing.Status.DRAFT  # submitting needs the certificate


def test_documents_are_served_only_to_those_who_see_the_filing(client, world):
    filing = file_agency(client, world)
    doc = filing.documents.get()
    client.force_login(world.actors["county_officer"])
    served = client.get(reverse("purchase:filing_document", args=[doc.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    client.force_login(world.places["neighbour"].lead)
    assert client.get(reverse("purchase:filing_document", args=[doc.pk])).status_code == 404


# ----- projects and contracts ------------------------------------------------------------


def test_only_a_filed_agency_can_be_contracted(client, world):
    project = _project(client, world)
    data = _contract_data(world, project)
    with pytest.raises(Exception) as refused:
        services.contract_record(
            by=world.actors["county_officer"],
            data=services.ContractInput(
                project=project.pk,
                agency=world.places["own"].agency.pk,
                number="X-1",
                signed_on=datetime.date(YEAR, 1, 1),
                starts_on=datetime.date(YEAR, 1, 1),
                ends_on=datetime.date(YEAR, 12, 31),
                amount=Decimal(100),
                stations=(world.places["own"].station.pk,),
                budget=(("personnel", Decimal(100)),),
                instalments=(("signing", Decimal(100)),),
            ),
        )
    assert "备案" in str(refused.value)
    page = client.post(reverse("purchase:contract_create"), data)
    assert page.status_code == 200 and not Contract.objects.exists()


def test_a_project_budget_is_by_fund_source(client, world):
    project = _project(client, world)
    assert {f.source: f.amount for f in project.funding.all()} == {
        "assistance_special": Decimal(600000),
        "lottery": Decimal(200000),
    }
    assert project.purchaser == "雨湖区民政局"
    listed = client.get(reverse("purchase:project_list")).content.decode()
    assert "800,000" in listed or "800000" in listed


def test_a_contract_adds_up_or_is_refused_in_words(client, world):
    file_agency(client, world)
    project = _project(client, world)
    bad = client.post(
        reverse("purchase:contract_create"),
        _contract_data(world, project, budget_personnel="100000", inst2_amount="1"),
    )
    body = bad.content.decode()
    assert bad.status_code == 200 and not Contract.objects.exists()
    assert "预算" in body and "分期" in body
    outside = client.post(
        reverse("purchase:contract_create"),
        _contract_data(world, project, stations=[world.places["neighbour"].station.pk]),
    )
    assert outside.status_code == 200 and not Contract.objects.exists()


def test_a_contract_with_stations_budget_and_instalments(client, world):
    contract = contracted(client, world)
    assert list(contract.stations.all()) == [world.places["own"].station]
    assert {b.category: b.amount for b in contract.budget.all()} == {
        "construction": Decimal(40000),
        "operations": Decimal(60000),
        "personnel": Decimal(280000),
        "evaluation": Decimal(20000),
    }
    assert [(i.seq, i.condition, i.amount) for i in contract.instalments.all()] == [
        (1, "signing", Decimal(120000)),
        (2, "mid_evaluation", Decimal(160000)),
        (3, "final_evaluation", Decimal(120000)),
    ]
    entry = AuditEntry.objects.get(action="shegong.contract.created")
    assert entry.data["budget"]["人员经费"] == "280,000.00"


def test_instalments_are_confirmed_then_paid(client, world):
    contract = contracted(client, world)
    first, second = contract.instalments.all()[:2]
    pay_early = client.post(
        reverse("purchase:instalment_pay", args=[first.pk]),
        {"paid_on": TODAY.isoformat(), "amount": "120000"},
    )
    assert pay_early.status_code == 302
    first.refresh_from_db()
    assert first.paid_on is None  # the condition comes first
    client.post(
        reverse("purchase:instalment_confirm", args=[first.pk]), {"met_on": f"{YEAR}-01-02"}
    )
    client.post(
        reverse("purchase:instalment_pay", args=[first.pk]),
        {"paid_on": f"{YEAR}-01-10", "amount": "120000"},
    )
    first.refresh_from_db()
    assert first.condition_met_on == datetime.date(YEAR, 1, 2)
    assert first.paid_on == datetime.date(YEAR, 1, 10) and first.paid_amount == Decimal(120000)
    too_much = client.post(
        reverse("purchase:instalment_confirm", args=[second.pk]), {"met_on": TODAY.isoformat()}
    )
    assert too_much.status_code == 302
    client.post(
        reverse("purchase:instalment_pay", args=[second.pk]),
        {"paid_on": TODAY.isoformat(), "amount": "999999"},
    )
    second.refresh_from_db()
    assert second.paid_on is None
    page = client.get(reverse("purchase:contract_detail", args=[contract.pk])).content.decode()
    assert "120,000.00" in page


# ----- agreed outputs and progress -------------------------------------------------------


def test_progress_is_the_indicators_figures_over_the_term(client, world):
    contract = contracted(client, world)
    station = world.places["own"].station
    client.force_login(world.actors["county_officer"])
    saved = client.post(
        reverse("purchase:contract_targets", args=[contract.pk]),
        {f"t_{station.pk}_visit": "10", f"t_{station.pk}_staff": "4"},
    )
    assert saved.status_code == 302
    # visits in the term: the world's one (March) and three more; one before the term
    own = world.places["own"]
    for day in (datetime.date(YEAR, 1, 5), datetime.date(YEAR, 2, 5), datetime.date(YEAR, 2, 6)):
        HomeVisitFactory(
            recipient=own.recipient,
            date=min(day, TODAY),
            station=own.station,
            created_by=own.worker,
        )
    HomeVisitFactory(
        recipient=own.recipient,
        date=datetime.date(YEAR - 1, 12, 30),
        station=own.station,
        created_by=own.worker,
    )
    rebuild.rebuild_facts()
    from shegong.accounts.models import User
    from shegong.work.models import HomeVisit

    in_term = HomeVisit.objects.filter(
        station=own.station, date__gte=datetime.date(YEAR, 1, 1), date__lte=TODAY
    ).count()
    rows = {r.output: r for r in selectors.contract_progress(contracts=[contract])[contract.pk]}
    assert rows["visit"].actual == in_term and rows["visit"].target == 10
    assert rows["visit"].share == (Decimal(in_term) * 100 / 10).quantize(Decimal("0.1"))
    staff = User.objects.filter(station=own.station, is_active=True).count()
    assert staff >= 2  # the world's worker and lead, and the actors of the station
    assert rows["staff"].actual == staff
    assert rows["staff"].share == (Decimal(staff) * 100 / 4).quantize(Decimal("0.1"))
    page = client.get(reverse("purchase:contract_detail", args=[contract.pk])).content.decode()
    assert re.search(rf'data-testid="progress-visit">{rows["visit"].share}%', page)
    # a station's own outputs alone (its page's panel): the same rows, no other station's
    every = selectors.contract_progress(contracts=[contract])[contract.pk]
    mine = selectors.contract_progress(contracts=[contract], station_id=station.pk)[contract.pk]
    assert [(r.station.pk, r.output, r.actual, r.share, r.expected) for r in mine] == [
        (r.station.pk, r.output, r.actual, r.share, r.expected)
        for r in every
        if r.station.pk == station.pk
    ]
    assert mine and len(mine) == 2
    other = world.places["neighbour"].station.pk
    assert selectors.contract_progress(contracts=[contract], station_id=other) == {contract.pk: []}


# ----- spending --------------------------------------------------------------------------


def _spend(client, world, contract, **over):
    data = {
        "contract": contract.pk,
        "station": world.places["own"].station.pk,
        "date": f"{YEAR}-01-15" if TODAY >= datetime.date(YEAR, 1, 15) else TODAY.isoformat(),
        "category": "operations",
        "sub_item": "物资购置",
        "amount": "1500",
        "payee": "湘潭百货",
        "voucher": SimpleUploadedFile("v.png", PNG, content_type="image/png"),
        **over,
    }
    client.force_login(world.actors["agency_admin"])
    return client.post(reverse("purchase:spending_create"), data)


def test_the_agency_records_spending_and_the_county_approves(client, world):
    contract = contracted(client, world)
    assert _spend(client, world, contract).status_code == 302
    spending = Spending.objects.get()
    assert spending.status == Spending.Status.SUBMITTED and spending.kind == "png"
    client.force_login(world.actors["county_officer"])
    served = client.get(reverse("purchase:voucher", args=[spending.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    client.post(reverse("purchase:spending_decide", args=[spending.pk]), {"approve": "on"})
    spending.refresh_from_db()
    assert spending.status == Spending.Status.APPROVED
    again = client.post(reverse("purchase:spending_decide", args=[spending.pk]), {"approve": "on"})
    assert again.status_code == 302
    assert AuditEntry.objects.filter(action="shegong.spending.approved").count() == 1


def test_spending_over_a_category_budget_needs_a_reason_and_is_flagged(client, world):
    contract = contracted(client, world)
    assert _spend(client, world, contract, amount="55000").status_code == 302  # of 60,000
    over = _spend(client, world, contract, amount="6000")
    assert over.status_code == 200 and "说明" in over.content.decode()
    assert Spending.objects.count() == 1
    explained = _spend(
        client, world, contract, amount="6000", over_budget_reason="冬季慰问物资价格上涨"
    )
    assert explained.status_code == 302
    flagged = Spending.objects.latest("pk")
    assert flagged.over_budget and flagged.over_budget_reason == "冬季慰问物资价格上涨"


def test_spending_is_refused_outside_the_contract(client, world):
    contract = contracted(client, world)
    other = world.places["neighbour"].station
    page = _spend(client, world, contract, station=other.pk)
    assert page.status_code == 200 and not Spending.objects.exists()
    late = _spend(client, world, contract, date=f"{YEAR - 1}-12-31")
    assert late.status_code == 200 and "合同服务期" in late.content.decode()
    fake = _spend(
        client,
        world,
        contract,
        voucher=SimpleUploadedFile("v.pdf", b"GIF89a", content_type="application/pdf"),
    )
    assert fake.status_code == 200 and not Spending.objects.exists()


def test_budget_against_spending_computes_execution_rates(client, world):
    contract = contracted(client, world)
    for amount, category, sub in (
        ("30000", "operations", "物资购置"),
        ("70000", "personnel", "工资"),
    ):
        _spend(client, world, contract, amount=amount, category=category, sub_item=sub)
    _spend(client, world, contract, amount="5000", category="construction", sub_item="设备购置")
    client.force_login(world.actors["county_officer"])
    for s in Spending.objects.filter(category__in=["operations", "personnel"]):
        client.post(reverse("purchase:spending_decide", args=[s.pk]), {"approve": "on"})
    view = selectors.budget_view(
        user=world.actors["county_officer"],
        node=contract.region,
        start=datetime.date(YEAR, 1, 1),
        end=datetime.date(YEAR, 12, 31),
    )
    rows = {r.key: r for r in view.categories}
    # operations: 30,000 of 60,000 = 50%; personnel: 70,000 of 280,000 = 25%;
    # construction: 5,000 awaiting approval, 0% executed; total 100,000 of 400,000 = 25%
    assert rows["operations"].rate == Decimal("50.0")
    assert rows["personnel"].rate == Decimal("25.0")
    assert rows["construction"].rate == Decimal("0.0") and rows["construction"].pending == 5000
    assert view.total.budget == 400000 and view.total.rate == Decimal("25.0")
    assert [p.key for p in view.parts] == [str(contract.pk)]
    page = client.get(reverse("purchase:budget"), {"node": "430302", "period": str(YEAR)})
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="rate-total">25.0%' in body
    assert contract.number in body  # a county's view is by contract
    client.force_login(world.actors["city_officer"])
    city = client.get(reverse("purchase:budget"), {"node": "4303", "period": str(YEAR)})
    body = city.content.decode()
    assert 'data-testid="rate-total">25.0%' in body
    assert "雨湖区" in body  # a city's view is by county
    export = client.get(
        reverse("purchase:budget"), {"node": "430302", "period": str(YEAR), "export": "xlsx"}
    )
    assert export.status_code == 200


def test_a_countys_budget_by_contract_and_by_category_are_sums_of_the_same_entries(client, world):
    """The county's view groups by contract and category at once (two queries) and sums
    both ways; each figure is what the entries add up to, counted straight."""
    from django.db.models import Count, Q, Sum

    from shegong.purchase.models import BudgetLine

    first = contracted(client, world)
    _spend(client, world, first, amount="30000", category="operations", sub_item="物资购置")
    _spend(client, world, first, amount="5000", category="construction", sub_item="设备购置")
    second = Contract.objects.get(pk=first.pk)
    second.pk, second.number = None, f"YH-{YEAR}-02"
    second.save()
    BudgetLine.objects.create(contract=second, category="operations", amount=Decimal("80000"))
    BudgetLine.objects.create(contract=second, category="personnel", amount=Decimal("12000.5"))
    for entry in Spending.objects.all():
        entry.pk, entry.contract = None, second
        entry.amount += Decimal("0.25")
        entry.over_budget_reason = "追加" if entry.category == "operations" else ""
        entry.save()
    client.force_login(world.actors["county_officer"])
    decided = Spending.objects.filter(category="operations").order_by("pk")
    for entry in decided:
        client.post(reverse("purchase:spending_decide", args=[entry.pk]), {"approve": "on"})
    view = selectors.budget_view(
        user=world.actors["county_officer"],
        node=first.region,
        start=datetime.date(YEAR, 1, 1),
        end=datetime.date(YEAR, 12, 31),
    )
    assert view.part_kind == "contract"

    def spent(rows, status):
        return rows.filter(status=status).aggregate(s=Sum("amount"))["s"] or 0

    for row in view.categories:
        lines = BudgetLine.objects.filter(category=row.key)
        entries = Spending.objects.filter(category=row.key)
        assert row.budget == (lines.aggregate(s=Sum("amount"))["s"] or 0), row.key
        assert row.approved == spent(entries, Spending.Status.APPROVED), row.key
        assert row.pending == spent(entries, Spending.Status.SUBMITTED), row.key
        flagged = entries.aggregate(n=Count("pk", filter=~Q(over_budget_reason="")))["n"]
        assert row.flagged == flagged, row.key
    parts = {p.key: p for p in view.parts}
    assert set(parts) == {str(first.pk), str(second.pk)}
    for contract in (first, second):
        part, entries = parts[str(contract.pk)], Spending.objects.filter(contract=contract)
        lines = BudgetLine.objects.filter(contract=contract)
        assert part.budget == lines.aggregate(s=Sum("amount"))["s"]
        assert part.approved == spent(entries, Spending.Status.APPROVED) > 0
        assert part.pending == spent(entries, Spending.Status.SUBMITTED) > 0
    assert view.total.budget == sum(p.budget for p in parts.values())
    # the categories alone (the agency's home, a contract's page): the same figures, no parts
    alone = selectors.budget_view(
        user=world.actors["county_officer"],
        node=first.region,
        start=datetime.date(YEAR, 1, 1),
        end=datetime.date(YEAR, 12, 31),
        by_part=False,
    )
    figures = ("key", "budget", "approved", "pending", "flagged")
    assert [[getattr(r, f) for f in figures] for r in alone.categories] == [
        [getattr(r, f) for f in figures] for r in view.categories
    ]
    assert alone.parts == [] and alone.total.budget == view.total.budget
    # a province's view: by city and category at once (one query each), summed both ways
    from shegong.regions.models import Region

    province = selectors.budget_view(
        user=world.actors["province_officer"],
        node=Region.objects.get(code=first.region_id[:2]),
        start=datetime.date(YEAR, 1, 1),
        end=datetime.date(YEAR, 12, 31),
    )
    assert province.part_kind == "region"
    assert [[getattr(r, f) for f in figures] for r in province.categories] == [
        [getattr(r, f) for f in figures] for r in view.categories
    ]
    (city,) = province.parts
    assert city.key == first.region_id[:4]
    everything = Spending.objects.all()
    assert city.budget == BudgetLine.objects.aggregate(s=Sum("amount"))["s"]
    assert city.approved == spent(everything, Spending.Status.APPROVED) > 0
    assert city.pending == spent(everything, Spending.Status.SUBMITTED) > 0
    assert province.total.budget == city.budget


def test_an_agency_sees_only_its_own_contracts_and_spending(client, world):
    contract = contracted(client, world)
    _spend(client, world, contract)
    client.force_login(world.places["neighbour"].lead)
    assert client.get(reverse("purchase:contract_detail", args=[contract.pk])).status_code == 404
    from .factories import UserFactory

    stranger = UserFactory(
        username="other_agency", role="agency_admin", agency=world.places["neighbour"].agency
    )
    client.force_login(stranger)
    assert client.get(reverse("purchase:contract_detail", args=[contract.pk])).status_code == 404
    assert contract.number not in client.get(reverse("purchase:contract_list")).content.decode()
    station = world.places["own"].station.name
    assert station not in client.get(reverse("purchase:spending_list")).content.decode()
    client.force_login(world.actors["agency_admin"])
    assert station in client.get(reverse("purchase:spending_list")).content.decode()


# ----- the agency's working page, the county's to-do -------------------------------------


def test_the_agency_home_is_its_working_dashboard(client, world):
    contract = contracted(client, world)
    station = world.places["own"].station
    client.force_login(world.actors["county_officer"])
    client.post(
        reverse("purchase:contract_targets", args=[contract.pk]), {f"t_{station.pk}_staff": "4"}
    )
    _spend(client, world, contract, amount="6000")
    client.force_login(world.actors["county_officer"])
    client.post(
        reverse("purchase:spending_decide", args=[Spending.objects.get().pk]), {"approve": "on"}
    )
    client.force_login(world.actors["agency_admin"])
    body = client.get(reverse("home")).content.decode()
    staff = world.places["own"].station.staff.filter(is_active=True).count()
    # one output (staff, held against today's staff): the mean progress is that share
    share = min(Decimal(staff) * 100 / 4, Decimal(100)).quantize(Decimal("0.1"))
    assert re.search(rf'data-testid="contract-progress">{share}%', body)
    # operations: 6,000 of 60,000 = 10%; in all 6,000 of 400,000 = 1.5%
    assert 'data-row="operations"' in body and "10.0%" in body
    assert 'data-testid="rate-total">1.5%' in body
    assert station.name in body  # the stations board


def test_the_county_sees_what_waits(client, world):
    contract = contracted(client, world)
    _spend(client, world, contract)
    client.force_login(world.actors["county_officer"])
    client.post(
        reverse("purchase:instalment_confirm", args=[contract.instalments.first().pk]),
        {"met_on": f"{YEAR}-01-02"},
    )
    body = client.get(reverse("home")).content.decode()
    spending = re.search(r'data-testid="todo-spending".*?badge[^>]*>(\d+)<', body, re.S)
    due = re.search(r'data-testid="todo-instalments".*?badge[^>]*>(\d+)<', body, re.S)
    assert spending and spending.group(1) == "1"
    assert due and due.group(1) == "1"
    assert 'data-testid="todo-filings"' not in body  # the filing was approved


def test_agencies_per_county_is_a_rule_set_indicator(client, world):
    """Fujian's "每个县培育不少于5家" as a rule: a county's figure is its filed agencies; a
    city's the fewest of its counties, so it is met only where every county meets it."""
    from shegong.indicators import compute, periods
    from shegong.indicators.models import Rule, RuleSet

    from .factories import AgencyFactory, make_credit_code

    rule_set = RuleSet.objects.create(region_code="4303", year=YEAR, title="测试")
    Rule.objects.create(rule_set=rule_set, indicator="agencies_per_county", op="ge", target=2)
    file_agency(client, world)  # 雨湖区: 1
    extra = AgencyFactory(name="第二家", region_id="430302", credit_code=make_credit_code(77))
    FilingFactory(agency=extra)
    period = periods.parse(str(YEAR))
    county = compute.compute(_region("430302"), period, rule_set=rule_set)
    row = next(v for v in county.ruled if v.spec.code == "agencies_per_county")
    assert row.value == 2 and row.status == "met"
    city = compute.compute(_region("4303"), period, rule_set=rule_set)
    row = next(v for v in city.ruled if v.spec.code == "agencies_per_county")
    assert row.value == 0 and row.status == "missed"  # 岳塘区 and the others have none
    assert "2" in row.detail and "不足 2 家" in row.detail


def _region(code):
    from shegong.regions.models import Region

    return Region.objects.get(code=code)
