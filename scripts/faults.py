"""Real faults against a real deployment: `python scripts/faults.py` (CI runs it on the
PostgreSQL leg; it needs root, or the postgres account, for its own PostgreSQL cluster).

It starts a throw-away PostgreSQL cluster (port 5434, so the machine's server is never
touched), migrates it, makes one station with its staff, and starts gunicorn (2 workers)
and a task worker on it, with production settings. Then, each checked, with what the user
saw printed:

1. **Database restart mid-load.** Four clients record visits (API) and read lists (pages)
   while PostgreSQL is stopped for three seconds and started again. Every answer in the
   outage is a 503 (a Chinese page, or JSON under /api/), never a 500; afterwards requests
   succeed with no restart of gunicorn; each visit refused in the outage, sent again with
   its Idempotency-Key, is saved exactly once; every visit saved has its facts and its
   audit entry, and the aggregates equal a rebuild (nothing half-written).
2. **Task worker killed in the middle of a report.** A province report is queued; once the
   worker is building it, the worker is killed (SIGKILL); `reap_stalled` marks the job
   failed with the message the page shows: never "running" for ever.
3. **Graceful reload (HUP) during load.** Two reloads under four clients: zero failures.
4. **Disk full on a photo upload.** The media folder is a 1 MB tmpfs, filled: the upload
   answers 507 with a message and leaves no photo row; with space again it is saved.
"""

import datetime
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import serving  # noqa: E402

PORT = int(os.environ.get("FAULTS_PG_PORT", "5434"))
PGDIR = Path(os.environ.get("FAULTS_PG_DIR", "/tmp/shegong-faults-pg"))
BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
DB_URL = f"postgres://postgres@127.0.0.1:{PORT}/shegong"
PASSWORD = "Passw0rd!"  # noqa: S105 (the throw-away accounts of this run)
PY = sys.executable
results: list[str] = []


def say(text: str) -> None:
    print(f"faults: {text}", flush=True)


def check(ok: bool, what: str) -> None:
    results.append(("ok   " if ok else "FAIL ") + what)
    say(("ok: " if ok else "FAILED: ") + what)
    if not ok:
        raise SystemExit(1)


# ----- PostgreSQL of our own --------------------------------------------------------------


def as_postgres(*args, **kw):
    cmd = [str(a) for a in args]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, **kw)


def pg_ctl(action: str) -> None:
    extra = ["-m", "fast"] if action in ("stop", "restart") else []
    as_postgres(
        BIN / "pg_ctl",
        "-D",
        PGDIR,
        "-l",
        PGDIR / "server.log",
        "-w",
        "-t",
        "60",
        "-o",
        f"-p {PORT} -k {PGDIR} -c listen_addresses=127.0.0.1",
        *extra,
        action,
        stdout=subprocess.DEVNULL,
    )


def start_cluster() -> None:
    stop_cluster()
    PGDIR.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(PGDIR, "postgres", "postgres")
    as_postgres(
        BIN / "initdb",
        "-D",
        PGDIR,
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        stdout=subprocess.DEVNULL,
    )
    pg_ctl("start")
    psql("CREATE DATABASE shegong", "postgres")


def psql(sql: str, db: str = "shegong") -> str:
    """One statement on the drill's cluster; what it printed."""
    done = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(PORT), "-U", "postgres", "-qAtc", sql, db],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def stop_cluster() -> None:
    if (PGDIR / "postmaster.pid").exists():
        try:
            pg_ctl("stop")
        except subprocess.CalledProcessError:
            pass
    shutil.rmtree(PGDIR, ignore_errors=True)


# ----- the application ----------------------------------------------------------------------


def env(media: Path, **extra) -> dict:
    return serving.server_env(DB_URL, media, SHEGONG_DB_CONN_MAX_AGE="60", **extra)


def manage(e: dict, *args: str, capture: bool = False) -> str:
    done = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=e, check=True, capture_output=capture, text=True
    )
    return done.stdout if capture else ""


def shell(e: dict, code: str) -> str:
    """What ``code`` printed (``shell`` says first how many models it imported)."""
    return manage(e, "shell", "--no-imports", "-c", code, capture=True).strip()


SETUP = """
from tests.factories import AgencyFactory, ProfileFactory, RecipientFactory, StationFactory, UserFactory
from shegong.accounts.roles import Role
agency = AgencyFactory(name="故障演练机构", region_id="430302")
station = StationFactory(name="故障演练社工站", region_id="430302001", agency=agency)
worker = UserFactory(username="fault_worker", role=Role.SOCIAL_WORKER, station=station)
ProfileFactory(user=worker)
person = RecipientFactory(name="演练居民", region_id="430302001001")
UserFactory(username="fault_province", role=Role.PROVINCE_OFFICER, scope_region_id="43")
# the factories write rows, not facts: start from figures that equal a rebuild
from shegong.indicators.rebuild import rebuild_aggregates, rebuild_facts
rebuild_facts(); rebuild_aggregates()
print("ids", worker.pk, person.pk)
"""


SERVER_LOG = Path(tempfile.gettempdir()) / "shegong-faults-server.log"


