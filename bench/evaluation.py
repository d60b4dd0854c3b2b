"""Evaluation benchmark: a city's final round over every township station of Hunan's
largest city bigger than life (``--stations``, default 2,000: a whole province's worth of
stations in one city round), the seeded 40-item tree, a lead sheet per station with all
40 scores and a second evaluator on a third of them, results published. Measured through
the server's own request path (Django's test client):

- the round summary workbook (every station × 40 items, totals, grades, the counties'
  averages), which is what the issue asks to time;
- the round's page (stations, evaluators, sheets, results) and a lead's score sheet.

    python bench/evaluation.py --db sqlite
    python bench/evaluation.py --db postgres --stations 2000

Prints one JSON line; nothing asserts a time.
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
CITY = "4301"


def build(n_stations: int) -> dict:
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from shegong.accounts.models import User
    from shegong.accounts.roles import Role
    from shegong.evaluation.models import (
        Assignment,
        EvaluationAgency,
        Node,
        Result,
        Round,
        RoundStation,
        Score,
        Sheet,
        Tree,
    )
    from shegong.evaluation.seed import TITLE
    from shegong.indicators.compute import rule_set_for
    from shegong.regions.models import Level, Region
    from shegong.regions.services import divisions_import
    from shegong.stations.models import Station

    rng = random.Random(13)
    divisions_import(directory=settings.SHEGONG_DIVISIONS_DIR, only=["43"])
    townships = list(
        Region.objects.filter(level=Level.TOWNSHIP, code__startswith=CITY).order_by("code")
    )
    t0 = time.perf_counter()
    with transaction.atomic():
        city = User.objects.create(username="c", role=Role.CITY_OFFICER, scope_region_id=CITY)
        evaluators = [
            User.objects.create(username=f"e{i}", role=Role.EVALUATOR, scope_region_id=CITY)
            for i in range(20)
        ]
        agency = EvaluationAgency.objects.create(
            name="评估中心", credit_code="52430100MJY0000019", region_id=CITY
        )
        agency.members.set(evaluators)
        # the city's townships hold the stations; beyond them, more stations per township
        Station.objects.bulk_create(
            (
                Station(
                    name=f"{townships[i % len(townships)].name}社工站{i}",
                    region=townships[i % len(townships)],
                )
                for i in range(n_stations)
            ),
            batch_size=2000,
        )
        stations = list(Station.objects.order_by("region_id", "pk"))
        tree = Tree.objects.get(region_code="43", year=2025, title=TITLE)
        items = list(tree.nodes.filter(level=Node.Level.ITEM).order_by("seq"))
        rnd = Round.objects.create(
            region_id=CITY,
            year=YEAR,
            kind=Round.Kind.FINAL,
            title="城市末期评估",
            tree=tree,
            opens_on=datetime.date(YEAR, 11, 1),
            closes_on=datetime.date(YEAR, 11, 30),
            created_by=city,
            population=len(stations),
        )
        RoundStation.objects.bulk_create(
            (RoundStation(round=rnd, station=s, draw_order=n) for n, s in enumerate(stations, 1)),
            batch_size=5000,
        )
        sheets, assignments = [], []
        for n, s in enumerate(stations):
            lead = evaluators[n % 20]
            assignments.append(
                Assignment(round=rnd, station=s, evaluator=lead, agency=agency, is_lead=True)
            )
            sheets.append(
                Sheet(
                    round=rnd,
                    station=s,
                    region_id=s.region_id,
                    author=lead,
                    kind="evaluator",
                    is_lead=True,
                    status="submitted",
                    submitted_at=timezone.now(),
                )
            )
            if n % 3 == 0:
                second = evaluators[(n + 1) % 20]
                assignments.append(
                    Assignment(round=rnd, station=s, evaluator=second, agency=agency)
                )
                sheets.append(
                    Sheet(
                        round=rnd,
                        station=s,
                        region_id=s.region_id,
                        author=second,
                        kind="evaluator",
                        status="submitted",
                        submitted_at=timezone.now(),
                    )
                )
        Assignment.objects.bulk_create(assignments, batch_size=5000)
        Sheet.objects.bulk_create(sheets, batch_size=5000)
        sheets = list(Sheet.objects.filter(round=rnd))
        scores = []
        totals = {}
        for sheet in sheets:
            total = Decimal(0)
            for item in items:
                v = (item.max_score * Decimal(str(rng.uniform(0.5, 1)))).quantize(Decimal("0.5"))
                total += v
                scores.append(Score(sheet=sheet, item=item, score=v))
            totals[sheet.pk] = total
        Score.objects.bulk_create(scores, batch_size=10000)
        for sheet in sheets:
            sheet.total = totals[sheet.pk]
        Sheet.objects.bulk_update(sheets, ["total"], batch_size=5000)
        rule_set = rule_set_for(CITY, YEAR)
        now = timezone.now()
        Result.objects.bulk_create(
            (
                Result(
                    round=rnd,
                    station_id=s.station_id,
                    region_id=s.region_id,
                    sheet=s,
                    score=s.total,
                    grade=rule_set.grade_for(s.total),
                    stars=rule_set.stars_for(s.total),
                    appeal_until=datetime.date(YEAR, 12, 10),
                    published_at=now,
                )
                for s in sheets
                if s.is_lead
            ),
            batch_size=5000,
        )
        Round.objects.filter(pk=rnd.pk).update(status="published", published_at=now)
        lead_sheet = next(s for s in sheets if s.is_lead)
    return {
        "built_s": round(time.perf_counter() - t0, 1),
        "users": {"city": city, "evaluator": lead_sheet.author},
        "stations": len(stations),
        "items": len(items),
        "scores": len(scores),
        "round": rnd.pk,
        "sheet": lead_sheet.pk,
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

    def get(level, url):
        def run():
            response = clients[level].get(url, HTTP_HOST="127.0.0.1")
            assert response.status_code == 200, (url, response.status_code)

        return run

    def queries(level, url) -> int:
        connection.force_debug_cursor = True
        reset_queries()
        get(level, url)()
        n = len(connection.queries)
        connection.force_debug_cursor = False
        return n

    rnd, sheet = world["round"], world["sheet"]
    pages = {
        "round_summary_xlsx_city": ("city", f"/evaluation/rounds/{rnd}/summary/"),
        "round_page_city": ("city", f"/evaluation/rounds/{rnd}/"),
        "score_sheet_officer": ("city", f"/evaluation/sheets/{sheet}/"),
        "result_list_city_first_page": ("city", "/evaluation/results/"),
    }
    out = {}
    for name, (level, url) in pages.items():
        out[name] = _timed(get(level, url), repeat)
        out[name]["queries"] = queries(level, url)
    return out


def bench(db: str, n_stations: int, repeat: int) -> dict:
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
    world = build(n_stations)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    users = world.pop("users")
    out = {"db": db, **world, "measures": measure({**world, "users": users}, repeat)}
    out.pop("round", None)
    out.pop("sheet", None)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--stations", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(bench(args.db, args.stations, args.repeat), ensure_ascii=False))


if __name__ == "__main__":
    main()
