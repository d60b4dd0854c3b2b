"""Two server processes, as two gunicorn hosts behind one address, share the login ceiling
(the throttle's counters, in Redis through SHEGONG_REDIS_URL), the account lockout (the
database) and the sessions: a guesser gains nothing by spreading attempts over them.

The servers run on their own SQLite file, migrated here, with a key prefix of their own in
Redis (127.0.0.1:6379, database 15), which the test deletes."""

import http.cookiejar
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from .serving import ROOT, free_port, gunicorn, server_env

REDIS = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 6379")


class Servers(list):
    """The two servers' addresses, and what a third process needs to share their state."""


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Two processes on one database and one Redis, each on its own port."""
    base = tmp_path_factory.mktemp("shared")
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    env = server_env(
        f"sqlite:///{base / 'db.sqlite3'}",
        base / "media",
        SHEGONG_REDIS_URL=REDIS,
        SHEGONG_CACHE_PREFIX=prefix,
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=600)
    make = (
        "from shegong.accounts.models import User;"
        "from shegong.regions.models import Region;"
        "Region.objects.get_or_create(code='43', defaults={'name': '湖南省', 'level': 1});"
        "[User.objects.create_user(username=n, password='Right#Pass2026',"
        " role='province_officer', scope_region_id='43') for n in ('guarded', 'visitor')]"
    )
    subprocess.run([*manage, "shell", "-c", make], cwd=ROOT, env=env, check=True, timeout=120)
    ports = [free_port(), free_port()]
    procs = [gunicorn(env, port, workers=1, args=("--timeout", "60")) for port in ports]
    urls = Servers(f"http://127.0.0.1:{p}" for p in ports)
    urls.database = f"sqlite:///{base / 'db.sqlite3'}"
    urls.media = base / "media"
    urls.redis = {"SHEGONG_REDIS_URL": REDIS, "SHEGONG_CACHE_PREFIX": prefix}
    yield urls
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)
    import redis

    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


class Browser:
    """One person's cookies, posting the login form to whichever server."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url: str) -> tuple[int, str, str]:
        """(status, the address after redirects, the page)."""
        try:
            with self.opener.open(url, timeout=30) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, url, exc.read().decode()

    def login(self, base: str, username: str, password: str) -> tuple[int, str, str]:
        """(status, Retry-After or the address reached, the page)."""
        _status, _url, page = self.get(base + "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": password}
        ).encode()
        request = urllib.request.Request(
            base + "/accounts/login/", data=data, headers={"Referer": base + "/accounts/login/"}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Retry-After", ""), exc.read().decode()


def test_the_login_ceiling_lockout_and_session_are_shared_by_two_processes(servers):
    a, b = servers
    # a session begun on one process is good on the other
    person = Browser()
    status, reached, _page = person.login(a, "visitor", "Right#Pass2026")
    assert status == 200 and "/accounts/login/" not in reached
    _status, reached, _page = person.get(b + "/accounts/login/")
    assert "/accounts/login/" not in reached  # signed in there too: sent on

    guesser = Browser()
    # three failures spread over both processes; the fourth, on the process that saw only
    # one of them, must wait: the counters are shared (with each process's own memory it
    # would have let the guess through)
    assert [guesser.login(url, "guarded", "wrong")[0] for url in (a, b, a)] == [200, 200, 200]
    status, retry, _page = guesser.login(b, "guarded", "wrong")
    assert status == 429 and int(retry) >= 1
    # two more failures, waiting out each pause, lock the account on both processes
    failures = 3
    while failures < 5:
        status, retry, _page = guesser.login((a, b)[failures % 2], "guarded", "wrong")
        if status == 429 and retry:
            time.sleep(int(retry))
            continue
        failures += 1
    for url in (a, b):  # the right password, once each throttle pause is over
        status, retry, page = Browser().login(url, "guarded", "Right#Pass2026")
        while status == 429 and retry:
            time.sleep(int(retry))
            status, retry, page = Browser().login(url, "guarded", "Right#Pass2026")
        assert status == 429 and 'data-testid="locked"' in page, url  # django-axes: locked


def test_a_user_changed_in_another_process_is_not_served_from_the_shared_cache(servers):
    """Both processes keep the logged-in user in Redis (accounts.usercache); a third
    process deactivating the account forgets it there, and neither serves it again."""
    a, b = servers
    env = server_env(servers.database, servers.media, **servers.redis)
    manage = [sys.executable, "manage.py"]
    make = (
        "from shegong.accounts.models import User;"
        "User.objects.create_user(username='leaver', password='Right#Pass2026',"
        " role='province_officer', scope_region_id='43')"
    )
    subprocess.run([*manage, "shell", "-c", make], cwd=ROOT, env=env, check=True, timeout=120)
    person = Browser()
    status, reached, _page = person.login(a, "leaver", "Right#Pass2026")
    assert status == 200 and "/accounts/login/" not in reached
    for url in (a, b, a, b):  # read once, then from the cache on both
        status, reached, _page = person.get(url + "/")
        assert status == 200 and "/accounts/login/" not in reached
    leave = (
        "from shegong.accounts.models import User;"
        "u = User.objects.get(username='leaver'); u.is_active = False; u.save()"
    )
    subprocess.run([*manage, "shell", "-c", leave], cwd=ROOT, env=env, check=True, timeout=120)
    for url in (a, b):
        _status, reached, _page = person.get(url + "/")
        assert "/accounts/login/" in reached, url
