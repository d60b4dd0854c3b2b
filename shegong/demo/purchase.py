"""A year of government purchase for the demo cities: every agency filed (one still
awaiting the county's review), a project per county with its budget by fund source, a
contract per agency for the stations it runs (budget by category, instalments 30/40/30,
agreed outputs near what the stations are doing), and the spending of the year, month by
month, close to budget: one category overspent with a reason, last month's entries
awaiting approval, one rejected. Written in bulk (a few thousand rows)."""

import datetime
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.indicators.selectors import totals_between
from shegong.purchase.models import (
    SUB_ITEMS,
    BudgetLine,
    Category,
    Contract,
    Filing,
    FilingDocument,
    Instalment,
    Output,
    Project,
    ProjectFunding,
    Spending,
    Target,
)
from shegong.regions.models import Region
from shegong.stations.models import Agency, Station

SEED = 20261201
OFFICERS = (Role.COUNTY_OFFICER, Role.CITY_OFFICER, Role.PROVINCE_OFFICER)
# the smallest valid PNG: every demo voucher and certificate points at one stored file
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)
SHARE = {
    Category.PERSONNEL: Decimal("0.70"),
    Category.OPERATIONS: Decimal("0.20"),
    Category.CONSTRUCTION: Decimal("0.07"),
    Category.EVALUATION: Decimal("0.03"),
}
PER_STATION = Decimal(300000)  # a township station's year: four workers and their work
OUTPUTS = [Output.VISIT, Output.FILE_HOUSEHOLD, Output.CASE_OPENED, Output.ACTIVITY, Output.SESSION]


def _codes(cities) -> list[str]:
    """The codes of the demo cities' counties (agencies are registered at a county)."""
    return list(
        Region.objects.filter(level=3, parent_id__in=list(cities)).values_list("code", flat=True)
    )


def stored_once(name: str, content: bytes) -> str:
    """The storage name of ``content`` kept at ``name``, saved on the first load only
    (every demo voucher, contract and certificate scan points at one file)."""
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(content))
    return name


