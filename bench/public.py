"""Public station board benchmark (#15): requests per second under a load tool.

Builds Hunan's regions and a township station for each of its 2,008 townships (5 staff
each, 4 of them shown, each the contact of some villages), then starts gunicorn (2 sync
workers, one per core) on it and drives it with ApacheBench (``ab``, from apt's
apache2-utils, installed here if missing) over real HTTP:

- the station board, ``/public/stations/{id}/``, with the page cache on (what a resident
  gets), and with it off (``SHEGONG_PUBLIC_CACHE_SECONDS=0``: every request reads the DB);
- the village finder, ``/public/?region=<village>``;
- the public API board, ``/api/public/stations/{id}`` (its throttle raised for the run).

    python bench/public.py --db sqlite      # or --db postgres
    python bench/public.py --db sqlite --requests 5000 --concurrency 20

Prints one JSON line; nothing asserts a time.
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from tests.serving import free_port, gunicorn  # noqa: E402


def _database(db: str) -> str:
    from run import fresh_database

    return fresh_database("public", db)


def build() -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from shegong.accounts.models import User
    from shegong.accounts.roles import Role
    from shegong.regions.models import Level, Region
    from shegong.regions.services import divisions_import
    from shegong.stations.models import Station
    from shegong.workforce.models import SocialWorkerProfile

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as a deployment serves
    unusable = make_password(None)  # no one signs in as these staff
    divisions_import(directory=settings.SHEGONG_DIVISIONS_DIR, only=["43"])
    rng = random.Random(15)
    townships = list(Region.objects.filter(level=Level.TOWNSHIP).order_by("code"))
    Station.objects.bulk_create(
        [
            Station(
                name=f"{t.name}社工站",
                region=t,
                phone=f"0731-{rng.randint(50000000, 59999999)}",
                address=f"{t.name}政府院内",
                opening_hours="周一至周五 8:30–12:00，14:30–17:30",
                public_services="困难群众走访探视\n老年人关爱\n儿童关爱保护",
                complaint_phone=f"0731-5{t.code[2:6]}00",
            )
            for t in townships
        ],
        batch_size=1000,
    )
    stations = dict(Station.objects.values_list("region_id", "pk"))
    users = [
        User(
            username=f"b{t.code}{i}",
            password=unusable,
            full_name=f"社工{i}",
            role=Role.STATION_LEAD if i == 0 else Role.SOCIAL_WORKER,
            station_id=stations[t.code],
            scope_region_id=t.code,
        )
        for t in townships
        for i in range(5)
    ]
    User.objects.bulk_create(users, batch_size=2000)
    ids = dict(User.objects.filter(username__startswith="b43").values_list("username", "pk"))
    SocialWorkerProfile.objects.bulk_create(
        [
            SocialWorkerProfile(
                user_id=ids[u.username],
                on_public_board=not u.username.endswith("4"),
                qualification="assistant",
                certificate_status="verified",
            )
            for u in users
        ],
        batch_size=2000,
    )
    # the target: the township with the most villages, its villages shared among its staff
    counts: dict[str, int] = {}
    for parent in Region.objects.filter(level=Level.VILLAGE).values_list("parent_id", flat=True):
        counts[parent] = counts.get(parent, 0) + 1
    township = max(counts, key=counts.get)
    villages = list(Region.objects.filter(parent_id=township).values_list("code", flat=True))
    profiles = list(
        SocialWorkerProfile.objects.filter(user__station_id=stations[township]).order_by("pk")
    )
    through = SocialWorkerProfile.designated_villages.through
    through.objects.bulk_create(
        [
            through(socialworkerprofile_id=profiles[k % len(profiles)].pk, region_id=code)
            for k, code in enumerate(villages)
        ]
    )
    return {
        "station": stations[township],
        "village": villages[0],
        "stations": len(stations),
        "villages_of_station": len(villages),
    }


def _ab(url: str, requests: int, concurrency: int) -> dict:
    out = subprocess.run(
        ["ab", "-q", "-n", str(requests), "-c", str(concurrency), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def grab(pattern):
        m = re.search(pattern, out, re.M)
        return float(m.group(1)) if m else None

    failed = grab(r"^Failed requests:\s+(\d+)") or 0
    non2xx = grab(r"^Non-2xx responses:\s+(\d+)") or 0
    return {
        "rps": grab(r"^Requests per second:\s+([\d.]+)"),
        "p50_ms": grab(r"^\s+50%\s+(\d+)"),
        "p95_ms": grab(r"^\s+95%\s+(\d+)"),
        "bytes": grab(r"^Document Length:\s+(\d+)"),
        "failed": int(failed + non2xx),
        "requests": requests,
        "concurrency": concurrency,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    if not shutil.which("ab"):
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "apache2-utils"], check=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shegong.settings",
        "SHEGONG_INSECURE_DEV_KEY": "1",
        "SHEGONG_HTTPS": "0",
        "DATABASE_URL": _database(args.db),
        "SHEGONG_PUBLIC_API_RATE": "1000000/m",
    }
    os.environ.update(env)
    built = build()
    station, village = built["station"], built["village"]
    calls = {
        "board (cached)": (f"/public/stations/{station}/", "300"),
        "board (no cache)": (f"/public/stations/{station}/", "0"),
        "village finder (cached)": (f"/public/?region={village}", "300"),
        "API board (cached)": (f"/api/public/stations/{station}", "300"),
    }
    measures = {}
    for name, (path, seconds) in calls.items():
        port = free_port()
        server = gunicorn({**env, "SHEGONG_PUBLIC_CACHE_SECONDS": seconds}, port)
        try:
            url = f"http://127.0.0.1:{port}{path}"
            _ab(url, 50, 2)  # warm both workers
            measures[name] = _ab(url, args.requests, args.concurrency)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(
        json.dumps(
            {"db": args.db, **built, "server": "gunicorn, 2 sync workers", "measures": measures}
        )
    )


if __name__ == "__main__":
    main()
