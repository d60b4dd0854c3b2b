"""Purchase benchmark: budget against spending for a province of 2,000 contracts and
100,000 spending entries, measured through the server's own request path (Django's test
client: every middleware, the session, the templates).

    python bench/purchase.py --db sqlite
    python bench/purchase.py --db postgres --contracts 2000 --spending 100000

Builds Hunan's divisions, a township station in every township (2,008), two agencies per
county with approved filings, a project per county, contracts sharing out the county's
stations (to ``--contracts``), a budget by category and three instalments each, agreed
outputs, and ``--spending`` entries over the year. Prints one JSON line; nothing asserts a
time.
"""

import argparse
import datetime
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

YEAR = 2025


def build(n_contracts: int, n_spending: int) -> dict:
    from django.conf import settings
    from django.db import transaction

    from shegong.accounts.models import User
    from shegong.accounts.roles import Role
    from shegong.purchase.models import (
        BudgetLine,
        Contract,
        Filing,
        Instalment,
        Project,
        Spending,
        Target,
    )
    from shegong.regions.models import Level, Region
    from shegong.regions.services import divisions_import
    from shegong.stations.models import Agency, Station

    rng = random.Random(12)
    divisions_import(directory=settings.SHEGONG_DIVISIONS_DIR, only=["43"])
    townships = list(Region.objects.filter(level=Level.TOWNSHIP, code__startswith="43"))
    counties = list(Region.objects.filter(level=Level.COUNTY, code__startswith="43"))
    t0 = time.perf_counter()
    with transaction.atomic():
        officer = User.objects.create(
            username="p", role=Role.PROVINCE_OFFICER, scope_region_id="43"
        )
        city = User.objects.create(username="c", role=Role.CITY_OFFICER, scope_region_id="4301")
        county = User.objects.create(
            username="k", role=Role.COUNTY_OFFICER, scope_region_id="430302"
        )
        agencies = Agency.objects.bulk_create(
            Agency(
                name=f"{c.name}机构{i}",
                credit_code=f"52{c.code}MJ{i:03d}{rng.randint(1000, 9999)}"[:18],
                region=c,
            )
            for c in counties
            for i in range(2)
        )
        Filing.objects.bulk_create(
            Filing(
                agency=a,
                region_id=a.region_id,
                legal_representative="张",
                registration_authority="局",
                certificate_number=str(a.pk),
                founded_on=datetime.date(2015, 1, 1),
                service_fields=["elderly"],
                status="approved",
            )
            for a in agencies
        )
        by_county: dict[str, list[Agency]] = {}
        for a in agencies:
            by_county.setdefault(a.region_id, []).append(a)
        Station.objects.bulk_create(
            Station(
                name=f"{t.name}社工站",
                region=t,
                agency=rng.choice(by_county.get(t.code[:6], agencies)),
            )
            for t in townships
        )
        stations = list(Station.objects.order_by("region_id"))
        agency_user = User.objects.create(
            username="a", role=Role.AGENCY_ADMIN, agency=stations[0].agency
        )
        projects = {
            c.code: Project(
                title=f"{c.name}项目", region=c, year=YEAR, method="open_tender", created_by=officer
            )
            for c in counties
        }
        Project.objects.bulk_create(projects.values())
        # contracts share out the stations: n_contracts over the 2,008 stations
        contracts, covers = [], []
        per = max(1, len(stations) // n_contracts)
        for i in range(0, len(stations), per):
            group = stations[i : i + per]
            code = group[0].region_id[:6]
            if code not in projects:
                continue
            contracts.append(
                Contract(
                    project=projects[code],
                    agency=group[0].agency,
                    region_id=code,
                    number=f"HT{i:06d}",
                    signed_on=datetime.date(YEAR, 1, 5),
                    starts_on=datetime.date(YEAR, 1, 1),
                    ends_on=datetime.date(YEAR, 12, 31),
                    amount=Decimal(300000) * len(group),
                    created_by=officer,
                )
            )
            covers.append(group)
        Contract.objects.bulk_create(contracts, batch_size=2000)
        through = Contract.stations.through
        through.objects.bulk_create(
            (
                through(contract_id=c.pk, station_id=s.pk)
                for c, g in zip(contracts, covers, strict=True)
                for s in g
            ),
            batch_size=5000,
        )
        BudgetLine.objects.bulk_create(
            (
                BudgetLine(contract=c, category=cat, amount=c.amount * share)
                for c in contracts
                for cat, share in (
                    ("personnel", Decimal("0.7")),
                    ("operations", Decimal("0.2")),
                    ("construction", Decimal("0.07")),
                    ("evaluation", Decimal("0.03")),
                )
            ),
            batch_size=5000,
        )
        Instalment.objects.bulk_create(
            (
                Instalment(contract=c, seq=i, condition=cond, amount=c.amount * share)
                for c in contracts
                for i, (cond, share) in enumerate(
                    (
                        ("signing", Decimal("0.3")),
                        ("mid_evaluation", Decimal("0.4")),
                        ("final_evaluation", Decimal("0.3")),
                    ),
                    start=1,
                )
            ),
            batch_size=5000,
        )
        Target.objects.bulk_create(
            (
                Target(contract=c, station=s, output=o, value=rng.randint(50, 500))
                for c, g in zip(contracts, covers, strict=True)
                for s in g
                for o in ("visit", "activity", "staff")
            ),
            batch_size=5000,
        )
        pairs = [(c, s) for c, g in zip(contracts, covers, strict=True) for s in g]
        Spending.objects.bulk_create(
            (
                Spending(
                    contract=c,
                    station=s,
                    region_id=s.region_id,
                    date=datetime.date(YEAR, rng.randint(1, 12), rng.randint(1, 28)),
                    category=rng.choice(["personnel", "personnel", "operations", "construction"]),
                    sub_item="工资",
                    amount=Decimal(rng.randint(500, 30000)),
                    payee="收款方",
                    voucher="documents/bench.png",
                    kind="png",
                    size=100,
                    status=rng.choice(["approved", "approved", "approved", "submitted"]),
                    over_budget_reason="" if rng.random() > 0.01 else "说明",
                    created_by=agency_user,
                )
                for c, s in (rng.choice(pairs) for _ in range(n_spending))
            ),
            batch_size=5000,
        )
    return {
        "built_s": round(time.perf_counter() - t0, 1),
        "users": {"province": officer, "city": city, "county": county, "agency": agency_user},
        "contracts": Contract.objects.count(),
        "spending": Spending.objects.count(),
        "stations": len(stations),
        "sample_contract": contracts[len(contracts) // 2].pk,
    }


def measure(world: dict, repeat: int) -> dict:
    from django.db import connection, reset_queries
    from django.test import Client
    from run import _timed

    clients = {}
    for level, user in world["users"].items():
        c = Client()
        c.force_login(user)
        clients[level] = c

    def get(level, url, params=None):
        def run():
            response = clients[level].get(url, params or {}, HTTP_HOST="127.0.0.1")
            assert response.status_code == 200, (url, params, response.status_code)

        return run

    def queries(level, url, params=None) -> int:
        connection.force_debug_cursor = True
        reset_queries()
        get(level, url, params)()
        n = len(connection.queries)
        connection.force_debug_cursor = False
        return n

    out = {}
    pages = {
        "budget_province_year": (
            "province",
            "/purchase/budget/",
            {"node": "43", "period": str(YEAR)},
        ),
        "budget_city_year": ("city", "/purchase/budget/", {"node": "4301", "period": str(YEAR)}),
        "budget_county_year": (
            "county",
            "/purchase/budget/",
            {"node": "430302", "period": str(YEAR)},
        ),
        "budget_province_month": (
            "province",
            "/purchase/budget/",
            {"node": "43", "period": f"{YEAR}-06"},
        ),
        "budget_province_year_xlsx": (
            "province",
            "/purchase/budget/",
            {"node": "43", "period": str(YEAR), "export": "xlsx"},
        ),
        "spending_list_province_first_page": ("province", "/purchase/spending/", {}),
        "contract_list_province_first_page": ("province", "/purchase/contracts/", {}),
        # the API's list: rows counted up to the bound past the offset, and every row counted
        "spending_api_province_first_page": ("province", "/api/spending", {"limit": 50}),
        "spending_api_province_exact_count": (
            "province",
            "/api/spending",
            {"limit": 50, "exact_count": "true"},
        ),
        "contract_detail": ("province", f"/purchase/contracts/{world['sample_contract']}/", {}),
        "agency_home": ("agency", "/", {}),
    }
    for name, (level, url, params) in pages.items():
        out[name] = _timed(get(level, url, params), repeat)
        out[name]["queries"] = queries(level, url, params)
    return out


def bench(db: str, n_contracts: int, n_spending: int, repeat: int) -> dict:
    from run import _setup

    os.environ["SHEGONG_DEBUG"] = "0"
    os.environ["SHEGONG_REQUIRE_2FA"] = "0"
    os.environ["SHEGONG_HTTPS"] = "0"
    os.environ["SHEGONG_ALLOWED_HOSTS"] = "127.0.0.1"
    _setup(db)
    from django.conf import settings

    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    world = build(n_contracts, n_spending)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    users = world.pop("users")
    out = {"db": db, **world, "measures": measure({**world, "users": users}, repeat)}
    out.pop("sample_contract", None)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--contracts", type=int, default=2000)
    parser.add_argument("--spending", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    print(
        json.dumps(bench(args.db, args.contracts, args.spending, args.repeat), ensure_ascii=False)
    )


if __name__ == "__main__":
    main()