def serve(e: dict, port: int) -> subprocess.Popen:
    # the server's own log (a trace per refused request in the outage) goes to a file
    log = open(SERVER_LOG, "w")  # noqa: SIM115 (open while the server runs)
    return serving.gunicorn(e, port, log=log, args=("--graceful-timeout", "20"))


class Client(serving.Session):
    def __init__(self, base: str, username: str):
        super().__init__(base, username, PASSWORD)

    def visit(self, body: dict, key: str):
        return self.send(
            "/api/visits",
            json.dumps(body, ensure_ascii=False).encode(),
            {"Content-Type": "application/json", "Idempotency-Key": key},
        )


def load(base: str, body: dict, seconds: float, *, clients: int = 4) -> list[dict]:
    """Clients alternating a list page and a visit write; every answer recorded."""
    answers: list[dict] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def run():
        client = Client(base, "fault_worker")
        while time.monotonic() < stop:
            key = uuid.uuid4().hex
            # a day of the last 300: no one's day passes 24 hours however long this runs
            day = datetime.date.today() - datetime.timedelta(days=random.randrange(300))
            sent = {**body, "date": day.isoformat()}
            for kind, call in (
                ("page", lambda: client.send("/work/visits/")),
                ("write", lambda k=key, b=sent: client.visit(b, k)),
            ):
                status, kind_of, text, _ms = call()
                with lock:
                    answers.append(
                        {
                            "at": time.monotonic(),
                            "kind": kind,
                            "status": status,
                            "type": kind_of,
                            "text": text[:2000],
                            "key": key,
                            "body": sent,
                        }
                    )
            time.sleep(0.02)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


# ----- the faults ---------------------------------------------------------------------------


def database_restart(base: str, e: dict, body: dict) -> None:
    say("database restart mid-load: 4 clients, PostgreSQL stopped for 3 s after 3 s")
    outage: dict = {}

    def restart():
        time.sleep(3)
        outage["from"] = time.monotonic()
        pg_ctl("stop")
        time.sleep(3)
        pg_ctl("start")
        outage["to"] = time.monotonic()

    restarter = threading.Thread(target=restart)
    restarter.start()
    answers = load(base, body, 12)
    restarter.join()
    statuses = sorted({a["status"] for a in answers})
    say(f"  {len(answers)} answers, statuses {statuses}")
    check(
        not [a for a in answers if a["status"] >= 500 and a["status"] != 503],
        "no answer other than 503 among the errors (no 500 with a trace)",
    )
    refused = [a for a in answers if a["status"] == 503]
    check(bool(refused), f"the outage was seen: {len(refused)} answers 503")
    pages = [a for a in refused if a["kind"] == "page"]
    api = [a for a in refused if a["kind"] == "write"]
    check(
        all("数据库暂时无法访问" in a["text"] and "text/html" in a["type"] for a in pages),
        f"the {len(pages)} pages in the outage: the Chinese 503 page",
    )
    check(
        all(a["type"].startswith("application/json") and json.loads(a["text"]) for a in api),
        f"the {len(api)} API writes in the outage: JSON 503",
    )
    if pages:
        say(
            "  the page said: "
            + re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", pages[0]["text"])).strip()[:160]
        )
    if api:
        say("  the API said: " + api[0]["text"][:160])
    after = [a for a in answers if a["at"] > outage["to"] + 2]
    check(
        bool(after) and all(a["status"] in (200, 201) for a in after),
        f"recovered by itself: the {len(after)} answers 2 s after the restart all succeeded",
    )
    # a visit refused in the outage, sent again with its key, is saved once
    client = Client(base, "fault_worker")
    keys = {a["key"] for a in api}
    again = [client.visit(a["body"], a["key"])[0] for a in {a["key"]: a for a in api}.values()]
    check(all(s in (200, 201) for s in again), f"the {len(keys)} refused visits sent again: saved")
    saved_keys = {a["key"] for a in answers if a["kind"] == "write" and a["status"] in (200, 201)}
    expected = len(saved_keys | keys)
    counted = shell(e, CONSISTENT)
    visits, with_facts, with_audit, exact = (int(x) for x in counted.splitlines()[-1].split()[1:])
    check(
        visits == expected,
        f"visits saved {visits} = writes answered 2xx {expected} (none lost or doubled)",
    )
    check(
        with_facts == visits and with_audit == visits,
        "every visit has its facts and its audit entry (nothing half-written)",
    )
    check(exact == 1, "the aggregates equal a rebuild")


CONSISTENT = """
from shegong.audit.models import AuditEntry
from shegong.indicators.models import Aggregate, ServiceFact
from shegong.indicators.rebuild import rebuild_aggregates, rebuild_facts
from shegong.work.models import HomeVisit
ids = set(HomeVisit.objects.values_list("pk", flat=True))
facts = set(ServiceFact.objects.filter(source_type="visit").values_list("source_id", flat=True))
audited = set(int(x) for x in AuditEntry.objects.filter(action="shegong.visit.created").values_list("object_id", flat=True))
live = set(Aggregate.objects.values_list("node", "period", "metric", "value"))
rebuild_facts(); rebuild_aggregates()
exact = live == set(Aggregate.objects.values_list("node", "period", "metric", "value"))
print("counts", len(ids), len(ids & facts), len(ids & audited), int(exact))
"""

