"""Settings for the test suite: the real settings with a cheap hasher and no HTTPS redirect."""

import os

os.environ.setdefault("SHEGONG_INSECURE_DEV_KEY", "1")
os.environ.setdefault("SHEGONG_HTTPS", "0")
# every query the suite runs is compiled by Django too and must match the kept SQL
os.environ.setdefault("SHEGONG_SQL_CACHE_VERIFY", "1")
# … and every row it reads is built by Django too and must match (core/instances.py)
os.environ.setdefault("SHEGONG_FAST_ROWS_VERIFY", "1")

from shegong.settings import *  # noqa: E402,F403
from shegong.settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# The live-server thread must not keep connections that block dropping the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Uploaded files go to a throw-away folder (or the one a test gives a process it starts).
import tempfile  # noqa: E402

MEDIA_ROOT = os.environ.get("SHEGONG_MEDIA_ROOT") or tempfile.mkdtemp(prefix="shegong-test-media-")

# Test databases are flushed between transactional tests; the audit trigger allows it here.
SHEGONG_AUDIT_MAINTENANCE = True

# Second factor is tested on its own (tests/test_identification.py); elsewhere it is off.
SHEGONG_REQUIRE_2FA = False

SHEGONG_INDICATOR_CACHE_SECONDS = 0  # tests change workers and stations between requests

# Text messages are kept in shegong.inbox.sms.MemoryBackend.outbox for the tests to read.
SHEGONG_SMS_BACKEND = "shegong.inbox.sms.MemoryBackend"

# Django's SQLite backend, with the kept-shape compiler, keeps its in-memory test databases
# (pytest-django recognises them only by Django's own ENGINE name)
for _database in DATABASES.values():  # noqa: F405
    if _database["ENGINE"] == "shegong.core.db.sqlite3":
        _database.setdefault("TEST", {}).setdefault("NAME", ":memory:")
