"""Issue #12, part 8: the access matrix of the purchase cycle, every role × every place ×
every URL (pages, POST actions, API).

Each place of the world gets a filed agency, a project of its county, a contract covering
its station with one instalment, and a spending entry. Expected: the county officer
manages its county's; the city and province officers and the evaluator read their region;
the agency reads (and spends on) its own contracts; station staff and the three
administrators see none of it. Out of sight is 404; in sight but not allowed is 403.
"""

import base64
import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from shegong.purchase.models import (
    BudgetLine,
    Contract,
    FilingDocument,
    Instalment,
    LabourContract,
    Payroll,
    Project,
    ProjectFunding,
    Spending,
    Target,
)

from .conftest import ROLES
from .factories import PNG, FilingFactory

OWN, CITY, ALL, NONE = {"own"}, {"own", "neighbour"}, {"own", "neighbour", "other_city"}, set()
VIEW = {
    "county_officer": OWN,
    "city_officer": CITY,
    "province_officer": ALL,
    "evaluator": OWN,
    "agency_admin": OWN,
}
CHANGE = {"county_officer": OWN}  # projects, contracts, instalments; approving spending too
YEAR = timezone.localdate().year


@pytest.fixture
def purchase_world(world):
    return add_purchases(world)


def add_purchases(world):
    """A filed agency, a project, a contract (one instalment) and a spending entry in each
    place of ``world`` (made directly: the access matrix is about reading them)."""
    day = timezone.localdate()
    for place in world.places.values():
        officer = world.actors["county_officer"]
        filing = FilingFactory(agency=place.agency, certificate_number=f"C-{place.county}")
        FilingDocument.objects.create(
            filing=filing,
            title="certificate",
            file=ContentFile(PNG, name="c.png"),
            kind="png",
            size=len(PNG),
            uploaded_by=officer,
        )
        project = Project.objects.create(
            title=f"{place.county} 项目",
            region_id=place.county,
            year=YEAR,
            method="open_tender",
            created_by=officer,
        )
        ProjectFunding.objects.create(project=project, source="lottery", amount=100)
        contract = Contract.objects.create(
            project=project,
            agency=place.agency,
            region_id=place.county,
            number=f"HT-{place.county}",
            signed_on=datetime.date(YEAR, 1, 1),
            starts_on=datetime.date(YEAR, 1, 1),
            ends_on=datetime.date(YEAR, 12, 31),
            amount=100,
            created_by=officer,
        )
        contract.stations.add(place.station)
        BudgetLine.objects.create(contract=contract, category="operations", amount=100)
        Target.objects.create(contract=contract, station=place.station, output="visit", value=9)
        instalment = Instalment.objects.create(
            contract=contract, seq=1, condition="signing", amount=100
        )
        spending = Spending.objects.create(
            contract=contract,
            station=place.station,
            region_id=place.township,
            date=min(day, datetime.date(YEAR, 12, 31)),
            category="operations",
            sub_item="物资购置",
            amount=Decimal(10),
            payee="供应商",
            voucher=ContentFile(PNG, name="v.png"),
            kind="png",
            size=len(PNG),
            created_by=officer,
        )
        labour = LabourContract.objects.create(
            agency=place.agency,
            worker=place.worker,
            region_id=place.township,
            kind="open",
            starts_on=datetime.date(2024, 1, 1),
            document=ContentFile(PNG, name="l.png"),
            kind_of_file="png",
            size=len(PNG),
            created_by=officer,
        )
        place.labour = labour
        Payroll.objects.create(
            agency=place.agency,
            worker=place.worker,
            region_id=place.township,
            month=datetime.date(2026, 1, 1),
            gross=5000,
            net=4000,
            created_by=officer,
        )
        place.filing, place.project, place.contract = filing, project, contract
        place.instalment, place.spending = instalment, spending
    return world


def _sees(role, place):
    return place in VIEW.get(role, NONE)


