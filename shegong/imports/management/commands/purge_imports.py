from django.core.management.base import BaseCommand

from shegong.imports.services import imports_purge


class Command(BaseCommand):
    help = (
        "Delete the uploaded files of imports older than SHEGONG_IMPORT_KEEP_DAYS (reports stay)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{imports_purge()} import files deleted")