def demo_purchase_load(*, today: datetime.date | None = None) -> dict[str, int]:
    """The purchase year for every demo county without a project yet; counts written."""
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    year = today.year
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    voucher = stored_once("documents/demo/voucher.png", PNG)
    done = set(Project.objects.values_list("region_id", flat=True))
    stations = list(
        Station.objects.filter(tier=Station.Tier.TOWNSHIP, agency__isnull=False)
        .exclude(region__parent_id__in=done)
        .select_related("region")
        .order_by("region_id")
    )
    if not stations:
        return {"projects": 0}
    by_scope = {
        u.scope_region_id: u
        for u in User.objects.filter(role__in=OFFICERS, is_active=True).order_by("-pk")
    }
    # each county's purchaser: its own officer, else the city's or the province's acts for it
    officers = {
        county: next((by_scope[c] for c in (county, county[:4], county[:2]) if c in by_scope), None)
        for county in {s.region_id[:6] for s in stations}
    }
    admins = {
        u.agency_id: u
        for u in User.objects.filter(role=Role.AGENCY_ADMIN, is_active=True).order_by("pk")
    }
    by_county: dict[str, dict[int, list[Station]]] = {}
    for s in stations:
        by_county.setdefault(s.region_id[:6], {}).setdefault(s.agency_id, []).append(s)
    cities = {s.region_id[:4] for s in stations}
    first_county = min(by_county)
    # a new agency of the first county has applied: its filing waits for the county
    newcomer, _created = Agency.objects.get_or_create(
        credit_code=f"52{first_county}MJY000001",
        defaults={
            "name": "新启社会工作服务中心",
            "region_id": first_county,
            "legal_representative": "周启明",
            "registered_on": datetime.date(today.year - 1, 3, 1),
        },
    )
    agencies = {
        a.pk: a
        for a in Agency.objects.select_related("region").filter(region_id__in=_codes(cities))
    }
    running = {s.agency_id for s in stations}
    counts = dict.fromkeys(["filings", "projects", "contracts", "targets", "spending"], 0)
    waiting = {pk for pk in agencies if pk not in running}  # no station yet: applied
    filings = []
    for a in sorted(agencies.values(), key=lambda a: a.pk):
        if Filing.objects.filter(agency=a).exists():
            continue
        officer = officers.get(a.region_id[:6])
        approved = a.pk not in waiting
        filings.append(
            Filing(
                agency=a,
                region_id=a.region_id,
                legal_representative=a.legal_representative or "张伟",
                registration_authority=f"{a.region.name}民政局",
                certificate_number=f"51{a.region_id}MJ{a.pk:06d}",
                founded_on=a.registered_on or datetime.date(2015, 1, 1),
                service_fields=rng.sample(["assistance", "elderly", "children", "community"], 3),
                qualifications=f"{rng.choice(['3A', '4A', '5A'])} 级社会组织；"
                f"持证社工 {rng.randint(5, 30)} 名",
                status=Filing.Status.APPROVED if approved else Filing.Status.SUBMITTED,
                submitted_at=timezone.now() - datetime.timedelta(days=300 if approved else 3),
                decided_at=timezone.now() - datetime.timedelta(days=290) if approved else None,
                decided_by=officer if approved else None,
            )
        )
    Filing.objects.bulk_create(filings)
    counts["filings"] = len(filings)
    certificate = stored_once("documents/demo/certificate.png", PNG)
    FilingDocument.objects.bulk_create(
        FilingDocument(
            filing=f,
            title=FilingDocument.Kind.CERTIFICATE,
            file=certificate,
            kind="png",
            size=len(PNG),
            uploaded_by=admins.get(f.agency_id) or officers.get(f.region_id[:6]),
        )
        for f in Filing.objects.filter(agency__in=agencies.values())
        if not f.documents.exists() and (admins.get(f.agency_id) or officers.get(f.region_id[:6]))
    )
    # figures so far, for agreed outputs near what the stations are doing
    actual = totals_between(
        nodes=[s.region_id for s in stations],
        start=start,
        end=today,
        metrics=[o.value for o in OUTPUTS],
    )
    county_names = {s.region_id[:6]: "" for s in stations}
    for code, name in Region.objects.filter(code__in=county_names).values_list("code", "name"):
        county_names[code] = name
    gone = Decimal((today - start).days + 1) / Decimal((end - start).days + 1)
    overspent = None
    spending: list[Spending] = []
    for county, by_agency in sorted(by_county.items()):
        officer = officers.get(county)
        if officer is None:
            continue
        filed = [a for a in sorted(by_agency) if a not in waiting]
        if not filed:
            continue
        total = sum(PER_STATION * len(by_agency[a]) for a in filed)
        project = Project.objects.create(
            title=f"{year} 年{county_names[county]}乡镇（街道）社工站服务项目",
            region_id=county,
            year=year,
            method=rng.choice(["open_tender", "consultation"]),
            notice_number=f"{county}-{year}-{rng.randint(1, 99):03d}",
            created_by=officer,
        )
        counts["projects"] += 1
        ProjectFunding.objects.bulk_create(
            [
                ProjectFunding(
                    project=project, source="assistance_special", amount=total * Decimal("0.6")
                ),
                ProjectFunding(project=project, source="lottery", amount=total * Decimal("0.25")),
                ProjectFunding(
                    project=project, source="local_budget", amount=total * Decimal("0.15")
                ),
            ]
        )
        for n, agency_id in enumerate(filed, start=1):
            own = by_agency[agency_id]
            amount = PER_STATION * len(own)
            contract = Contract.objects.create(
                project=project,
                agency_id=agency_id,
                region_id=county,
                number=f"HT{county}{year}{n:02d}",
                signed_on=datetime.date(year, 1, 5),
                starts_on=start,
                ends_on=end,
                amount=amount,
                created_by=officer,
            )
            contract.stations.set(own)
            counts["contracts"] += 1
            budget = {c: (amount * SHARE[c]).quantize(Decimal("0.01")) for c in Category}
            BudgetLine.objects.bulk_create(
                BudgetLine(contract=contract, category=c, amount=a) for c, a in budget.items()
            )
            Instalment.objects.bulk_create(
                [
                    Instalment(
                        contract=contract,
                        seq=1,
                        condition="signing",
                        amount=amount * Decimal("0.3"),
                        condition_met_on=datetime.date(year, 1, 5),
                        confirmed_by=officer,
                        paid_on=datetime.date(year, 1, 20),
                        paid_amount=amount * Decimal("0.3"),
                    ),
                    Instalment(
                        contract=contract,
                        seq=2,
                        condition="mid_evaluation",
                        amount=amount * Decimal("0.4"),
                        condition_met_on=datetime.date(year, 7, 15) if today.month > 7 else None,
                        confirmed_by=officer if today.month > 7 else None,
                        # the first contract of a county: due, not yet paid (a to-do)
                        paid_on=datetime.date(year, 8, 10)
                        if today > datetime.date(year, 8, 10) and n > 1
                        else None,
                        paid_amount=amount * Decimal("0.4")
                        if today > datetime.date(year, 8, 10) and n > 1
                        else None,
                    ),
                    Instalment(
                        contract=contract,
                        seq=3,
                        condition="final_evaluation",
                        amount=amount * Decimal("0.3"),
                    ),
                ]
            )
            targets = []
            for s in own:
                done_here = actual.get(s.region_id, {})
                for output in OUTPUTS:
                    so_far = done_here.get(output.value, Decimal(0))
                    pace = so_far / gone if gone else so_far
                    value = int(pace * Decimal(str(rng.uniform(0.85, 1.35)))) or rng.randint(2, 12)
                    targets.append(Target(contract=contract, station=s, output=output, value=value))
                targets.append(Target(contract=contract, station=s, output=Output.STAFF, value=4))
            Target.objects.bulk_create(targets)
            counts["targets"] += len(targets)
            admin = admins.get(agency_id)
            if admin is None:
                continue
            over = overspent is None
            if over:
                overspent = contract
            spending += _year_of_spending(
                rng, contract, own, budget, today, admin, officer, voucher, overspend=over
            )
    Spending.objects.bulk_create(spending, batch_size=2000)
    counts["spending"] = len(spending)
    counts.update(_employment(rng, stations, admins, officers, today))
    counts.update(_versions(stations, officers, today))
    return counts