def _changes(role, place):
    return place in CHANGE.get(role, NONE)


def _object(role, place, *, allowed: bool, ok=200):
    if not _sees(role, place):
        return 404
    return ok if allowed else 403


# name: (url of a place, method, expected status for (role, place))
OBJECT_URLS = {
    "purchase:filing_detail": (
        lambda p: reverse("purchase:filing_detail", args=[p.filing.pk]),
        "get",
        lambda r, pl: _object(r, pl, allowed=True),
    ),
    "purchase:filing_edit": (  # a filed filing is not edited: its page says so
        lambda p: reverse("purchase:filing_edit", args=[p.filing.pk]),
        "get",
        lambda r, pl: _object(r, pl, allowed=r == "agency_admin", ok=302),
    ),
    "purchase:filing_submit": (
        lambda p: reverse("purchase:filing_submit", args=[p.filing.pk]),
        "post",
        lambda r, pl: _object(r, pl, allowed=r == "agency_admin", ok=302),
    ),
    "purchase:filing_decide": (
        lambda p: reverse("purchase:filing_decide", args=[p.filing.pk]),
        "post",
        lambda r, pl: _object(r, pl, allowed=_changes(r, pl), ok=302),
    ),
    "purchase:filing_document": (
        lambda p: reverse("purchase:filing_document", args=[p.filing.documents.get().pk]),
        "get",
        lambda r, pl: _object(r, pl, allowed=True),
    ),
    "purchase:project_detail": (
        lambda p: reverse("purchase:project_detail", args=[p.project.pk]),
        "get",
        lambda r, pl: _object(r, pl, allowed=True),
    ),
    "purchase:project_edit": (
        lambda p: reverse("purchase:project_edit", args=[p.project.pk]),
        "get",
        lambda r, pl: _object(r, pl, allowed=_changes(r, pl)),
    ),
    "purchase:contract_detail": (
        lambda p: reverse("purchase:contract_detail", args=[p.contract.pk]),
        "get",
        lambda r, pl: _object(r, pl, allowed=True),
    ),
    "purchase:contract_edit": (
        lambda p: reverse("purchase:contract_edit", args=[p.contract.pk]),
        "get",
        lambda r, pl: _object(r, pl, allowed=_changes(r, pl)),
    ),
    "purchase:contract_targets": (
        lambda p: reverse("purchase:contract_targets", args=[p.contract.pk]),
        "get",
        lambda r, pl: _object(r, pl, allowed=_changes(r, pl)),
    ),
    "purchase:instalment_confirm": (
        lambda p: reverse("purchase:instalment_confirm", args=[p.instalment.pk]),
        "post",
        lambda r, pl: _object(r, pl, allowed=_changes(r, pl), ok=302),
    ),
    "purchase:instalment_pay": (
        lambda p: reverse("purchase:instalment_pay", args=[p.instalment.pk]),
        "post",
        lambda r, pl: _object(r, pl, allowed=_changes(r, pl), ok=302),
    ),
    "purchase:spending_detail": (
        lambda p: reverse("purchase:spending_detail", args=[p.spending.pk]),
        "get",
        lambda r, pl: _object(r, pl, allowed=True),
    ),
    "purchase:spending_decide": (
        lambda p: reverse("purchase:spending_decide", args=[p.spending.pk]),
        "post",
        lambda r, pl: _object(r, pl, allowed=_changes(r, pl), ok=302),
    ),
    "purchase:voucher": (
        lambda p: reverse("purchase:voucher", args=[p.spending.pk]),
        "get",
        lambda r, pl: _object(r, pl, allowed=True),
    ),
    "purchase:labour_contract_document": (  # pay and contracts: the agency, the county
        lambda p: reverse("purchase:labour_contract_document", args=[p.labour.pk]),
        "get",
        lambda r, pl: 200 if pl in PAY_READERS.get(r, NONE) else 404,
    ),
    "api:filing_get": (
        lambda p: f"/api/filings/{p.filing.pk}",
        "get",
        lambda r, pl: _object(r, pl, allowed=True),
    ),
    "api:project_get": (
        lambda p: f"/api/projects/{p.project.pk}",
        "get",
        lambda r, pl: _object(r, pl, allowed=True),
    ),
    "api:contract_get": (
        lambda p: f"/api/contracts/{p.contract.pk}",
        "get",
        lambda r, pl: _object(r, pl, allowed=True),
    ),
    "api:filing_decision": (  # approving an approved filing: allowed, then refused (409)
        lambda p: f"/api/filings/{p.filing.pk}/decision",
        "json",
        lambda r, pl: _object(r, pl, allowed=_changes(r, pl), ok=409),
    ),
    "api:spending_decision": (
        lambda p: f"/api/spending/{p.spending.pk}/decision",
        "json",
        lambda r, pl: _object(r, pl, allowed=_changes(r, pl)),
    ),
}

