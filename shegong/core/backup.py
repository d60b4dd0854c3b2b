"""Backups and restores (``manage.py backup`` / ``restore``): the database as one consistent
snapshot, the uploaded files, and a manifest to check a restore against.

PostgreSQL: the manifest's row counts are read in a REPEATABLE READ transaction whose
snapshot ``pg_dump --snapshot`` then dumps (custom format), so the counts are those of the
dump, whatever is written meanwhile. SQLite: SQLite's own online backup, counted in the copy. The uploaded files
(``MEDIA_ROOT``) go into ``media.tar.gz``. The manifest (``manifest.json``) names the
version, the database, the migrations applied, the time, every table's row count and each
file's SHA-256.

A restore goes into an empty database only, checks the files against the manifest first and
the row counts after, and unpacks the uploaded files without overwriting any. Personal
fields stay encrypted in the dump: the restored deployment needs the same
``SHEGONG_FIELD_KEYS`` and ``SHEGONG_HASH_KEY`` (docs/operations.md, "Keys").
"""

import hashlib
import importlib.metadata
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


def _pg_env(alias: str) -> tuple[dict, str]:
    db = connections[alias].settings_dict
    env = {**os.environ}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env, db["NAME"]


def _counts(cursor, tables: list[str]) -> dict[str, int]:
    """Every table's rows (table names from the database's own catalogue, quoted)."""
    quote = cursor.db.ops.quote_name
    found = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608
        found[table] = cursor.fetchone()[0]
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _migrations(alias: str) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connections[alias]).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def backup(*, into: Path, alias: str = "default") -> Path:
    """Write a backup folder under ``into``; returns it."""
    connection = connections[alias]
    folder = Path(into) / f"shegong-{timezone.now():%Y%m%d-%H%M%S}"
    folder.mkdir(parents=True, exist_ok=False)
    tables = connection.introspection.table_names()
    if connection.vendor == "postgresql":
        env, name = _pg_env(alias)
        dump = folder / "database.dump"
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _counts(cursor, tables)
            done = subprocess.run(  # noqa: S603
                ["pg_dump", "-Fc", f"--snapshot={snapshot}", "-f", str(dump), name],  # noqa: S607
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
        if done.returncode:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()[-500:]}")
    elif connection.vendor == "sqlite":
        dump = folder / "database.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(dump)
        try:
            connection.connection.backup(target)  # one consistent copy, taken online
            # the counts are the copy's own, so they are those of the backup
            cursor = target.cursor()
            counts = {}
            for table in sorted(tables):
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608
                counts[table] = cursor.fetchone()[0]
        finally:
            target.close()
    else:
        raise BackupError(f"No backup for {connection.vendor}.")
    files = {dump.name: _sha256(dump)}
    media = Path(settings.MEDIA_ROOT)
    archive = folder / "media.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        if media.is_dir():
            tar.add(media, arcname="media")
    files[archive.name] = _sha256(archive)
    manifest = {
        "format": FORMAT,
        "shegong": importlib.metadata.version("shegong"),
        "created_at": timezone.now().isoformat(),
        "database": connection.vendor,
        "migrations": _migrations(alias),
        "counts": counts,
        "files": files,
    }
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8"
    )
    return folder


def restore(*, source: Path, alias: str = "default") -> dict[str, int]:
    """Restore the backup folder ``source`` into the empty database ``alias`` and unpack
    its uploaded files into ``MEDIA_ROOT``; returns the tables' row counts, which equal the
    manifest's (``BackupError`` otherwise, or when the database is not empty)."""
    source = Path(source)
    try:
        manifest = json.loads((source / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"No readable manifest.json in {source}.") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')}.")
    for name, digest in manifest["files"].items():
        if not (source / name).is_file() or _sha256(source / name) != digest:
            raise BackupError(f"{name} is missing or does not match the manifest.")
    connection = connections[alias]
    if manifest["database"] != connection.vendor:
        raise BackupError(
            f"The backup is of {manifest['database']}; this database is {connection.vendor}."
        )
    if connection.introspection.table_names():
        raise BackupError("The database is not empty: restore into a new, empty database.")
    if connection.vendor == "postgresql":
        env, name = _pg_env(alias)
        connection.close()
        done = subprocess.run(  # noqa: S603
            [  # noqa: S607
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "-d",
                name,
                str(source / "database.dump"),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()[-500:]}")
    else:
        connection.close()
        shutil.copyfile(source / "database.sqlite3", connection.settings_dict["NAME"])
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / "media.tar.gz", "r:gz") as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if not member.isfile() or parts[:1] != ("media",) or ".." in parts:
                continue
            target = media.joinpath(*parts[1:])
            if target.exists():
                continue  # never overwrite a file already there
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as data, open(target, "wb") as out:
                shutil.copyfileobj(data, out)
    with connection.cursor() as cursor:
        counts = _counts(cursor, list(manifest["counts"]))
        # a dump carries no planner statistics: without them (until autovacuum gets round
        # to it) PostgreSQL assumes one row per table and picks nested loops
        cursor.execute("ANALYZE")
    differ = {t: (n, counts.get(t)) for t, n in manifest["counts"].items() if counts.get(t) != n}
    if differ:
        raise BackupError(f"Row counts differ from the manifest: {differ}")
    # what the cache holds was read from the database before: sessions and logged-in users
    # of ids the restored database may give to other people
    clear_cache()
    return counts


def clear_cache() -> int:
    """Forget everything this deployment keeps in its cache (after a restore: sessions and
    logged-in users were read from another database). With Redis, only the keys under this
    deployment's prefix (``SHEGONG_CACHE_PREFIX``): deployments sharing the server keep
    theirs. Returns how many keys went (-1: the whole local cache)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        cache.clear()
        return -1
    client = cache._cache.get_client(write=True)
    gone = 0
    for key in client.scan_iter(match=cache.make_key("*"), count=1000):
        gone += client.delete(key)
    return gone
