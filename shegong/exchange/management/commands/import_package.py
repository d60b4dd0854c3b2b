"""Receive data packages from files (offline transfer); prints what each did."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shegong.exchange import services


class Command(BaseCommand):
    help = "import_package FILE [FILE …]: verify and apply packages from trusted deployments."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")

    def handle(self, *args, files, **options):
        refused = 0
        for name in files:
            row, outcome = services.receive_package(data=Path(name).read_bytes())
            refused += outcome == "refused"
            detail = f": {row.reason}" if row.reason else ""
            self.stdout.write(
                f"{name}: {outcome} ({row.region_name or '?'} {row.period}, {row.sender}){detail}"
            )
        if refused:
            raise CommandError(f"{refused} package(s) refused")
