"""A consistent backup: the database, the uploaded files and a manifest (docs/operations.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shegong.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump, custom format, one snapshot; SQLite: its "
        "online backup), the uploaded files and a manifest (version, migrations, time, row "
        "counts, checksums) into a new folder under --output (SHEGONG_BACKUP_DIR)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=getattr(settings, "SHEGONG_BACKUP_DIR", ""),
            help="the folder backups are written under",
        )

    def handle(self, *args, output="", **options):
        if not output:
            raise CommandError("Give --output DIR (or set SHEGONG_BACKUP_DIR).")
        try:
            folder = backup(into=Path(output))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(folder))
