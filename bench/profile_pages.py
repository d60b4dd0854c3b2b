"""Where a request's time goes: one page (or API write) run N times under cProfile in one
process, on the load test's database (bench/loadtest.py builds it), with the production
settings the load test's gunicorn has.

    python bench/profile_pages.py sw4303020012 /work/visits/
    python bench/profile_pages.py sw4303020012 POST:/api/visits   # the load test's visit
    python bench/profile_pages.py sw4303020012 POST:/api/activities   # … and activity
    python bench/profile_pages.py yuhu "/indicators/?node=430302&period=2026-11" --sort tottime
    python bench/profile_pages.py sw4303020021 POST:/api/visits -n 60 --cpu   # CPU, no profile
"""

import argparse
import cProfile
import datetime
import io
import json
import pstats
import time
import uuid


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("username")
    parser.add_argument("path", help="a path, or POST:/api/visits for a visit write")
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--callees", help="print what this function calls (a name pattern)")
    parser.add_argument("--sql", action="store_true", help="print each query of one request")
    parser.add_argument("--sql-chars", type=int, default=400)
    parser.add_argument("--dump", help="also write the profile here (pstats format)")
    parser.add_argument(
        "--cpu", action="store_true", help="no profile: this process's CPU time a request"
    )
    args = parser.parse_args()
    from loadtest import setup_django
    from webprofile import cpu_of

    setup_django(SHEGONG_ALLOWED_HOSTS="testserver")
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from shegong.accounts.models import User

    user = User.objects.get(username=args.username)
    client = Client()
    client.force_login(user)
    call = _caller(client, user, args.path, timezone.localdate())
    for _ in range(3):  # warm: templates, translations, connections
        call()
    queries: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((1000 * (time.perf_counter() - began), sql))

    with connection.execute_wrapper(timed):
        call()
    if args.cpu:  # what the request costs the web process, without the profiler's share
        with connection.cursor() as cursor:  # and its PostgreSQL backend (on this machine)
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        began, cpu, db_cpu = time.perf_counter(), time.process_time(), cpu_of(backend)
        for _ in range(args.n):
            call()
        print(
            f"{args.path} as {args.username}: "
            f"{1000 * (time.process_time() - cpu) / args.n:.2f} ms of CPU a request "
            f"(+ {1000 * (cpu_of(backend) - db_cpu) / args.n:.2f} ms in PostgreSQL), "
            f"{1000 * (time.perf_counter() - began) / args.n:.1f} ms in all, "
            f"{len(queries)} queries"
        )
        return
    started = time.perf_counter()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.n):
        call()
    profile.disable()
    ms = 1000 * (time.perf_counter() - started) / args.n
    if args.dump:
        profile.dump_stats(args.dump)
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats(args.sort)
    if args.callees:
        stats.print_callees(args.callees)
    else:
        stats.print_stats(args.lines)
    print(
        f"{args.path} as {args.username}: {ms:.1f} ms a request under the profiler, "
        f"{len(queries)} queries ({sum(ms for ms, _ in queries):.1f} ms in the database)"
    )
    if args.sql:
        for ms_, sql in queries:
            print(f"{ms_:7.2f} ms  {sql[: args.sql_chars]}")
    print(out.getvalue())


def _caller(client, user, path: str, today):
    if not path.startswith("POST:"):

        def get():
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        return get
    from shegong.people.models import Recipient

    township = user.station.region_id
    person = Recipient.objects.filter(region__code__startswith=township, region__level=5).first()
    body = {
        "region": person.region_id,
        "recipient": person.pk,
        "workers": [user.pk],
        "hours": "0.25",
        "situation": "性能分析走访",
        "long_day_reason": "性能分析",
    }
    if path == "POST:/api/activities":  # the load test's activity
        body = {
            "title": "性能分析社区活动",
            "domain": "elderly",
            "service_type": "care",
            "region": person.region_id,
            "workers": [user.pk],
            "hours": "0.25",
            "participants_count": 12,
            "participants": [],
            "volunteers_count": 2,
            "long_day_reason": "性能分析",
        }

    # the days of this month so far, in turn: a day holds 24 hours (96 writes of 0.25)
    days = [today - datetime.timedelta(days=back) for back in range(today.day)]
    count = iter(range(10**9))

    def post():
        day = days[next(count) % len(days)].isoformat()
        body["date"] = day
        response = client.post(
            path[5:],
            data=json.dumps(body, ensure_ascii=False),
            content_type="application/json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code in (200, 201), response.content[:300]

    return post


if __name__ == "__main__":
    main()