def _versions(stations, officers, today) -> dict[str, int]:
    """The province's subsidy rates for the year, and the year's versions confirmed in
    every county but the first (whose officer, ``yuhu``, has them to do)."""
    from shegong.purchase.models import SubsidyRate, VersionConfirmation
    from shegong.purchase.selectors import station_versions

    province = next((u for u in officers.values() if u.role == Role.PROVINCE_OFFICER), None)
    year = today.year
    if province is not None:
        SubsidyRate.objects.get_or_create(
            province_id="43",
            year=year,
            defaults={
                "v1": Decimal(50000),
                "v2": Decimal(80000),
                "v3": Decimal(120000),
                "updated_by": province,
            },
        )
    first = min(s.region_id[:6] for s in stations)
    rows = []
    for county in sorted({s.region_id[:6] for s in stations} - {first}):
        officer = officers.get(county)
        if officer is None:
            continue
        for r in station_versions(user=officer, code=county, year=year):
            rows.append(
                VersionConfirmation(
                    station=r.station,
                    region_id=r.station.region_id,
                    year=year,
                    version=r.computed,
                    computed=r.computed,
                    share=r.share or Decimal(0),
                    confirmed_by=officer,
                )
            )
    VersionConfirmation.objects.bulk_create(rows, ignore_conflicts=True)
    return {"versions_confirmed": len(rows)}