READERS = set(VIEW)
PAY_READERS = {"county_officer": OWN, "agency_admin": OWN}
AGENCY_ONLY = lambda r: 200 if r == "agency_admin" else 403  # noqa: E731
LIST_URLS = {
    "purchase:filing_list": lambda r: 302 if r == "agency_admin" else 200,
    "purchase:filing_create": lambda r: 302 if r == "agency_admin" else 403,
    "purchase:project_list": lambda r: 200,
    "purchase:project_create": lambda r: 200 if r == "county_officer" else 403,
    "purchase:contract_list": lambda r: 200,
    "purchase:contract_create": lambda r: 200 if r == "county_officer" else 403,
    "purchase:spending_list": lambda r: 200,
    "purchase:spending_create": lambda r: 200 if r == "agency_admin" else 403,
    "purchase:budget": lambda r: 200 if r in READERS else 403,
    "purchase:payroll_list": lambda r: 200 if r in PAY_READERS else 403,
    "purchase:labour_contract_list": lambda r: 200 if r in PAY_READERS else 403,
    "purchase:payroll_create": AGENCY_ONLY,
    "purchase:payroll_import": AGENCY_ONLY,
    "purchase:payroll_template": AGENCY_ONLY,
    "purchase:labour_contract_create": AGENCY_ONLY,
    "purchase:compliance": lambda r: (
        200 if r in ("county_officer", "city_officer", "province_officer", "agency_admin") else 403
    ),
    "purchase:versions": lambda r: (
        200
        if r in ("county_officer", "city_officer", "province_officer", "evaluator", "agency_admin")
        else 403
    ),
    "purchase:subsidy": lambda r: (
        200 if r in ("county_officer", "city_officer", "province_officer", "evaluator") else 403
    ),
    "api:payroll_list": lambda r: 200,
    "api:labour_contract_list": lambda r: 200,
    "api:filing_list": lambda r: 200,
    "api:project_list": lambda r: 200,
    "api:contract_list": lambda r: 200,
    "api:spending_list": lambda r: 200,
}
API_LISTS = {
    "api:payroll_list": "/api/payroll",
    "api:labour_contract_list": "/api/labour-contracts",
    "api:filing_list": "/api/filings",
    "api:project_list": "/api/projects",
    "api:contract_list": "/api/contracts",
    "api:spending_list": "/api/spending",
}
API_CREATES = {
    "api:project_create": ("/api/projects", "county_officer"),
    "api:contract_create": ("/api/contracts", "county_officer"),
    "api:spending_create": ("/api/spending", "agency_admin"),
    "api:payroll_create": ("/api/payroll", "agency_admin"),
    "api:labour_contract_create": ("/api/labour-contracts", "agency_admin"),
}
# confirming a version: every role in tests/test_versions.py
NAMES = set(OBJECT_URLS) | set(LIST_URLS) | set(API_CREATES) | {"purchase:version_confirm"}


