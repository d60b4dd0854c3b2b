import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shegong.regions.services import DivisionImportError, divisions_import


class Command(BaseCommand):
    help = (
        "Import statistical division codes (provinces/cities/areas/streets/villages CSV, "
        "plain or .gz). 导入统计用区划代码。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            default=str(settings.SHEGONG_DIVISIONS_DIR),
            help="folder holding provinces.csv, cities.csv, areas.csv, streets.csv, villages*.csv",
        )
        parser.add_argument(
            "--only",
            default="",
            help="comma-separated codes to keep with their ancestors and descendants, e.g. 43,3303",
        )

    def handle(self, *args, **opts):
        only = [c.strip() for c in opts["only"].split(",") if c.strip()] or None
        started = time.perf_counter()
        try:
            result = divisions_import(directory=Path(opts["dir"]), only=only)
        except DivisionImportError as exc:
            raise CommandError(
                "区划导入被拒绝，数据库未改变 (import rejected, database unchanged):\n"
                + "\n".join(exc.errors)
            ) from exc
        seconds = time.perf_counter() - started
        levels = ", ".join(f"L{k}={v}" for k, v in sorted(result.by_level.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"read {result.read} ({levels}); created {result.created}, "
                f"updated {result.updated}, unchanged {result.unchanged} in {seconds:.2f} s"
            )
        )
