"""`make loadtest`: gunicorn on PostgreSQL with the demo, driven by locust.

    python bench/loadtest.py              # build the demo database, then measure
    python bench/loadtest.py --reuse      # keep the database of the last run

1. **Mixed**: 16 users for 60 s, each logged in as its own account — social workers and
   station leads of 雨湖区, an agency administrator, two county officers, the city and the
   province, the evaluator, the audit and system administrators — on what each opens
   (dashboards, lists, details, drill-downs, reports, API reads), about a fifth of the
   requests writes through the API (visits, activities, case entries).
2. **Writers**: 16 other staff of the same county only record visits, for 30 s; then the
   database's deadlock count, and the aggregates against a full rebuild (exact or not).
3. **Idle lists**: each list page alone, 12 times, the server otherwise idle.

Figures go to bench/results.json ("loadtest") and bench/results.md; nothing asserts a
time: the targets are printed beside what was measured.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import webprofile  # noqa: E402  (bench/ is on the path: this script's folder)

from tests import serving  # noqa: E402

DB = "shegong_load"
URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
# as deployed (deploy/env.example): the cache and the sessions in Redis, a database of its
# own, emptied before each run
REDIS = os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/3")
PASSWORD = "Shegong@2026"  # noqa: S105 (the demo logins' published password)
LOCUST = ROOT / ".venv-load" / "bin" / "locust"
COUNTY = "430302"  # 雨湖区
TARGETS = {"rps": 150, "p95_ms": 100, "writes_per_s": 80, "list_ms": 25}


def psql(sql: str, db: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qAtc", sql, db],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def build_database() -> None:
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB}")
    env = {**os.environ, "DATABASE_URL": URL, "SHEGONG_DEBUG": "1"}
    manage = [sys.executable, "manage.py"]
    for args in (["migrate", "-v0"], ["import_divisions", "--only", "43"], ["load_demo"]):
        subprocess.run([*manage, *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def _days_used_up(plan: dict) -> bool:
    """Whether some account of the plan that writes has no day left to write on."""
    return any(not row["days"] for row in plan["users"] + plan["writers"] if row.get("writes"))


def server_env() -> dict:
    # officers would need their second factor to log in: off, as for the demo
    return serving.server_env(URL, SHEGONG_REDIS_URL=REDIS, SHEGONG_CACHE_PREFIX="load")


def setup_django(**extra: str) -> None:
    """Django set up in this process with the load test's server settings and database
    (``extra`` on top), for the scripts that measure one page or one read in a process:
    bench/page_costs.py, bench/profile_pages.py, bench/instances.py."""
    os.environ.update({**server_env(), "DATABASE_URL": URL, **extra})
    import django

    django.setup()


# ----- the plan: who the users are and what they open -----------------------------------


def _days(user, today: datetime.date) -> list[str]:
    """The days of the last 60 a worker may still record on: months not locked, and under
    12 hours recorded (a database kept from earlier runs, ``--reuse``, fills days up: a
    write past 24 hours a day is refused, rightly, and would count as an error here)."""
    from django.db.models import Sum

    from shegong.indicators.models import ServiceFact
    from shegong.indicators.selectors import refuse_locked_month

    since = today - datetime.timedelta(days=59)
    full = {
        day
        for day, hours in ServiceFact.objects.filter(worker=user, date__gte=since)
        .values_list("date")
        .annotate(h=Sum("hours"))
        if hours and hours >= 12
    }
    days = []
    for back in range(0, 60):
        day = today - datetime.timedelta(days=back)
        errors: dict = {}
        refuse_locked_month(station_id=user.station_id, day=day, errors=errors)
        if not errors and day not in full:
            days.append(day.isoformat())
    return days


def _writer(user) -> dict:
    """What a station's staff member may write: a village with people, its people, the
    cases in intervention they may add entries to."""
    from django.db.models import Count

    from shegong.core.restrict import can
    from shegong.people.models import Recipient
    from shegong.work.models import Case

    township = user.station.region_id
    village = (
        Recipient.objects.filter(region__code__startswith=township, region__level=5)
        .values("region_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()["region_id"]
    )
    recipients = list(
        Recipient.objects.filter(region_id=village).order_by("pk").values_list("pk", flat=True)[:40]
    )
    cases = [
        c.pk
        for c in Case.objects.filter(station=user.station, stage=Case.Stage.INTERVENTION)[:20]
        if can(user, c, "change")
    ]
    return {"village": village, "recipients": recipients, "entry": cases, "activity": True}


def build_plan(today: datetime.date) -> dict:
    from shegong.accounts.models import Role, User
    from shegong.people.models import Recipient
    from shegong.stations.models import Station
    from shegong.work.models import Case, HomeVisit

    staff = list(
        User.objects.filter(
            is_active=True,
            role__in=[Role.SOCIAL_WORKER, Role.STATION_LEAD],
            station__region__code__startswith=COUNTY,
        )
        .select_related("station")
        .order_by("station_id", "username")
    )
    workers = [u for u in staff if u.role == Role.SOCIAL_WORKER]
    leads = [u for u in staff if u.role == Role.STATION_LEAD]
    # spread over stations: the first worker of each station, then the second …
    by_station: dict[int, list] = {}
    for u in workers:
        by_station.setdefault(u.station_id, []).append(u)
    spread = [
        u for i in range(10) for group in by_station.values() if i < len(group) for u in [group[i]]
    ]
    mixed_staff = spread[:6] + leads[:2]
    taken = {u.pk for u in mixed_staff}
    writers = [u for u in spread + leads if u.pk not in taken][:16]
    station = mixed_staff[0].station
    agency_admin = User.objects.filter(role=Role.AGENCY_ADMIN, agency_id=station.agency_id).first()
    period_month = (today.replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    year = str(today.year)

    def officer(node: str) -> list[tuple[str, str]]:
        q = urllib.parse.urlencode
        return [
            ("/", "home"),
            (f"/indicators/?{q({'node': node, 'period': year})}", "dashboard"),
            (f"/indicators/?{q({'node': node, 'period': period_month})}", "dashboard"),
            (
                f"/indicators/records/?{q({'metric': 'visit', 'node': node, 'period': period_month})}",
                "drill-down",
            ),
            (f"/indicators/report/?{q({'node': node, 'period': period_month})}", "report"),
            (f"/stations/?{q({'region': node})}", "list: stations"),
            (
                f"/stations/{Station.objects.filter(region__code__startswith=node).first().pk}/",
                "detail: station",
            ),
            ("/workforce/registry/", "list: workforce registry"),
            (f"/api/indicators?{q({'node': node, 'period': period_month})}", "API: indicators"),
        ]

    def station_staff(user) -> list[tuple[str, str]]:
        visit = HomeVisit.objects.filter(station=user.station).order_by("-pk").first()
        person = Recipient.objects.filter(region__code__startswith=user.station.region_id).first()
        case = Case.objects.filter(station=user.station).first()
        reads = [
            ("/", "home"),
            ("/work/visits/", "list: visits"),
            ("/people/", "list: people"),
            ("/work/cases/", "list: cases"),
            ("/work/activities/", "list: activities"),
            ("/api/visits?limit=20", "API: visits"),
            ("/api/recipients?limit=20", "API: people"),
        ]
        if visit:
            reads.append((f"/work/visits/{visit.pk}/", "detail: visit"))
        if person:
            reads.append((f"/people/{person.pk}/", "detail: person"))
        if case:
            reads.append((f"/work/cases/{case.pk}/", "detail: case"))
        if user.role == Role.STATION_LEAD:
            reads += [
                ("/indicators/stations/", "station board"),
                ("/indicators/months/", "month board"),
            ]
        return reads

    users = []
    for u in mixed_staff:
        users.append(
            {
                "username": u.username,
                "role": u.role,
                "id": u.pk,
                "reads": station_staff(u),
                "writes": _writer(u),
                "days": _days(u, today),
            }
        )
    others = [
        (
            agency_admin.username,
            [
                ("/", "home"),
                ("/indicators/stations/", "station board"),
                ("/stations/", "list: stations"),
            ],
        ),
        ("yuhu", officer(COUNTY)),
        ("yuetang", officer("430304")),
        ("xiangtan", officer("4303")),
        ("hunan", officer("43")),
        (
            "pinggu",
            [
                ("/", "home"),
                ("/evaluation/rounds/", "list: evaluation rounds"),
                ("/evaluation/results/", "list: evaluation results"),
                ("/stations/", "list: stations"),
            ],
        ),
        ("auditadmin", [("/", "home"), ("/audit/", "list: audit log")]),
        (
            "sysadmin",
            [
                ("/", "home"),
                ("/accounts/users/", "list: accounts"),
                ("/stations/", "list: stations"),
            ],
        ),
    ]
    for username, reads in others:
        user = User.objects.get(username=username)
        users.append({"username": username, "role": user.role, "id": user.pk, "reads": reads})
    writer_rows = [
        {
            "username": u.username,
            "role": u.role,
            "id": u.pk,
            "reads": [],
            "writes": {**_writer(u), "entry": []},
            "days": _days(u, today),
        }
        for u in writers
    ]
    for row in users + writer_rows:
        if "writes" in row:
            row["writes"]["visit"] = bool(row["writes"]["recipients"])
    return {
        "password": PASSWORD,
        "users": users,
        "writers": writer_rows,
        "users_total": len(users),
        "writers_total": sum(1 for u in users if u.get("writes")),
    }


# ----- running -----------------------------------------------------------------------


def serve(port: int, workers: int) -> subprocess.Popen:
    return serving.gunicorn(server_env(), port, workers=workers, args=("--timeout", "120"))


class Browser(serving.Session):
    """A demo login (the smoke check and the idle timings)."""

    def __init__(self, base: str, username: str):
        super().__init__(base, username, PASSWORD)

    def get(self, path: str) -> tuple[int, float]:
        status, _kind, _body, ms = self.send(path)
        return status, ms


def smoke(base: str, plan: dict) -> None:
    """Every page of the plan answers 200 for its user before anything is measured."""
    bad = []
    for user in plan["users"]:
        browser = Browser(base, user["username"])
        for path, _name in user["reads"]:
            status, _ms = browser.get(path)
            if status != 200:
                bad.append(f"{user['username']} {path}: {status}")
    if bad:
        raise SystemExit("pages that do not answer 200:\n  " + "\n  ".join(bad))


def open_sessions(base: str, plan: dict) -> dict:
    """Log every account of the plan in before the runs, its cookies put in the plan: the
    runs measure people working, each in their session (a login is a password check —
    PBKDF2, a second of CPU by design — once a session, not once a page). What a login
    costs is measured here, one at a time."""
    times = []
    opened: dict[str, dict] = {}
    for account in plan["users"] + plan["writers"]:
        name = account["username"]
        if name not in opened:
            started = time.perf_counter()
            browser = Browser(base, name)
            times.append(1000 * (time.perf_counter() - started))
            opened[name] = {c.name: c.value for c in browser.jar}
        account["cookies"] = opened[name]
    return {"count": len(times), "median_ms": round(statistics.median(times))}


def locust(
    base: str, plan_file: Path, out: Path, *, mode: str, users: int, seconds: int
) -> list[dict]:
    prefix = out / mode
    subprocess.run(
        [
            str(LOCUST),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--host",
            base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env={**os.environ, "LOCUST_PLAN": str(plan_file), "LOCUST_MODE": mode},
        check=True,
    )
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(f"{prefix}_failures.csv", encoding="utf-8") as f:
        failures = list(csv.DictReader(f))
    # an exception in a simulated user (a bug of the plan) is an error too
    with open(f"{prefix}_exceptions.csv", encoding="utf-8") as f:
        failures += [
            {"Name": "exception", "Error": e["Message"], "Occurrences": e["Count"]}
            for e in csv.DictReader(f)
        ]
    return rows, failures


def _row(r: dict) -> dict:
    return {
        "name": r["Name"] if r["Type"] else "all",
        "method": r["Type"],
        "requests": int(r["Request Count"]),
        "failures": int(r["Failure Count"]),
        "rps": round(float(r["Requests/s"]), 1),
        "p50_ms": float(r["50%"]),
        "p95_ms": float(r["95%"]),
        "p99_ms": float(r["99%"]),
    }


def summarise(rows: list[dict], failures: list[dict], seconds: int) -> dict:
    pages = [_row(r) for r in rows if r["Name"] != "Aggregated"]
    total = next(_row(r) for r in rows if r["Name"] == "Aggregated")
    measured = [p for p in pages if not p["name"].startswith("login")]
    writes = [p for p in measured if p["name"].startswith("API write")]
    n_measured = sum(p["requests"] for p in measured)
    return {
        "seconds": seconds,
        "requests": total["requests"],
        "rps": total["rps"],
        "p50_ms": total["p50_ms"],
        "p95_ms": total["p95_ms"],
        "p99_ms": total["p99_ms"],
        "errors": total["failures"]
        + sum(int(f["Occurrences"]) for f in failures if f["Name"] == "exception"),
        "writes": sum(p["requests"] for p in writes),
        "write_share": round(sum(p["requests"] for p in writes) / max(1, n_measured), 3),
        "writes_per_s": round(sum(p["requests"] for p in writes) / seconds, 1),
        "pages": sorted(pages, key=lambda p: -p["requests"]),
        "failure_samples": [
            f"{f['Name']}: {f['Error'][:200]} ×{f['Occurrences']}" for f in failures
        ][:10],
    }


class CpuMeter:
    """Where the machine's CPU went during a run, read from /proc: the gunicorn processes
    (the server's own tree), PostgreSQL's (every backend; one that ended is counted in its
    parent's children's time), Redis, the load generator (a child of this process) and the
    whole machine. A request's cost is then CPU milliseconds per request, which the two
    cores' 2,000 ms a second divide into the most requests a second the machine can serve."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_pid: int):
        self.server_pid = server_pid

    @staticmethod
    def _machine() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle, iowait
        return sum(fields[:8]) - idle, sum(fields[:8])

    def _groups(self) -> dict[str, float]:
        totals = {"gunicorn": 0, "postgres": 0, "redis": 0}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                raw = (entry / "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            comm = raw[raw.index("(") + 1 : raw.rindex(")")]
            rest = raw[raw.rindex(")") + 2 :].split()
            pid, ppid = int(entry.name), int(rest[1])
            ticks = sum(int(x) for x in rest[11:15])  # utime, stime, cutime, cstime
            if pid == self.server_pid or ppid == self.server_pid:
                totals["gunicorn"] += ticks
            elif comm.startswith("postgres"):
                totals["postgres"] += ticks
            elif comm.startswith("redis-server"):
                totals["redis"] += ticks
        return {k: v / self.TICK for k, v in totals.items()}

    def start(self) -> None:
        self.before = self._groups()
        self.machine_before = self._machine()
        self.children_before = os.times().children_user + os.times().children_system
        self.wall_before = time.monotonic()

    def stop(self, requests: int) -> dict:
        after = self._groups()
        busy, total = self._machine()
        children = os.times().children_user + os.times().children_system
        seconds = {k: after[k] - self.before[k] for k in after}
        seconds["locust"] = children - self.children_before
        busy_s = (busy - self.machine_before[0]) / self.TICK
        seconds["other"] = max(0.0, busy_s - sum(seconds.values()))
        wall = time.monotonic() - self.wall_before
        return {
            "requests": requests,
            "wall_s": round(wall, 1),
            "busy_share": round(
                (busy - self.machine_before[0]) / max(1, total - self.machine_before[1]), 3
            ),
            "cpu_s": {k: round(v, 1) for k, v in seconds.items()},
            "ms_per_request": {
                k: round(1000 * v / max(1, requests), 1) for k, v in seconds.items()
            },
        }


def profiled(
    server_pid: int, base: str, plan_file: Path, out: Path, mode: str, users: int, seconds: int
) -> dict | None:
    """The same load again for ``seconds``, with py-spy sampling the web processes: where
    their CPU goes. A pass of its own, so that the measured run's figures pay nothing for
    the profiler (py-spy reading five processes' stacks takes a few per cent of the cores);
    its own CPU is reported beside the profile."""
    print(f"loadtest: {mode}, profiled, {seconds} s …", flush=True)
    meter, sampler = CpuMeter(server_pid), webprofile.Sampler(server_pid, out)
    meter.start()
    sampler.start(f"{mode}_profiled")
    rows, _failures = locust(base, plan_file, out, mode=mode, users=users, seconds=seconds)
    profile = sampler.stop()
    cpu = meter.stop(next(int(r["Request Count"]) for r in rows if r["Name"] == "Aggregated"))
    if profile is not None and "problem" not in profile:
        profile.update(
            seconds=seconds,
            requests=cpu["requests"],
            web_cpu_s=cpu["cpu_s"]["gunicorn"],
            profiler_ms_per_request=round(
                1000 * profile["profiler_cpu_s"] / max(1, cpu["requests"]), 2
            ),
        )
    return profile


def deadlocks() -> int:
    return int(psql(f"SELECT deadlocks FROM pg_stat_database WHERE datname = '{DB}'"))


def aggregates_exact() -> dict:
    from shegong.indicators.models import Aggregate
    from shegong.indicators.rebuild import rebuild_aggregates, rebuild_facts

    live = set(Aggregate.objects.values_list("node", "period", "metric", "value"))
    rebuild_facts()
    rebuild_aggregates()
    rebuilt = set(Aggregate.objects.values_list("node", "period", "metric", "value"))
    return {"aggregates": len(rebuilt), "differing": len(live ^ rebuilt), "exact": live == rebuilt}


def idle_lists(base: str, plan: dict) -> list[dict]:
    rows = []
    seen = set()
    for user in plan["users"]:
        browser = None
        for path, name in user["reads"]:
            if not name.startswith("list:") or (name, user["role"]) in seen:
                continue
            seen.add((name, user["role"]))
            browser = browser or Browser(base, user["username"])
            times = [browser.get(path) for _ in range(12)][2:]
            ms = sorted(t for _s, t in times)
            rows.append(
                {
                    "page": name,
                    "as": user["username"],
                    "median_ms": round(statistics.median(ms), 1),
                    "max_ms": round(ms[-1], 1),
                }
            )
    return rows


def python_speed() -> float:
    """Seconds for ten million additions in a Python loop, best of three: a yardstick for
    comparing this file's figures between machines and hours (machines of one kind here
    share their hosts: one commit measured 100 and 34 requests a second on two of them)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - start)
    return round(best, 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reuse", action="store_true", help="keep the last run's database")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    args = parser.parse_args()
    if not LOCUST.exists():
        raise SystemExit("locust is missing: make loadtest installs it into .venv-load")
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB}'")
    if not (args.reuse and exists):
        print("loadtest: building the demo database on PostgreSQL …", flush=True)
        build_database()
    # every run starts from the same state: a reused database carries the dead rows of the
    # last run's writes, which a server with autovacuum off never cleans up
    psql("VACUUM ANALYZE", DB)
    speed = python_speed()
    os.environ.update({"DATABASE_URL": URL, "SHEGONG_DEBUG": "1"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.utils import timezone

    plan = build_plan(timezone.localdate())
    if args.reuse and _days_used_up(plan):
        # the kept database's runs have filled every open day of some worker (a day takes
        # 12 hours without a reason): start again from the demo rather than fail each write
        print("loadtest: the kept database has no day left to record on: rebuilding …")
        from django.db import connections

        connections.close_all()
        build_database()
        psql("VACUUM ANALYZE", DB)
        plan = build_plan(timezone.localdate())
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    out = Path(tempfile.mkdtemp(prefix="shegong-load-"))
    plan_file = out / "plan.json"
    port = serving.free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(port, args.workers)
    try:
        smoke(base, plan)
        logins = open_sessions(base, plan)
        plan_file.write_text(json.dumps(plan, ensure_ascii=False))
        print(f"loadtest: mixed, {args.users} users, {args.seconds} s …", flush=True)
        meter = CpuMeter(server.pid)
        meter.start()
        mixed = summarise(
            *locust(base, plan_file, out, mode="mixed", users=args.users, seconds=args.seconds),
            args.seconds,
        )
        mixed["cpu"] = meter.stop(mixed["requests"])
        mixed["profile"] = profiled(
            server.pid, base, plan_file, out, "mixed", args.users, max(10, args.seconds // 3)
        )
        before = deadlocks()
        writer_seconds = max(10, args.seconds // 2)
        print(f"loadtest: 16 writers in {COUNTY}, {writer_seconds} s …", flush=True)
        meter.start()
        writers = summarise(
            *locust(base, plan_file, out, mode="writers", users=16, seconds=writer_seconds),
            writer_seconds,
        )
        writers["cpu"] = meter.stop(writers["requests"])
        writers["deadlocks"] = deadlocks() - before
        writers["profile"] = profiled(
            server.pid, base, plan_file, out, "writers", 16, max(10, writer_seconds // 3)
        )
        print("loadtest: idle list pages …", flush=True)
        lists = idle_lists(base, plan)
    finally:
        server.terminate()
        server.wait(timeout=30)
    speed = [speed, python_speed()]
    print("loadtest: aggregates against a rebuild …", flush=True)
    writers["aggregates"] = aggregates_exact()
    from shegong.work.models import HomeVisit

    result = {
        "date": timezone.localtime().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "python_loop_s": speed,
        "server": (
            f"gunicorn, {args.workers} sync workers, PostgreSQL {psql('SHOW server_version')} "
            f"(autovacuum {psql('SHOW autovacuum')}), cache and sessions in Redis"
        ),
        "visits_in_database": HomeVisit.objects.count(),
        "mixed": mixed,
        "writers": writers,
        "lists": lists,
        "logins": logins,
        "targets": TARGETS,
    }
    results_path = ROOT / "bench" / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    results["loadtest"] = result
    results_path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--markdown-only"], check=True)
    print("\n".join(loadtest_lines(result)))


def cpu_lines(mixed: dict | None, writers: dict | None) -> list[str]:
    """Where the two cores went: CPU seconds and milliseconds per request, by process."""
    if not mixed:
        return []
    names = ["gunicorn", "postgres", "redis", "locust", "other"]
    lines = [
        "",
        "Where the CPU went (from /proc; ms per request = CPU time / requests answered; "
        "the two cores give 2,000 ms a second):",
        "",
        "| run | machine busy | " + " | ".join(names) + " | all | gunicorn ÷ locust |",
        "|---|---|" + "---|" * (len(names) + 2),
    ]
    for label, c in (("mixed", mixed), ("writers", writers)):
        if not c:
            continue
        per = c["ms_per_request"]
        cells = [f"{c['cpu_s'][n]} s, {per[n]} ms" for n in names]
        lines.append(
            f"| {label} | {c['busy_share']:.0%} of {c['wall_s']} s | "
            + " | ".join(cells)
            + f" | {round(sum(per.values()), 1)} ms | {_ratio(per)} |"
        )
    lines += [
        "",
        "gunicorn ÷ locust: the web processes' CPU a request over the load generator's, which "
        "does the same work a request on any machine: a figure to compare between machines "
        "and runs where the milliseconds themselves differ with the machine's speed.",
    ]
    return lines


def _ratio(per: dict) -> str:
    return f"{per['gunicorn'] / per['locust']:.2f}" if per.get("locust") else "—"


def _yardstick(r: dict) -> str:
    if "python_loop_s" not in r:
        return ""
    before, after = r["python_loop_s"]
    return f" (ten million additions in a Python loop: {before} s before the runs, {after} s after)"


def _mark(ok: bool) -> str:
    return "met" if ok else "**not met**"


def loadtest_lines(r: dict | None) -> list[str]:
    """The load test as markdown (also written by bench/run.py from results.json)."""
    if not r:
        return []
    t, m, w = r["targets"], r["mixed"], r["writers"]
    slowest_list = max((x["median_ms"] for x in r["lists"]), default=0)
    lines = [
        "",
        "## Load (make loadtest: bench/loadtest.py, bench/locustfile.py)",
        "",
        f"{r['machine']}{_yardstick(r)}; {r['server']}; locust in the same machine; {r['date']}; "
        f"{r['visits_in_database']:,} visits in the database at the end.",
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| mixed: ≥ {t['rps']} requests/s | {m['rps']} requests/s ({m['requests']:,} in {m['seconds']} s, {m['write_share']:.0%} writes) | {_mark(m['rps'] >= t['rps'])} |",
        f"| mixed: p95 ≤ {t['p95_ms']} ms | p50 {m['p50_ms']:.0f} / p95 {m['p95_ms']:.0f} / p99 {m['p99_ms']:.0f} ms | {_mark(m['p95_ms'] <= t['p95_ms'])} |",
        f"| mixed: zero errors | {m['errors']} | {_mark(m['errors'] == 0)} |",
        f"| 16 writers, one county: ≥ {t['writes_per_s']} writes/s | {w['writes_per_s']} writes/s (p95 {w['p95_ms']:.0f} ms, {w['errors']} errors) | {_mark(w['writes_per_s'] >= t['writes_per_s'])} |",
        f"| no deadlock | {w['deadlocks']} deadlocks | {_mark(w['deadlocks'] == 0)} |",
        f"| exact aggregates after (rebuild comparison) | {w['aggregates']['differing']} of {w['aggregates']['aggregates']:,} differ | {_mark(w['aggregates']['exact'])} |",
        f"| every list page ≤ {t['list_ms']} ms idle | slowest median {slowest_list} ms | {_mark(slowest_list <= t['list_ms'])} |",
        "",
        "Mixed, by page (16 users, each its own account and role):",
        "",
        "| page | requests | req/s | p50 | p95 | p99 ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in m["pages"]:
        lines.append(
            f"| {p['method']} {p['name']} | {p['requests']} | {p['rps']} | {p['p50_ms']:.0f} | "
            f"{p['p95_ms']:.0f} | {p['p99_ms']:.0f} | {p['failures']} |"
        )
    lines += cpu_lines(m.get("cpu"), w.get("cpu"))
    cpu_s = {  # the web processes' CPU while py-spy sampled them (older runs: the run's)
        label: (run.get("profile") or {}).get("web_cpu_s") or run["cpu"]["cpu_s"]["gunicorn"]
        for label, run in (("mixed", m), ("writers", w))
        if run.get("cpu")
    }
    lines += webprofile.profile_lines(m.get("profile"), w.get("profile"), cpu_s)
    lines += [
        "",
        "List pages alone (12 requests each, the first two dropped; client time on loopback):",
        "",
    ]
    lines += ["| page | as | median ms | max ms |", "|---|---|---|---|"]
    lines += [f"| {x['page']} | {x['as']} | {x['median_ms']} | {x['max_ms']} |" for x in r["lists"]]
    if r.get("logins"):
        lines += [
            "",
            f"The accounts log in before the runs ({r['logins']['count']} logins, one at a time: "
            f"median {r['logins']['median_ms']:,} ms for the login page and the password check); "
            "the runs measure the work done in their sessions.",
        ]
    samples = m["failure_samples"] + w["failure_samples"]
    if samples:
        lines += ["", "Errors seen:", ""] + [f"- {s}" for s in samples]
    return lines


if __name__ == "__main__":
    main()
