"""Where the web processes' CPU went during a load run, by kind of work: py-spy samples
the gunicorn processes (``record --subprocesses``, raw stacks) while locust drives them,
and each sample is put under the innermost frame that says what it was doing — rendering
a template, building SQL, building model objects, the driver, forms, the API's schemas,
sessions and login, gunicorn, or the application's own code. Samples waiting on the
database, Redis or a socket are counted apart: they are not CPU.

py-spy lives beside locust in .venv-load (``make loadtest``); without it (or without the
right to read another process's memory) the run goes on and the table says so.
"""

import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY_SPY = ROOT / ".venv-load" / "bin" / "py-spy"
RATE = 25  # samples a second per process: a few per cent of one core, spent by py-spy

# a sample whose innermost frame is one of these waits on a socket: not CPU. py-spy counts
# a process as active when the kernel has it runnable, running or not; a send wakes the
# process at the other end (a PostgreSQL backend, Redis, locust), which on two busy cores
# often takes the CPU at once while the sender waits, runnable, on the send's line. So the
# sends are waits too: counted as CPU, the prepared statement's send alone made a sixth of
# the mixed run's samples (2026-12-05), and the samples then added up to 1.5 times the CPU
# /proc gave the web processes.
WAITS = (
    "Connection.wait",
    "_execute_send",
    "_send_query_prepared",
    "_send_prepare",
    "_read_from_socket",
    "send_packed_command",
    "close_graceful",
    "write (gunicorn/util.py",
    "socket.accept",
    "wait_for_signals",
    "SyncWorker.wait",
)

# (kind, patterns of a frame's file): the first kind met walking from the innermost frame
# outwards is the sample's
KINDS = [
    ("templates", ("django/template/", "/templatetags/")),
    ("forms and validation", ("django/forms/", "django/core/validators", "core/validation.py")),
    ("API schemas (ninja, pydantic)", ("ninja/", "pydantic")),
    ("database driver (psycopg)", ("psycopg/",)),
    ("model objects (from rows)", ("django/db/models/base.py", "django/db/models/fields/")),
    (
        "SQL built by the ORM",
        (
            "django/db/models/sql/",
            "django/db/models/expressions",
            "django/db/models/lookups",
            "django/db/models/query_utils",
            "django/db/models/query.py",
            "django/db/models/aggregates",
            "django/db/models/functions",
            "django/db/backends/",
        ),
    ),
    (
        "sessions, login, cache",
        ("django/contrib/sessions", "django/contrib/auth", "django_otp", "axes/", "redis/"),
    ),
    ("translations", ("django/utils/translation",)),
    (
        "request and response (Django, gunicorn)",
        (
            "django/core/handlers",
            "django/http",
            "gunicorn/",
            "django/middleware",
            "whitenoise",
            "csp/",
        ),
    ),
    ("application code (shegong)", ("shegong/",)),
]

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>.*?):\d+\)$")


