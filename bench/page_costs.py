"""What each page of the load test's plan costs alone, in one process with the load test's
production settings and database (bench/loadtest.py builds it): median wall time of N
requests (after two to warm), its queries and their time in the database, and the share of
the mixed run's CPU it takes (time × how often the plan opens it), heaviest first.

    python bench/page_costs.py            # every (user, page) of the plan, 10 requests each
    python bench/page_costs.py -n 20 --top 15
    python bench/page_costs.py -n 5 --functions 30   # + the functions the plan spends most in
    python bench/page_costs.py -n 5 --functions 30 --match 'template/base.py:166'  # + these
"""

import argparse
import cProfile
import pstats
import re
import statistics
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=10)
    parser.add_argument("--top", type=int, default=0, help="only the heaviest N rows")
    parser.add_argument(
        "--functions",
        type=int,
        default=0,
        help="also the N functions an average read spends most in, by their own time and, "
        "of the application's, with what they call (cProfile, each page weighted as the plan "
        "opens it)",
    )
    parser.add_argument(
        "--match",
        help="with --functions: also the inclusive time of any function whose place matches "
        "this pattern (e.g. 'template/base.py:166|trans_real.py.*gettext')",
    )
    args = parser.parse_args()
    match = re.compile(args.match) if args.match else None
    from loadtest import build_plan, setup_django

    setup_django(SHEGONG_ALLOWED_HOSTS="testserver")
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from shegong.accounts.models import User

    plan = build_plan(timezone.localdate())
    rows = []
    own: Counter = Counter()  # function → its own time, weighted as the plan opens its page
    inclusive: Counter = Counter()  # the application's functions → time with what they call
    for entry in plan["users"]:
        client = Client()
        client.force_login(User.objects.get(pk=entry["id"]))
        # each user opens its pages in turn, so a page's share is 1 / len(reads) of a user
        for path, name in entry["reads"]:
            spent: list[float] = []
            cpu: list[float] = []
            queries: list[float] = []

            def timed(execute, sql, params, many, context, queries=queries):
                began = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    queries.append(time.perf_counter() - began)

            for i in range(args.n + 2):
                began, began_cpu = time.perf_counter(), time.process_time()
                if i == args.n + 1:
                    # the last one counted: its queries, and the Python function calls it
                    # made (the same on every run, unlike time on a shared machine)
                    profile = cProfile.Profile()
                    with connection.execute_wrapper(timed):
                        profile.enable()
                        response = client.get(path)
                        profile.disable()
                    stats = pstats.Stats(profile)
                    calls = stats.total_calls
                    share = 1 / len(entry["reads"])
                    for (file, line, func), (_cc, _nc, tt, ct, _callers) in stats.stats.items():
                        where = f"{_short(file)}:{line}({func})"
                        own[where] += tt * share
                        if "/shegong/" in file or (match and match.search(where)):
                            inclusive[where] += ct * share
                else:
                    response = client.get(path)
                if i >= 2:
                    spent.append(time.perf_counter() - began)
                    cpu.append(time.process_time() - began_cpu)
                assert response.status_code == 200, (path, response.status_code)
            ms = 1000 * statistics.median(spent)
            rows.append(
                {
                    "page": name,
                    "user": entry["username"],
                    "ms": ms,
                    "cpu_ms": 1000 * statistics.median(cpu),
                    "queries": len(queries),
                    "calls": calls,
                    "db_ms": 1000 * sum(queries),
                    "weight": ms / len(entry["reads"]),
                }
            )
    total = sum(r["weight"] for r in rows)
    rows.sort(key=lambda r: -r["weight"])
    print("| page | as | median ms | queries | in the database ms | function calls | share |")
    print("|---|---|---|---|---|---|---|")
    for r in rows[: args.top or None]:
        print(
            f"| {r['page']} | {r['user']} | {r['ms']:.1f} | {r['queries']} | "
            f"{r['db_ms']:.1f} | {r['calls']:,} | {100 * r['weight'] / total:.1f} % |"
        )
    by_page: Counter = Counter()
    for r in rows:
        by_page[r["page"]] += r["weight"]
    users = len(plan["users"])
    cpu_total = sum(r["cpu_ms"] / r["ms"] * r["weight"] for r in rows)
    # per user, its pages in turn: what an average read asks of Python and the database
    calls = sum(r["calls"] * r["weight"] / r["ms"] for r in rows) / users
    queries = sum(r["queries"] * r["weight"] / r["ms"] for r in rows) / users
    print(
        f"\nA read costs {total / users:.1f} ms on average (each user equally often, its pages "
        f"in turn): {2000 * users / total:.0f} reads/s if two cores did nothing else; "
        f"{cpu_total / users:.1f} ms of it this process's CPU (the rest: the database, waits)."
    )
    print(f"An average read: {calls:,.0f} Python function calls, {queries:.1f} queries.")
    print("By page:", ", ".join(f"{p} {100 * w / total:.0f} %" for p, w in by_page.most_common()))
    if args.functions:
        whole = sum(own.values())  # every function's own time: all the reads' time
        for title, counter in (
            ("Own time (cProfile), share of all", own),
            ("The application's functions, with what they call, share of all", inclusive),
        ):
            print(f"\n{title}:")
            for name, t in counter.most_common(args.functions):
                print(f"  {100 * t / whole:5.1f} %  {name}")


def _short(file: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


if __name__ == "__main__":
    main()