@pytest.mark.parametrize("role", ROLES)
def test_purchase_objects(client, purchase_world, role):
    client.force_login(purchase_world.actors[role])
    got, want = {}, {}
    for name, (build, method, rule) in OBJECT_URLS.items():
        for place_name, place in purchase_world.places.items():
            url = build(place)
            if method == "get":
                response = client.get(url)
            elif method == "json":
                response = client.post(url, '{"approve": true}', content_type="application/json")
            else:
                response = client.post(url, {})
            got[(name, place_name)] = response.status_code
            want[(name, place_name)] = rule(role, place_name)
    assert got == want


@pytest.mark.parametrize("role", ROLES)
def test_purchase_lists_hold_only_what_is_in_scope(client, purchase_world, role):
    client.force_login(purchase_world.actors[role])
    got = {name: client.get(API_LISTS.get(name) or reverse(name)).status_code for name in LIST_URLS}
    assert got == {name: rule(role) for name, rule in LIST_URLS.items()}
    checks = [
        (reverse("purchase:project_list"), lambda p: p.project.title),
        (reverse("purchase:contract_list"), lambda p: p.contract.number),
        (reverse("purchase:contract_list") + "?export=csv", lambda p: p.contract.number),
        (reverse("purchase:spending_list") + "?export=csv", lambda p: p.contract.number),
        ("/api/projects", lambda p: p.project.title),
        ("/api/contracts", lambda p: p.contract.number),
        ("/api/spending", lambda p: f'"id": {p.spending.pk},'),
    ]
    if role != "agency_admin":
        checks.append((reverse("purchase:filing_list"), lambda p: p.agency.name))
    for url in (reverse("purchase:labour_contract_list"), "/api/labour-contracts"):
        body = client.get(url).content.decode()
        marker = {
            n: f"/purchase/labour-contracts/{p.labour.pk}/"
            if "/api/" not in url
            else f'"id": {p.labour.pk},'
            for n, p in purchase_world.places.items()
        }
        shown = {n for n, m in marker.items() if m in body}
        assert shown == PAY_READERS.get(role, NONE), url
    for url, label in checks:
        body = client.get(url).content.decode()
        shown = {n for n, p in purchase_world.places.items() if label(p) in body}
        assert shown == VIEW.get(role, NONE), url


@pytest.mark.parametrize("role", ROLES)
def test_purchase_api_creates(client, purchase_world, role):
    client.force_login(purchase_world.actors[role])
    for name, (url, allowed) in API_CREATES.items():
        status = client.post(url, "{}", content_type="application/json").status_code
        assert status == (422 if role == allowed else 403), (name, role)


def test_an_api_spending_entry_carries_its_voucher(client, purchase_world):
    place = purchase_world.places["own"]
    client.force_login(purchase_world.actors["agency_admin"])
    body = {
        "contract": place.contract.pk,
        "station": place.station.pk,
        "date": place.spending.date.isoformat(),
        "category": "operations",
        "sub_item": "物资购置",
        "amount": "20",
        "payee": "超市",
        "voucher": {"name": "v.png", "content_base64": base64.b64encode(PNG).decode()},
    }
    made = client.post("/api/spending", body, content_type="application/json")
    assert made.status_code == 201, made.content
    entry = Spending.objects.get(pk=made.json()["id"])
    assert entry.kind == "png" and entry.status == "submitted"
    body["voucher"]["content_base64"] = base64.b64encode(b"not an image").decode()
    bad = client.post("/api/spending", body, content_type="application/json")
    assert bad.status_code == 422 and "voucher" in bad.json()["errors"]
    other = purchase_world.places["neighbour"].contract.pk
    body["voucher"]["content_base64"] = base64.b64encode(PNG).decode()
    refused = client.post(
        "/api/spending", {**body, "contract": other}, content_type="application/json"
    )
    assert refused.status_code == 422 and "contract" in refused.json()["errors"]