def _employment(rng, stations, admins, officers, today) -> dict[str, int]:
    """Labour contracts and the year's pay and five insurances for every worker of the
    stations, with a few realistic faults: the first county's second agency paid late
    for three months, two workers missing medical insurance for two months, and one
    worker whose contract ended in the summer."""
    from shegong.accounts.roles import STATION_ROLES
    from shegong.purchase.models import LabourContract, Payroll
    from shegong.purchase.selectors import month_end

    document = stored_once("documents/demo/labour-contract.png", PNG)
    workers = list(
        User.objects.filter(station__in=stations, role__in=STATION_ROLES, is_active=True)
        .select_related("station")
        .order_by("station__region_id", "username")
    )
    by_agency: dict[int, list] = {}
    for w in workers:
        by_agency.setdefault(w.station.agency_id, []).append(w)
    agencies = sorted(by_agency)
    late_agency = agencies[1] if len(agencies) > 1 else None
    uninsured = {workers[3].pk, workers[len(workers) // 2].pk} if len(workers) > 4 else set()
    ended = workers[5].pk if len(workers) > 5 else None
    contracts, pays = [], []
    first = datetime.date(today.year, 1, 1)
    months = []
    month = first
    while month_end(month=month) < today:
        months.append(month)
        month = month_end(month=month) + datetime.timedelta(days=1)
    for w in workers:
        admin = admins.get(w.station.agency_id) or officers.get(w.station.region_id[:6])
        if admin is None:
            continue
        contracts.append(
            LabourContract(
                agency_id=w.station.agency_id,
                worker=w,
                region_id=w.station.region_id,
                kind="fixed",
                starts_on=datetime.date(today.year - 1, 1, 1),
                ends_on=datetime.date(today.year, 6, 30)
                if w.pk == ended
                else datetime.date(today.year + 1, 12, 31),
                pay_day=15,
                document=document,
                kind_of_file="png",
                size=len(PNG),
                created_by=admin,
            )
        )
        gross = Decimal(rng.randrange(4500, 6800, 100))
        for m in months:
            late = w.station.agency_id == late_agency and m in months[-3:]
            medical = not (w.pk in uninsured and m in months[-2:])
            pays.append(
                Payroll(
                    agency_id=w.station.agency_id,
                    worker=w,
                    region_id=w.station.region_id,
                    month=m,
                    gross=gross,
                    net=(gross * Decimal("0.82")).quantize(Decimal("0.01")),
                    paid_on=month_end(month=m) + datetime.timedelta(days=25 if late else 8),
                    pension=True,
                    medical=medical,
                    unemployment=True,
                    injury=True,
                    maternity=True,
                    housing_fund=rng.random() < 0.6,
                    created_by=admin,
                )
            )
    LabourContract.objects.bulk_create(contracts, batch_size=2000)
    Payroll.objects.bulk_create([p for p in pays if p.paid_on <= today], batch_size=2000)
    return {"labour_contracts": len(contracts), "payroll": len(pays)}


def _year_of_spending(
    rng, contract, stations, budget, today, admin, officer, voucher, *, overspend
) -> list[Spending]:
    """Each station's months so far: pay and insurance, materials and services, a little
    construction, the evaluation in the autumn. Past months approved, this month's awaiting
    approval; with ``overspend``, operations run 8 % past budget (with the reason)."""
    rows: list[Spending] = []
    months = today.month
    per_station = {c: budget[c] / len(stations) for c in budget}
    pace = Decimal(months) / Decimal(12)
    decided = timezone.now() - datetime.timedelta(days=2)
    for station in stations:
        plan = {
            Category.PERSONNEL: per_station[Category.PERSONNEL] * pace * Decimal("0.98"),
            Category.OPERATIONS: per_station[Category.OPERATIONS]
            * (Decimal("1.08") if overspend else pace * Decimal("0.9")),
            Category.CONSTRUCTION: per_station[Category.CONSTRUCTION] * Decimal("0.8"),
            Category.EVALUATION: per_station[Category.EVALUATION] * Decimal("0.5")
            if months >= 10
            else Decimal(0),
        }
        for category, total in plan.items():
            if total <= 0:
                continue
            parts = months if category in (Category.PERSONNEL, Category.OPERATIONS) else 2
            each = (total / parts).quantize(Decimal("0.01"))
            for i in range(parts):
                month = (i * months) // parts + 1
                day = min(datetime.date(today.year, month, rng.randint(5, 25)), today)
                last = category == Category.OPERATIONS and overspend and i == parts - 1
                current = day.month == today.month
                status = Spending.Status.SUBMITTED if current else Spending.Status.APPROVED
                rows.append(
                    Spending(
                        contract=contract,
                        station=station,
                        region_id=station.region_id,
                        date=day,
                        category=category,
                        sub_item=rng.choice(SUB_ITEMS[category]),
                        amount=each,
                        payee=rng.choice(
                            ["湘潭百货公司", "张家界印务", "社工站全体驻站社工", "湖南评估中心"]
                        ),
                        voucher=voucher,
                        kind="png",
                        size=len(PNG),
                        over_budget_reason="冬季困难群众慰问物资价格上涨，经县民政局同意追加"
                        if last
                        else "",
                        status=status,
                        decided_by=None if current else officer,
                        decided_at=None if current else decided,
                        created_by=admin,
                    )
                )
    if rows:  # one entry the county sent back
        sample = rows[len(rows) // 2]
        sample.status = Spending.Status.REJECTED
        sample.decision_note = "凭证不清晰，请重新上传"
        sample.decided_by, sample.decided_at = officer, decided
    return rows
