"""Faults a province's server meets: a graceful reload (HUP) of a real gunicorn while
requests keep coming loses none of them; a full disk on an upload says so and saves
nothing.

(The database not answering is tests/test_database_down.py; a worker killed in the middle
of a task, tests/test_stalled.py.)"""

import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from .serving import ROOT, free_port, gunicorn, server_env


def _serve(tmp_path) -> tuple[subprocess.Popen, str, object]:
    env = server_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "media")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=600
    )
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "w+")  # noqa: SIM115 (closed by the test)
    proc = gunicorn(env, port, log=log, level="info", args=("--graceful-timeout", "20"))
    url = f"http://127.0.0.1:{port}"
    return proc, url, log


def test_a_graceful_reload_under_load_fails_no_request(tmp_path):
    proc, url, log = _serve(tmp_path)
    results: list = []  # (when it was answered, status)
    reloads: list[float] = []
    stop = time.monotonic() + 9

    def load():
        while time.monotonic() < stop:
            for path in ("/healthz", "/accounts/login/", "/public/"):
                try:
                    with urllib.request.urlopen(url + path, timeout=30) as response:
                        status = response.status
                except urllib.error.HTTPError as exc:
                    status = exc.code
                except OSError as exc:
                    status = repr(exc)
                results.append((time.monotonic(), status))

    threads = [threading.Thread(target=load) for _ in range(4)]
    try:
        for t in threads:
            t.start()
        for pause in (2, 3):
            time.sleep(pause)
            proc.send_signal(signal.SIGHUP)  # systemctl reload shegong-web does this
            reloads.append(time.monotonic())
        for t in threads:
            t.join()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.seek(0)
        said = log.read()
        log.close()
    failed = [status for _, status in results if status != 200]
    assert not failed, failed[:10]
    # the load ran across both reloads: requests answered before, between and after them
    # (how many depends on the machine's speed, so none is counted)
    first, second = reloads
    windows = [
        [t for t, _ in results if t < first],
        [t for t, _ in results if first <= t < second],
        [t for t, _ in results if t >= second],
    ]
    assert all(windows), [len(w) for w in windows]
    assert said.count("Hang up") == 2, said[-2000:]  # both reloads happened


def test_a_full_disk_on_upload_says_so_and_leaves_no_row(world, monkeypatch):
    import errno

    from django.core.files.storage import FileSystemStorage
    from django.test import Client
    from django.urls import reverse

    from shegong.imports.models import ImportJob

    from .test_imports import roster_rows, xlsx

    client = Client(raise_request_exception=False)
    client.force_login(world.actors["county_officer"])

    def full(self, name, content):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full)
    response = client.post(
        reverse("imports:upload"),
        {"region": "430302", "on_existing": "update", "file": xlsx(roster_rows(3))},
    )
    assert response.status_code == 507
    assert "存储空间已满" in response.content.decode()
    assert not ImportJob.objects.exists()  # nothing half-saved
    monkeypatch.undo()  # space again: the same upload goes through
    again = client.post(
        reverse("imports:upload"),
        {"region": "430302", "on_existing": "update", "file": xlsx(roster_rows(3))},
    )
    assert again.status_code == 302 and ImportJob.objects.count() == 1
