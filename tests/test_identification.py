"""Identification (等保 level 3): password rules, lockout, second factor, idle timeout."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from shegong.audit.models import AuditEntry

PASSWORD = "Passw0rd!"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("weak", ["Ab1!", "password1", "abcdefgh", "ABCD1234", "12345678"])
def test_weak_passwords_are_refused(world, weak):
    from django.contrib.auth.password_validation import validate_password

    with pytest.raises(ValidationError):
        validate_password(weak, world.actors["county_officer"])


def test_a_strong_password_passes_and_the_last_five_cannot_be_reused(world):
    from django.contrib.auth.password_validation import validate_password

    user = world.actors["county_officer"]
    history = [f"Winter{n}#2026" for n in range(6)]
    for pw in history:
        validate_password(pw, user)
        user.set_password(pw)
        user.save()
    with pytest.raises(ValidationError, match="最近使用过"):
        validate_password(history[-3], user)
    validate_password(history[0], user)  # six passwords ago: allowed again
    assert user.password_history.count() == 5


def test_expired_password_must_be_changed_first(client, world):
    officer = world.actors["county_officer"]
    officer.password_changed_at = timezone.now() - datetime.timedelta(days=91)
    officer.save(update_fields=["password_changed_at"])
    client.force_login(officer)
    response = client.get(reverse("stations:list"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "accounts:password_change"
    )
    assert client.get("/api/stations").status_code == 403
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Spring#2027go",
            "new_password2": "Spring#2027go",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("stations:list")).status_code == 200
    assert AuditEntry.objects.filter(action="shegong.auth.password_changed").exists()
    # a social worker's password does not expire
    worker = world.actors["social_worker"]
    worker.password_changed_at = timezone.now() - datetime.timedelta(days=400)
    worker.save(update_fields=["password_changed_at"])
    client.force_login(worker)
    assert client.get(reverse("stations:list")).status_code == 200


def _login(client, username, password, ip="127.0.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_five_failures_lock_the_account(client, world):
    # from five addresses, as an attacker rotating them would: the account locks regardless
    user = world.actors["county_officer"]
    for n in range(4):
        assert _login(client, user.username, "wrong", ip=f"10.0.0.{n}").status_code == 200
    assert _login(client, user.username, "wrong", ip="10.0.0.9").status_code == 429  # locks
    assert AuditEntry.objects.filter(action="shegong.auth.locked_out").count() == 1
    locked = _login(client, user.username, PASSWORD)  # even the right password, now
    assert locked.status_code == 429
    assert "15 分钟" in locked.content.decode()
    assert AuditEntry.objects.filter(action="shegong.auth.login_failed", success=False).count() >= 5
    # another account from the same address is not locked
    assert _login(client, world.actors["city_officer"].username, PASSWORD).status_code == 302


def test_lockout_ends_after_the_cool_off(client, world):
    from axes.models import AccessAttempt

    user = world.actors["county_officer"]
    for n in range(5):
        _login(client, user.username, "wrong", ip=f"10.0.1.{n}")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert _login(client, user.username, PASSWORD).status_code == 302


def test_officers_need_a_second_factor(client, world, settings):
    settings.SHEGONG_REQUIRE_2FA = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no back-off wait after the wrong code below
    officer = world.actors["county_officer"]
    assert _login(client, officer.username, PASSWORD).status_code == 302
    response = client.get(reverse("stations:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp"))
    assert client.get("/api/stations").status_code == 403
    page = client.get(reverse("accounts:otp"))
    assert page.context["enrolling"] and page.context["qr"].startswith("data:image/png;base64,")
    device = TOTPDevice.objects.get(user=officer)
    assert client.post(reverse("accounts:otp"), {"token": "000000"}).status_code == 200
    assert AuditEntry.objects.filter(action="shegong.auth.otp_failed").exists()
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post(reverse("accounts:otp") + "?next=/stations/", {"token": code})
    assert response.status_code == 302 and response["Location"] == "/stations/"
    response = client.get(reverse("stations:list"))
    assert response.status_code == 200
    # the views read the account itself, not lazy wrappers, and it keeps its second factor
    seen = response.wsgi_request.user
    assert type(seen) is type(officer) and seen.pk == officer.pk and seen.is_verified()
    device.refresh_from_db()
    assert device.confirmed
    # a resident social worker is not asked
    client.post(reverse("accounts:logout"))
    assert _login(client, world.actors["social_worker"].username, PASSWORD).status_code == 302
    assert client.get(reverse("stations:list")).status_code == 200


def test_idle_sessions_end_after_thirty_minutes_and_activity_moves_the_clock_on(
    client, world, monkeypatch
):
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shegong.core import middleware

    assert django_settings.SESSION_COOKIE_AGE == 30 * 60
    client.force_login(world.actors["social_worker"])
    page = reverse("work:visit_list")
    assert client.get(page).status_code == 200  # the first request moves the clock on

    def expiry():
        return Session.objects.get(session_key=client.session.session_key).expire_date

    first = expiry()
    assert first > timezone.now() + datetime.timedelta(minutes=29)
    # within the minute: the session is read, not written again
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert expiry() == first
    # a minute later: written, with a new expiry
    now = middleware.time.time()
    monkeypatch.setattr(middleware.time, "time", lambda: now + 61)
    assert client.get(page).status_code == 200
    assert expiry() > first
    # thirty minutes without a request: the session is over
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    answer = client.get(page)
    assert answer.status_code == 302 and reverse("accounts:login") in answer["Location"]


def test_security_admin_unlocks_and_resets_the_second_factor(client, world):
    from axes.models import AccessAttempt

    officer = world.actors["county_officer"]
    for _ in range(5):
        _login(client, officer.username, "wrong")
    TOTPDevice.objects.create(user=officer, name="lost phone")
    assert AccessAttempt.objects.filter(username=officer.username).exists()
    client.force_login(world.actors["security_admin"])
    client.post(reverse("accounts:user_security", args=[officer.pk, "unlock"]))
    client.post(reverse("accounts:user_security", args=[officer.pk, "reset_otp"]))
    assert not AccessAttempt.objects.filter(username=officer.username).exists()
    assert not TOTPDevice.objects.filter(user=officer).exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"shegong.user.unlocked", "shegong.user.otp_reset"} <= actions
    client.post(reverse("accounts:logout"))
    assert _login(client, officer.username, PASSWORD).status_code == 302
