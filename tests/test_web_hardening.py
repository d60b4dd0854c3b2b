"""Web hardening: deploy checks clean, CSP with no inline code, headers, province scope."""

import os
import re
import subprocess
import sys

from cryptography.fernet import Fernet
from django.conf import settings
from django.urls import reverse

ROOT = settings.BASE_DIR


def test_production_settings_pass_check_deploy():
    env = {
        "PATH": os.environ["PATH"],
        "SHEGONG_SECRET_KEY": "x7Qk2-" + "v9LmP3wZr8TnB5yHc4" * 3,
        "SHEGONG_FIELD_KEYS": Fernet.generate_key().decode(),
        "SHEGONG_HASH_KEY": "a-long-random-lookup-secret-for-tests",
        "SHEGONG_ALLOWED_HOSTS": "shegong.example.gov.cn",
        "DATABASE_URL": f"sqlite:///{ROOT / 'nonexistent-check.sqlite3'}",
        "SHEGONG_REDIS_URL": "redis://127.0.0.1:6379/15",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    # without a shared cache, production is warned: several processes, several ceilings
    del env["SHEGONG_REDIS_URL"]
    local = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "shegong.W010" in local.stdout + local.stderr
    (ROOT / "nonexistent-check.sqlite3").unlink(missing_ok=True)


def test_production_refuses_to_start_without_keys():
    db = {"DATABASE_URL": f"sqlite:///{ROOT / 'nonexistent-check.sqlite3'}"}
    env = {"PATH": os.environ["PATH"], "SHEGONG_SECRET_KEY": "k" * 50, **db}
    server = subprocess.run(
        [sys.executable, "-c", "import shegong.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert server.returncode != 0 and "SHEGONG_FIELD_KEYS" in server.stderr
    deploy = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert deploy.returncode != 0 and "shegong.E002" in deploy.stdout + deploy.stderr
    # tooling that needs no secret still runs without one
    tooling = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **db},
        capture_output=True,
        text=True,
        check=False,
    )
    assert tooling.returncode == 0, tooling.stdout + tooling.stderr
    (ROOT / "nonexistent-check.sqlite3").unlink(missing_ok=True)


PAGES = [
    "home",
    "stations:list",
    "people:list",
    "work:visit_list",
    "work:case_create",
    "people:create",
    "work:activity_create",
    "accounts:password_change",
]
INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),  # inline script
    re.compile(r"\sstyle=\"", re.I),  # inline style attribute
    re.compile(r"\son[a-z]+=", re.I),  # inline event handler
]


def test_pages_carry_a_strict_csp_and_no_inline_code(client, world):
    client.force_login(world.actors["social_worker"])
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        csp = response["Content-Security-Policy"]
        assert (
            "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        )
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        body = response.content.decode()
        for pattern in INLINE:
            assert not pattern.search(body), (name, pattern.pattern, pattern.search(body).group(0))


def test_forms_need_csrf(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.actors["social_worker"])
    assert strict.post(reverse("people:create"), {"name": "x"}).status_code == 403


def test_province_level_region_is_the_province_officers(client, world):
    """The fourth place of the matrix: the province itself."""
    expected = {"province_officer": 200, "system_admin": 200, "security_admin": 200}
    for role, user in world.actors.items():
        client.force_login(user)
        got = client.get(reverse("regions:detail", args=["43"])).status_code
        assert got == expected.get(role, 404), role
        got = client.get("/api/regions/43").status_code
        assert got == expected.get(role, 404), role


def test_nul_bytes_are_a_bad_request_not_a_crash(client, world):
    client.force_login(world.actors["social_worker"])
    assert client.get("/api/recipients", {"q": "a\x00b"}).status_code == 400
    assert client.get(reverse("people:list"), {"q": "\x00"}).status_code == 400
    assert client.get(reverse("people:list"), {"q": "张"}).status_code == 200