class Sampler:
    """py-spy on the server's process tree from ``start`` to ``stop``."""

    def __init__(self, server_pid: int, out: Path):
        self.server_pid = server_pid
        self.out = out
        self.proc = None
        self.problem = ""

    def start(self, label: str) -> None:
        self.raw = self.out / f"{label}.pyspy"
        exe = str(PY_SPY) if PY_SPY.exists() else shutil.which("py-spy")
        if not exe:
            self.problem = "py-spy is not installed (make loadtest installs it into .venv-load)"
            return
        self.proc = subprocess.Popen(
            [
                exe,
                "record",
                "--pid",
                str(self.server_pid),
                "--subprocesses",
                "--rate",
                str(RATE),
                "--format",
                "raw",
                "--nonblocking",
                "--output",
                str(self.raw),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def stop(self) -> dict | None:
        if self.proc is None:
            return {"problem": self.problem} if self.problem else None
        cpu_s = cpu_of(self.proc.pid)  # py-spy's own CPU, before it ends and is reaped
        self.proc.send_signal(2)  # SIGINT: py-spy writes what it has and ends
        try:
            _out, err = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            err = b""
        self.proc = None
        if not self.raw.exists():
            return {"problem": "py-spy wrote nothing: " + err.decode(errors="replace")[-200:]}
        return {**summarise(self.raw.read_text()), "profiler_cpu_s": cpu_s}


def cpu_of(pid: int) -> float:
    """Seconds of CPU a running process has used (user + system, all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _where(frame: str) -> tuple[str, str]:
    m = FRAME.match(frame)
    if not m:
        return frame, ""
    path = m.group("file")
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return m.group("func"), path


def _view(frames) -> str:
    """The view a sample was in: the first application function under Django's handler,
    past the decorators' wrappers; or where it was outside any view."""
    inside = False
    for func, path in frames:
        if func.endswith("_get_response") and "django/core/handlers" in path:
            inside = True
        elif inside and path.startswith("shegong/") and "<locals>" not in func:
            if "core/replica.py" not in path:
                return f"{path.removeprefix('shegong/')} {func}"
    if inside:
        return "(in a view, outside the application)"
    if any("django/core/handlers" in path for _func, path in frames):
        return "(middleware: session, login, metrics, headers)"
    return "(gunicorn, between requests)"


def summarise(raw: str, top: int = 12) -> dict:
    """Samples by kind of work, and by view (what the view and everything it called
    cost)."""
    kinds: Counter = Counter()
    app: Counter = Counter()
    waiting = cpu = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [_where(f) for f in stack.split(";") if not f.startswith("process ")]
        if not frames:
            continue
        func, path = frames[-1]
        if any(w in f"{func} ({path}" for w in WAITS):
            waiting += n
            continue
        cpu += n
        kind = "other (Python, libraries)"
        for _func, path in reversed(frames):
            hit = next((k for k, pats in KINDS if any(p in path for p in pats)), None)
            if hit:
                kind = hit
                break
        kinds[kind] += n
        app[_view(frames)] += n
    return {
        "cpu_samples": cpu,
        "waiting_samples": waiting,
        "kinds": {k: round(100 * n / max(1, cpu), 1) for k, n in kinds.most_common()},
        "top": {k: round(100 * n / max(1, cpu), 1) for k, n in app.most_common(top)},
    }


def _check(profile: dict, cpu_s: float | None) -> str:
    if not cpu_s:
        return "—"
    sampled = profile["cpu_samples"] / RATE
    return f"{sampled:.0f} s ÷ {cpu_s:.0f} s = {sampled / cpu_s:.2f}"


def profile_lines(mixed: dict | None, writers: dict | None, cpu_s: dict | None = None) -> list[str]:
    """The two runs' profiles as markdown tables; ``cpu_s`` (run → the web processes' CPU
    seconds from /proc) checks the samples counted as CPU against the CPU used."""
    runs = [(label, p) for label, p in (("mixed", mixed), ("writers", writers)) if p]
    if not runs:
        return []
    passes = [f"{label} {p['seconds']} s" for label, p in runs if "seconds" in p]
    lines = [
        "",
        f"Where the web processes' CPU went (py-spy, {RATE} samples a second per process; "
        "share of the samples not waiting on the database, Redis or a socket"
        + (
            f"; sampled in a pass of its own after each measured run ({', '.join(passes)}), "
            "so that the figures above pay nothing for the profiler"
            if passes
            else ""
        )
        + "):",
        "",
    ]
    problems = [f"- {label}: {p['problem']}" for label, p in runs if "problem" in p]
    runs = [(label, p) for label, p in runs if "problem" not in p]
    if runs:
        kinds = list(dict.fromkeys(k for _label, p in runs for k in p["kinds"]))
        lines += [
            "| kind of work | " + " | ".join(label for label, _p in runs) + " |",
            "|---|" + "---|" * len(runs),
        ]
        for kind in kinds:
            lines.append(
                f"| {kind} | " + " | ".join(f"{p['kinds'].get(kind, 0)} %" for _l, p in runs) + " |"
            )
        lines.append(
            "| (samples: CPU / waiting) | "
            + " | ".join(f"{p['cpu_samples']:,} / {p['waiting_samples']:,}" for _l, p in runs)
            + " |"
        )
        if any("profiler_ms_per_request" in p for _l, p in runs):
            lines.append(
                "| (py-spy's own CPU, ms a request of the profiled pass) | "
                + " | ".join(f"{p.get('profiler_ms_per_request', '—')}" for _l, p in runs)
                + " |"
            )
        if cpu_s:
            lines.append(
                "| (the samples counted as CPU, in seconds ÷ the web processes' CPU from /proc) | "
                + " | ".join(_check(p, cpu_s.get(label)) for label, p in runs)
                + " |"
            )
        for label, p in runs:
            lines += [
                "",
                f"By view, {label} (the view and all it calls):",
                "",
                "| view | share |",
                "|---|---|",
            ]
            lines += [f"| `{name}` | {share} % |" for name, share in p["top"].items()]
    return lines + problems
