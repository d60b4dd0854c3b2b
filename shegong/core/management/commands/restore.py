"""Restore a backup folder into an empty database (docs/operations.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shegong.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a folder written by `manage.py backup` into this deployment's database, "
        "which must be empty, and its uploaded files into MEDIA_ROOT (none overwritten); "
        "checks the files against the manifest first and the row counts after. The same "
        "SHEGONG_FIELD_KEYS and SHEGONG_HASH_KEY must be set to read personal fields."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder")

    def handle(self, *args, folder, **options):
        try:
            counts = restore(source=Path(folder))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored {len(counts)} tables, {sum(counts.values())} rows")
