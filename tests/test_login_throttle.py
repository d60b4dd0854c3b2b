"""Login throttling behind a reverse proxy (finding 4).

The per-address ceiling counted REMOTE_ADDR only: behind the proxy every user shares its
address, so 31 wrong logins by anyone blocked every login. Now the client address comes
from X-Forwarded-For behind trusted proxies only, the pause is per (address, username)
and grows, and refusals and lockouts are audited as their own events.
"""

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from shegong.accounts import throttle
from shegong.audit.models import AuditEntry
from shegong.core.net import client_ip

PASSWORD = "Passw0rd!"
PROXY = "10.1.0.5"


@pytest.fixture(autouse=True)
def _fresh(settings):
    cache.clear()
    settings.SHEGONG_TRUSTED_PROXIES = [PROXY, "192.168.50.0/24"]
    yield
    cache.clear()


def _login(client, username, password, client_address, via=PROXY):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=via,
        HTTP_X_FORWARDED_FOR=f"{client_address}",
    )


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (PROXY, "203.0.113.7", "203.0.113.7"),  # behind the trusted proxy
        (PROXY, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the client forged a hop
        (PROXY, "203.0.113.7, 192.168.50.3", "203.0.113.7"),  # two trusted proxies
        ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # not a proxy: the header is ignored
        (PROXY, "garbage", PROXY),  # malformed: nothing beyond the proxy is trusted
        (PROXY, "", PROXY),
    ],
)
def test_the_client_address_is_read_only_behind_trusted_proxies(remote, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_one_client_behind_the_proxy_cannot_lock_everyone_out(client, world):
    attacker = "203.0.113.66"
    for n in range(40):
        _login(client, f"nobody{n}", "wrong", attacker)
    for n, role in enumerate(("county_officer", "city_officer", "social_worker")):
        user = world.actors[role]
        response = _login(client, user.username, PASSWORD, f"198.51.100.{n}")
        assert response.status_code == 302, role
        client.logout()


def test_guessing_one_account_from_one_address_waits_longer_each_time(client, world):
    user = world.actors["county_officer"]
    address = "203.0.113.8"
    for _ in range(throttle.FREE):
        assert _login(client, user.username, "wrong", address).status_code == 200
    refused = _login(client, user.username, "wrong", address)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    entry = AuditEntry.objects.get(action="shegong.auth.throttled")
    assert entry.ip == address and entry.data["username"] == user.username
    assert not entry.success
    # the same person from another address, and another person from this one, go on
    assert _login(client, user.username, PASSWORD, "203.0.113.9").status_code == 302
    client.logout()
    other = world.actors["city_officer"]
    assert _login(client, other.username, PASSWORD, address).status_code == 302


def test_the_delay_grows_and_is_capped(settings):
    assert [throttle.delay_for(n) for n in range(throttle.FREE)] == [0] * throttle.FREE
    delays = [throttle.delay_for(n) for n in range(throttle.FREE, throttle.FREE + 12)]
    assert delays == sorted(delays) and delays[0] == 1 and delays[1] == 2
    assert delays[-1] == settings.SHEGONG_LOGIN_MAX_DELAY


def test_a_success_clears_the_pause(client, world):
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.10")
    user = world.actors["county_officer"]
    for _ in range(throttle.FREE + 2):
        throttle.failed(request, user.username)
    assert throttle.wait_seconds(request, user.username) > 0
    throttle.succeeded(request, user.username)
    assert throttle.wait_seconds(request, user.username) == 0


def test_a_lockout_is_audited_as_a_lockout(client, world):
    user = world.actors["county_officer"]
    for n in range(5):  # five addresses: no pause, the account locks (django-axes)
        _login(client, user.username, "wrong", f"203.0.113.{20 + n}")
    locked = AuditEntry.objects.filter(action="shegong.auth.locked_out")
    assert locked.count() == 1 and locked.get().data["username"] == user.username
    assert _login(client, user.username, PASSWORD, "203.0.113.99").status_code == 429
    assert locked.count() == 2  # the refused attempt too
