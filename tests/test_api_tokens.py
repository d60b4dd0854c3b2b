"""Issue #14, part 2: personal API tokens.

A user makes a token on their own page, sees its secret once, and uses it as
``Authorization: Bearer …``; it acts within the user's restriction, a read-only token may
not write, a revoked or expired one is refused, and making, revoking and writing through a
token are audited. Only a digest of the secret is stored.
"""

import datetime
import json
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shegong.accounts.models import ApiToken
from shegong.accounts.tokens import digest
from shegong.audit.models import AuditEntry

SECRET = re.compile(r"sg_[A-Za-z0-9_-]{20,}")


def _make(client, user, scope="write", name="县救助系统对接"):
    client.force_login(user)
    page = client.post(reverse("accounts:api_tokens"), {"name": name, "scope": scope, "days": 30})
    assert page.status_code == 200
    body = page.content.decode()
    secret = SECRET.search(body).group(0)
    assert "no-store" in page["Cache-Control"]
    return secret


def _visit(world):
    own = world.places["own"]
    return {
        "date": "2026-03-02",
        "region": own.village,
        "recipient": own.recipient.pk,
        "workers": [world.actors["social_worker"].pk],
        "hours": "1",
        "situation": "经接口登记的走访",
    }


def test_a_token_is_shown_once_and_stored_as_a_digest(client, world):
    worker = world.actors["social_worker"]
    secret = _make(client, worker)
    token = ApiToken.objects.get(user=worker)
    assert token.digest == digest(secret) and secret not in token.digest
    again = client.get(reverse("accounts:api_tokens")).content.decode()
    assert secret not in again and token.prefix in again
    entry = AuditEntry.objects.get(action="shegong.token.created")
    assert entry.actor == worker and secret not in json.dumps(entry.data, ensure_ascii=False)


def test_a_token_acts_as_its_user_within_their_restriction(world):
    worker = world.actors["social_worker"]
    secret = _make(Client(), worker)
    api = Client()  # no session, no CSRF token: only the bearer
    auth = {"Authorization": f"Bearer {secret}"}
    listed = api.get("/api/visits", headers=auth)
    assert listed.status_code == 200
    villages = {v["region_id"][:9] for v in listed.json()["items"]}
    assert villages == {world.places["own"].township}  # the worker's own township only
    made = api.post(
        "/api/visits", json.dumps(_visit(world)), content_type="application/json", headers=auth
    )
    assert made.status_code == 201
    entry = AuditEntry.objects.get(action="shegong.visit.created")
    assert entry.actor == worker and entry.data["api_token"].startswith("县救助系统对接")
    assert ApiToken.objects.get(user=worker).last_used_at is not None
    # no token, a wrong one: 401
    assert api.get("/api/visits").status_code == 401
    wrong = {"Authorization": "Bearer sg_" + "x" * 43}
    assert api.get("/api/visits", headers=wrong).status_code == 401


def test_read_only_revoked_and_expired_tokens_are_refused(world):
    worker = world.actors["social_worker"]
    browser = Client()
    reader = _make(browser, worker, scope="read", name="只读")
    api = Client()
    auth = {"Authorization": f"Bearer {reader}"}
    assert api.get("/api/visits", headers=auth).status_code == 200
    refused = api.post(
        "/api/visits", json.dumps(_visit(world)), content_type="application/json", headers=auth
    )
    assert refused.status_code == 403 and "只读" in refused.json()["detail"]
    # revoked by its user: refused at once, audited
    token = ApiToken.objects.get(name="只读")
    done = browser.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert done.status_code == 302
    assert api.get("/api/visits", headers=auth).status_code == 401
    assert AuditEntry.objects.filter(action="shegong.token.revoked").count() == 1
    # expired
    writer = _make(browser, worker, name="过期")
    ApiToken.objects.filter(name="过期").update(expires_at=timezone.now() - datetime.timedelta(1))
    assert api.get("/api/visits", headers={"Authorization": f"Bearer {writer}"}).status_code == 401
    # a deactivated user's tokens end with the account
    live = _make(browser, worker, name="在用")
    worker.is_active = False
    worker.save()
    assert api.get("/api/visits", headers={"Authorization": f"Bearer {live}"}).status_code == 401


def test_tokens_are_their_users_own(client, world):
    worker, lead = world.actors["social_worker"], world.actors["station_lead"]
    _make(Client(), worker)
    token = ApiToken.objects.get(user=worker)
    client.force_login(lead)
    assert token.prefix not in client.get(reverse("accounts:api_tokens")).content.decode()
    assert client.post(reverse("accounts:api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    refused = client.post(reverse("accounts:api_tokens"), {"name": "", "scope": "x", "days": 0})
    assert refused.status_code == 200 and not SECRET.search(refused.content.decode())


TOKEN_URLS = {"accounts:api_tokens", "accounts:api_token_revoke"}


def test_every_role_keeps_its_own_tokens_and_no_one_else_reaches_them(client, world):
    for role, user in world.actors.items():
        client.force_login(user)
        assert client.get(reverse("accounts:api_tokens")).status_code == 200, role
    client.logout()
    assert client.get(reverse("accounts:api_tokens")).status_code == 302
    assert client.post(reverse("accounts:api_token_revoke", args=[1])).status_code == 302
