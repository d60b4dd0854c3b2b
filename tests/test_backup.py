"""The restore drill: back up a deployment with people and uploaded files, restore into a
fresh database (another process, the same keys), and find the same rows, the same files
and the personal fields readable. On SQLite and on PostgreSQL (pg_dump, one snapshot)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from shegong.core.backup import backup
from shegong.people.models import Recipient

ROOT = Path(__file__).resolve().parent.parent


def _manage(url: str, media: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shegong.settings_test",
        "DATABASE_URL": url,
        "SHEGONG_MEDIA_ROOT": str(media),
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_back_up_restore_into_a_fresh_database_and_read_the_same(
    transactional_db, world, tmp_path, fresh_database_url, settings
):
    person = world.places["own"].recipient
    photo = world.places["own"].photo.image
    assert person.id_number and Path(photo.path).is_file()
    folder = backup(into=tmp_path / "backups")
    assert {p.name for p in folder.iterdir()} == {
        "manifest.json",
        "media.tar.gz",
        "database.dump" if connection.vendor == "postgresql" else "database.sqlite3",
    }

    media = tmp_path / "restored-media"
    target = fresh_database_url
    done = _manage(target, media, "restore", str(folder))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "restored" in done.stdout
    # the same rows, the personal fields readable with the same keys, the same files
    read = _manage(
        target,
        media,
        "shell",
        "-c",
        "from shegong.people.models import Recipient;"
        f"p = Recipient.objects.get(pk={person.pk});"
        "print(Recipient.objects.count(), p.id_number, p.name)",
    )
    assert read.returncode == 0, read.stderr[-3000:]
    count, id_number, name = read.stdout.split()[-3:]
    assert (int(count), id_number, name) == (
        Recipient.objects.count(),
        person.id_number,
        person.name,
    )
    restored = media / Path(photo.path).relative_to(settings.MEDIA_ROOT)
    assert restored.read_bytes() == Path(photo.path).read_bytes()

    # never into a database with data, and never from files that do not match
    again = _manage(target, media, "restore", str(folder))
    assert again.returncode != 0 and "not empty" in again.stderr
    archive = folder / "media.tar.gz"
    archive.write_bytes(archive.read_bytes() + b"x")
    with pytest.raises(CommandError, match="does not match"):
        call_command("restore", str(folder))


def test_a_restore_forgets_this_deployments_cache_and_only_its_own(settings):
    """Sessions and logged-in users cached from the database before a restore name ids the
    restored one may give to other people: ``restore`` ends by dropping this deployment's
    keys (its prefix), not those of another deployment on the same Redis."""
    import socket
    import uuid

    import redis
    from django.core.cache import cache

    from shegong.core.backup import clear_cache

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("Redis is not running on 6379")
    ours, theirs = f"ours-{uuid.uuid4().hex[:8]}", f"theirs-{uuid.uuid4().hex[:8]}"
    url = "redis://127.0.0.1:6379/15"
    settings.CACHES = {
        "default": {
            "BACKEND": "shegong.core.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": ours,
        }
    }
    other = redis.Redis.from_url(url)
    try:
        cache.set("auth:user:5", "someone", 60)
        cache.set("session:abc", "a session", 60)
        other.set(f"{theirs}:1:auth:user:5", "kept")
        assert clear_cache() == 2
        assert cache.get("auth:user:5") is None and cache.get("session:abc") is None
        assert other.get(f"{theirs}:1:auth:user:5") == b"kept"
    finally:
        other.delete(f"{theirs}:1:auth:user:5")
        for key in other.scan_iter(match=f"{ours}:*"):
            other.delete(key)


def test_without_redis_a_restore_empties_the_local_cache():
    from django.core.cache import cache

    from shegong.core.backup import clear_cache

    cache.set("auth:user:5", "someone", 60)
    assert clear_cache() == -1 and cache.get("auth:user:5") is None
