"""Real server processes, for the tests that start them, the benchmarks (bench/public.py,
bench/loadtest.py) and the fault drill (scripts/faults.py): one environment (production
settings), one way to start gunicorn and wait for it, one logged-in client over HTTP.

Nothing here imports Django: the processes it starts do."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Passw0rd!"  # the factories' accounts


def server_env(database_url: str, media: Path | None = None, **extra: str) -> dict:
    """The environment of a server process: production settings (debug off, no HTTPS
    redirect, development keys, plain static files) on ``database_url``."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings_server",
        "SHEGONG_INSECURE_DEV_KEY": "1",
        "SHEGONG_HTTPS": "0",
        "SHEGONG_DEBUG": "0",
        "SHEGONG_ALLOWED_HOSTS": "127.0.0.1",
        "SHEGONG_REQUIRE_2FA": "0",
        "DATABASE_URL": database_url,
    }
    if media is not None:
        env["SHEGONG_MEDIA_ROOT"] = str(media)
    return {**env, **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(
    env: dict,
    port: int,
    *,
    workers: int = 2,
    log=None,
    level: str = "warning",
    args: tuple[str, ...] = (),
) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:``port``, returned once ``/healthz`` answers; its output to
    ``log`` (an open file) or nowhere. A server that dies first raises with its log."""
    sink = log if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "shegong.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            level,
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdout=sink,
        stderr=sink,
    )
    for _ in range(600):
        if proc.poll() is not None:
            said = Path(log.name).read_text()[-3000:] if log is not None else ""
            raise RuntimeError(f"gunicorn stopped: {said}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)  # noqa: S310
            return proc
        except urllib.error.HTTPError:
            return proc  # it answers (a 503 is the database's business)
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not answer")


class Session:
    """One user logged in through the login page, over HTTP with its cookies."""

    def __init__(self, base: str, username: str, password: str = PASSWORD):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        page = self.opener.open(base + "/accounts/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        answer = self.opener.open(
            urllib.request.Request(  # noqa: S310 (our own server)
                base + "/accounts/login/", data=body, headers={"Referer": base + "/accounts/login/"}
            )
        )
        if "/accounts/login/" in answer.url:
            raise RuntimeError(f"{username} could not log in")

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def send(self, path: str, data: bytes | None = None, headers: dict | None = None):
        """(status, content type, body text, milliseconds) of a GET, or a POST of ``data``."""
        request = urllib.request.Request(  # noqa: S310 (our own server)
            self.base + path,
            data=data,
            headers={"X-CSRFToken": self.csrf(), "Referer": self.base + "/", **(headers or {})},
        )
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=60) as answer:
                body = answer.read().decode()
                status, kind = answer.status, answer.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            body = exc.read().decode()
            status, kind = exc.code, exc.headers.get("Content-Type", "")
        return status, kind, body, 1000 * (time.perf_counter() - started)
