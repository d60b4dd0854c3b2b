"""Several task workers on one queue (as on several hosts): every task runs once, none
twice, none lost. The database backend claims each task in a transaction (PostgreSQL:
SELECT … FOR UPDATE SKIP LOCKED; SQLite: its one writer at a time)."""

import subprocess
import sys
from collections import Counter

from .serving import ROOT, server_env

TASKS = 40


def test_two_workers_share_the_queue_and_run_each_task_once(
    transactional_db, fresh_database_url, tmp_path
):
    env = server_env(fresh_database_url, tmp_path / "media")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=600)
    runs = tmp_path / "runs"
    runs.mkdir()
    enqueue = (
        "from tests.worker_tasks import record_run;"
        f"[record_run.enqueue(n, {str(runs)!r}) for n in range({TASKS})]"
    )
    subprocess.run([*manage, "shell", "-c", enqueue], cwd=ROOT, env=env, check=True, timeout=120)
    workers = [
        subprocess.Popen(
            [*manage, "db_worker", "--batch", "--no-startup-delay", "--worker-id", name],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for name in ("host-a", "host-b")
    ]
    for worker in workers:
        assert worker.wait(timeout=300) == 0, worker.stderr.read().decode()[-2000:]
    count = (
        "from collections import Counter;"
        "from django_tasks_db.models import DBTaskResult;"
        "done = DBTaskResult.objects.filter(status='SUCCESSFUL');"
        "by = Counter(w for r in done for w in r.worker_ids);"
        "print(done.count(), by['host-a'], by['host-b'])"
    )
    out = subprocess.run(
        [*manage, "shell", "-c", count],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    ).stdout.split()
    done, a, b = map(int, out[-3:])
    ran = Counter(int(p.name.split(".")[0]) for p in runs.iterdir())
    assert sorted(ran) == list(range(TASKS)) and max(ran.values()) == 1  # each once
    assert done == TASKS and a + b == TASKS and a > 0 and b > 0, (done, a, b)  # both worked