QUEUE_REPORT = """
from shegong.accounts.models import User
from shegong.indicators.models import ReportJob
from shegong.indicators.tasks import build_report
from django.utils import timezone
job = ReportJob.objects.create(requested_by=User.objects.get(username="fault_province"),
                               region_id="43", period=str(timezone.localdate().year), report="year")
build_report.enqueue(job.pk, "zh-hans")
print(job.pk)
"""


def worker_killed(e: dict) -> None:
    say("task worker killed in the middle of a province report")
    job = shell(e, QUEUE_REPORT).splitlines()[-1]
    worker = subprocess.Popen(
        [PY, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay"],
        cwd=ROOT,
        env=e,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    status = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = psql(
            f"SELECT status || ' ' || progress FROM indicators_reportjob WHERE id = {job}"
        )
        if status.startswith(("running", "done", "failed")):
            break
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    check(
        status.startswith("running"),
        f"the worker was killed while the report was running ({status})",
    )
    time.sleep(1.5)
    reaped = manage({**e, "SHEGONG_TASK_STALLED_SECONDS": "1"}, "reap_stalled", capture=True)
    say("  reap_stalled: " + reaped.strip())
    row = shell(
        e,
        f"from shegong.indicators.models import ReportJob; j = ReportJob.objects.get(pk={job}); "
        "print('job', j.status + '|' + j.error)",
    ).splitlines()[-1][4:]
    state, _, message = row.partition("|")
    check(
        state == "failed" and bool(message),
        f"the job is marked failed, not stuck running: {message!r}",
    )


def graceful_reload(base: str, server: subprocess.Popen, body: dict) -> None:
    say("graceful reload (HUP) twice during load")

    def hup():
        for _ in range(2):
            time.sleep(2)
            server.send_signal(signal.SIGHUP)

    reloader = threading.Thread(target=hup)
    reloader.start()
    answers = load(base, body, 7)
    reloader.join()
    failed = [a for a in answers if a["status"] not in (200, 201)]
    check(not failed, f"{len(answers)} requests during two reloads, {len(failed)} failed")


def _png(width: int, height: int) -> bytes:
    """A real PNG (one colour), written by hand: no imaging library needed here."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\0" + bytes((200, 80, 40)) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def disk_full(base: str, media: Path, e: dict, visit_body: dict) -> None:
    say("disk full on a photo upload (the media folder a 1 MB tmpfs, filled)")
    picture = _png(64, 64)
    client = Client(base, "fault_worker")
    _status, _t, text, _ms = client.visit(visit_body, uuid.uuid4().hex)
    visit = json.loads(text)["id"]
    filler = media / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
                os.fsync(f.fileno())
        except OSError:
            pass

    def upload():
        boundary = uuid.uuid4().hex
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; '
            f'filename="p.png"\r\nContent-Type: image/png\r\n\r\n'
        ).encode()
        body += picture + f"\r\n--{boundary}--\r\n".encode()
        return client.send(
            f"/api/visits/{visit}/photos",
            body,
            {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Idempotency-Key": uuid.uuid4().hex,
            },
        )

    def photos() -> int:
        return int(shell(e, "from shegong.work.models import Photo; print(Photo.objects.count())"))

    before = photos()
    status, _kind, text, _ms = upload()
    say(f"  the upload answered {status}: {text[:160]}")
    check(status == 507, "a full disk answers 507 with a message")
    check(photos() == before, "no photo row without its file")
    filler.unlink()
    status, _k, _t, _ms = upload()
    check(status in (200, 201) and photos() == before + 1, "with space again the photo is saved")


def main() -> None:
    media_root = Path(tempfile.mkdtemp(prefix="shegong-faults-media-"))
    mounted = False
    if os.geteuid() == 0:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(media_root)], check=True
        )
        mounted = True
    server = None
    try:
        say(f"PostgreSQL cluster of its own on 127.0.0.1:{PORT}")
        start_cluster()
        e = env(media_root)
        manage(e, "migrate", "-v0")
        manage(e, "import_divisions", "--only", "43")
        worker_id, person_id = shell(e, SETUP).splitlines()[-1].split()[1:]
        day = time.strftime("%Y-%m-%d")
        body = {
            "date": day,
            "region": "430302001001",
            "recipient": int(person_id),
            "workers": [int(worker_id)],
            "hours": "0.25",
            "situation": "故障演练走访",
            "long_day_reason": "故障演练",
        }
        port = serving.free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve(e, port)
        database_restart(base, e, body)
        worker_killed(e)
        graceful_reload(base, server, body)
        if mounted:
            disk_full(base, media_root, e, body)
        else:
            say("disk full: skipped (mounting a tmpfs needs root)")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        stop_cluster()
        if mounted:
            subprocess.run(["umount", str(media_root)], check=False)
        shutil.rmtree(media_root, ignore_errors=True)
    print("\n".join(results))


if __name__ == "__main__":
    main()
