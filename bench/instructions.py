"""What the load test's pages cost in machine instructions, counted by valgrind (callgrind):
a figure that does not move with the machine's speed, so two commits can be compared on a
shared machine whose time a request varies by a fifth from one hour to the next.

It runs the load test's plan (bench/loadtest.py builds its database) in one process under
callgrind twice: every (user, page) of the plan warmed twice and then requested ``A`` times,
and again ``B`` times. The difference of the two runs' instructions, over the requests it
adds, is what a read costs in the process: start-up, imports, the warm-up and the first
compiling of every template and query are in both runs and cancel out. Each (user, page) of
the plan counts once (the load test weighs them by how often its users open them).
``--writes`` measures the load test's visit and activity writes the same way.

    python bench/instructions.py                  # reads: A=1, B=3 (about 5 minutes, the two runs at once)
    python bench/instructions.py --writes         # a visit and an activity write
    python bench/instructions.py --match 'home|dashboard'   # only these pages

The database's own work is not counted (another process); ``page_costs.py`` gives the
queries. Run two commits side by side (at once, in two checkouts): under other load the
driver polls a slower database more often, which moves a count by up to 1 %. Nothing is asserted: the figures are printed, and the whole plan's (no ``--match``) written
to bench/results.json and bench/results.md.
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLLECTED = re.compile(r"Collected : (\d+)")


def inner(args) -> None:
    """The measured process: warm every page twice, then request each ``args.n`` times."""
    sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
    from loadtest import build_plan, setup_django

    # nothing that expires while valgrind runs fifty times slower than the clock: the user
    # and the indicators stay cached and no session is refreshed in one run and not the other
    setup_django(
        SHEGONG_ALLOWED_HOSTS="testserver",
        SHEGONG_USER_CACHE_SECONDS="86400",
        SHEGONG_INDICATOR_CACHE_SECONDS="86400",
    )
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    settings.SHEGONG_SESSION_REFRESH_SECONDS = 10**9

    from shegong.accounts.models import User

    today = timezone.localdate()
    calls = []
    if args.writes:
        from profile_pages import _caller

        worker = User.objects.get(username="sw4303020012")
        client = Client()
        client.force_login(worker)
        for path in ("POST:/api/visits", "POST:/api/activities"):
            calls.append(_caller(client, worker, path, today))
    else:
        match = re.compile(args.match) if args.match else None
        for entry in build_plan(today)["users"]:
            client = Client()
            client.force_login(User.objects.get(pk=entry["id"]))
            for path, name in entry["reads"]:
                if match is None or match.search(name):
                    calls.append(_get(client, path))
    for _ in range(2):
        for call in calls:
            call()
    for _ in range(args.n):
        for call in calls:
            call()
    print(f"requests {len(calls)}")


def _get(client, path):
    def get():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    return get


def run(n: int, args) -> tuple[int, int]:
    """Instructions of one run under callgrind, and the requests a round makes."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={tmp}/out",
            sys.executable,
            __file__,
            "--inner",
            "-n",
            str(n),
        ]
        if args.writes:
            command.append("--writes")
        if args.match:
            command += ["--match", args.match]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(done.stdout[-2000:] + done.stderr[-4000:])
    instructions = int(COLLECTED.search(done.stderr).group(1))
    requests = int(re.search(r"requests (\d+)", done.stdout).group(1))
    return instructions, requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-n", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("-a", type=int, default=1, help="rounds in the first run")
    parser.add_argument("-b", type=int, default=3, help="rounds in the second run")
    parser.add_argument("--writes", action="store_true", help="the load test's writes")
    parser.add_argument("--match", help="only the pages whose name matches this pattern")
    args = parser.parse_args()
    if args.inner:
        inner(args)
        return
    if subprocess.run(["which", "valgrind"], capture_output=True).returncode != 0:
        raise SystemExit("valgrind is missing: apt-get install valgrind")
    with ThreadPoolExecutor(2) as pool:  # the two runs at once, one a core
        (first, requests), (second, _) = pool.map(lambda n: run(n, args), (args.a, args.b))
    added = (args.b - args.a) * requests
    what = "write" if args.writes else "read"
    result = {
        "what": what,
        "match": args.match or "",
        "commit": _commit(),
        "millions": round((second - first) / added / 1e6, 2),
        "requests": requests,
        "rounds": [args.a, args.b],
        "instructions": [first, second],
        "when": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    }
    print(
        f"{result['millions']:.2f} million instructions a {what} "
        f"({requests} {'writes' if args.writes else '(user, page) pairs'}, rounds "
        f"{args.a} and {args.b}: {first:,} and {second:,} instructions in all)"
    )
    if not args.match:  # the whole plan's figure is kept, by what it measures
        results_path = ROOT / "bench" / "results.json"
        results = json.loads(results_path.read_text()) if results_path.exists() else {}
        results.setdefault("instructions", {})[what] = result
        results_path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
        run_py = ROOT / "bench" / "run.py"
        subprocess.run([sys.executable, str(run_py), "--markdown-only"], check=True)


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    )
    return done.stdout.strip()


def instruction_lines(kept: dict | None) -> list[str]:
    """The instructions a read and a write cost, as markdown (bench/run.py)."""
    if not kept:
        return []
    lines = [
        "",
        "## Instructions a request (bench/instructions.py, valgrind's callgrind)",
        "",
        "What a request of the load test's plan costs in the web process, in machine "
        "instructions: two runs in one process, every page warmed twice and then requested "
        "in two numbers of rounds, differenced. It does not move with the machine's speed: "
        "two runs of one commit side by side agree to 0.01 %; runs made while other work "
        "loads the machine differ by up to 1 % (the driver polls a slower database more "
        "often), so compare two commits run side by side. The database's own work is not "
        "in it.",
        "",
        "| request | millions of instructions | commit | requests a round | measured |",
        "|---|---|---|---|---|",
    ]
    for what in ("read", "write"):
        r = kept.get(what)
        if r:
            lines.append(
                f"| {what} | {r['millions']:.2f} | {r['commit']} | {r['requests']} | {r['when']} |"
            )
    return lines


if __name__ == "__main__":
    main()
