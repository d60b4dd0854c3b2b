"""Field app benchmark (#14): a station's offline working set for a township of 3,000
people (``--people``), and a "changes since" call with 100 changes.

One township of Hunan with its villages, a station with 8 workers, 3,000 people in about
1,200 households (each with a category), 40 open cases, 6 groups of 12 members and 5 of
today's activities. Measured through the server's own request path (Django's test client):

- ``GET /api/field/stations/{id}/working-set``: its time and its size (JSON bytes, and
  gzip'd, which is what a phone downloads behind a server that compresses);
- ``GET /api/field/stations/{id}/changes?cursor=…``: 100 visits recorded since the cursor.

    python bench/field.py --db sqlite
    python bench/field.py --db postgres --people 3000

Prints one JSON line; nothing asserts a time.
"""

import argparse
import datetime
import gzip
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


def build(n_people: int) -> dict:
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from shegong.accounts.models import User
    from shegong.accounts.roles import Role
    from shegong.core.models import Change
    from shegong.core.validators import id_check_char
    from shegong.people.identity import id_fields, name_initials
    from shegong.people.models import Category, Household, Recipient, RecipientCategory
    from shegong.regions.models import Level, Region
    from shegong.regions.services import divisions_import
    from shegong.stations.models import Station
    from shegong.work.models import Activity, Case, Group, HomeVisit

    rng = random.Random(14)
    divisions_import(directory=settings.SHEGONG_DIVISIONS_DIR, only=["43"])
    # the township of Hunan with the most villages
    counts: dict[str, int] = {}
    for parent in Region.objects.filter(level=Level.VILLAGE).values_list("parent_id", flat=True):
        counts[parent] = counts.get(parent, 0) + 1
    township = max(counts, key=counts.get)
    villages = list(
        Region.objects.filter(parent_id=township).order_by("code").values_list("code", flat=True)
    )
    categories = list(Category.objects.all())
    today = timezone.localdate()
    t0 = time.perf_counter()
    with transaction.atomic():
        station = Station.objects.create(name="基准社工站", region_id=township)
        staff = [
            User.objects.create(
                username=f"w{i}",
                full_name=f"社工{i}",
                role=Role.STATION_LEAD if i == 0 else Role.SOCIAL_WORKER,
                station=station,
                scope_region_id=township,
            )
            for i in range(8)
        ]
        households, people, links = [], [], []
        seq = 0
        while len(people) < n_people:
            village = rng.choice(villages)
            household = Household(region_id=village, address=f"{rng.randint(1, 80)}组")
            households.append(household)
            for m in range(rng.randint(1, 4)):
                seq += 1
                born = datetime.date(1930, 1, 1) + datetime.timedelta(days=seq)
                first17 = f"{township[:6]}{born:%Y%m%d}{seq % 1000:03d}"
                number = first17 + id_check_char(first17)
                name = "张" + "三四五六七八九"[seq % 7] + "丰芳华明"[seq % 4]
                people.append(
                    Recipient(
                        name=name,
                        name_initials=name_initials(name),
                        id_number=number,
                        sex="M",
                        birth_date=born,
                        phone="13800000000",
                        address=household.address,
                        region_id=village,
                        household=household,
                        relation="head" if m == 0 else "spouse",
                        consent="oral",
                        consent_date=today,
                        consent_giver="self",
                        created_by=staff[0],
                        **id_fields(number),
                    )
                )
        Household.objects.bulk_create(households, batch_size=2000)
        Recipient.objects.bulk_create(people, batch_size=2000)
        for person in people:
            links.append(
                RecipientCategory(recipient=person, category=rng.choice(categories), since=today)
            )
        RecipientCategory.objects.bulk_create(links, batch_size=5000)
        Case.objects.bulk_create(
            Case(
                station=station,
                region_id=p.region_id,
                created_by=staff[1],
                worker=staff[1],
                number=f"GA{i:06d}",
                recipient=p,
                opened_on=today,
                source="outreach",
                domain="elderly",
                service_type="care",
                presenting_problem="照护",
                stage="intervention",
            )
            for i, p in enumerate(people[:40])
        )
        for g in range(6):
            group = Group.objects.create(
                station=station,
                region_id=township,
                created_by=staff[0],
                number=f"XZ{g}",
                name=f"小组{g}",
                nature="support",
                domain="elderly",
                service_type="spirit",
                goals="互助",
                target="老人",
                planned_sessions=6,
            )
            group.workers.set(staff[:2])
            group.members.set(people[g * 12 : g * 12 + 12])
        for a in range(5):
            activity = Activity.objects.create(
                station=station,
                region_id=township,
                created_by=staff[0],
                title=f"活动{a}",
                domain="governance",
                service_type="policy",
                date=today,
                hours=Decimal(2),
                participants_count=30,
            )
            activity.workers.set(staff[:3])
        cursor = Change.objects.order_by("-id").values_list("id", flat=True).first() or 0
        # 100 visits recorded since the cursor, each with its change (as the services do)
        visits = HomeVisit.objects.bulk_create(
            HomeVisit(
                station=station,
                region_id=p.region_id,
                created_by=staff[1],
                recipient=p,
                date=today,
                hours=Decimal(1),
                domain="elderly",
                service_type="care",
                situation="入户",
            )
            for p in people[:100]
        )
        HomeVisit.workers.through.objects.bulk_create(
            HomeVisit.workers.through(homevisit_id=v.pk, user_id=staff[1].pk) for v in visits
        )
        Change.objects.bulk_create(
            Change(region_code=v.region_id, kind="visit", object_id=v.pk) for v in visits
        )
    return {
        "built_s": round(time.perf_counter() - t0, 1),
        "user": staff[1],
        "station": station.pk,
        "people": len(people),
        "households": len(households),
        "villages": len(villages),
        "cursor": cursor,
    }


def measure(world: dict, repeat: int) -> dict:
    from django.db import connection, reset_queries
    from django.test import Client
    from run import _timed

    client = Client()
    client.force_login(world["user"])
    station, cursor = world["station"], world["cursor"]
    urls = {
        "working_set": f"/api/field/stations/{station}/working-set",
        "changes_100": f"/api/field/stations/{station}/changes?cursor={cursor}&limit=200",
    }
    out = {}
    for name, url in urls.items():

        def run(url=url):
            response = client.get(url, HTTP_HOST="127.0.0.1")
            assert response.status_code == 200, (url, response.status_code)
            return response

        out[name] = _timed(run, repeat)
        body = run().content
        out[name]["bytes"] = len(body)
        out[name]["gzip_bytes"] = len(gzip.compress(body))
        connection.force_debug_cursor = True
        reset_queries()
        run()
        out[name]["queries"] = len(connection.queries)
        connection.force_debug_cursor = False
        if name == "changes_100":
            out[name]["items"] = len(json.loads(body)["items"])
    return out


def bench(db: str, n_people: int, repeat: int) -> dict:
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
    world = build(n_people)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    measures = measure(world, repeat)
    world.pop("user")
    return {"db": db, **world, "measures": measures}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(bench(args.db, args.people, args.repeat), ensure_ascii=False))


if __name__ == "__main__":
    main()
