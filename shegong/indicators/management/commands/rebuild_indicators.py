import time

from django.core.management.base import BaseCommand

from shegong.indicators import partitions, rebuild


class Command(BaseCommand):
    help = (
        "Recompute the indicator pre-aggregates from the facts; with --facts, regenerate the "
        "facts from the records first (after a bulk load or a restore)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--facts", action="store_true", help="regenerate the facts from the records first"
        )

    def handle(self, *args, **opts):
        started = time.perf_counter()
        if opts["facts"]:
            count = rebuild.rebuild_facts(
                progress=lambda stype, total: self.stdout.write(f"  {stype}: {total} facts")
            )
            self.stdout.write(f"facts: {count}")
            # records of years without a partition wrote into the default one (PostgreSQL)
            for year in partitions.ensure():
                self.stdout.write(f"fact partition made: {year}")
        else:
            rows = rebuild.rebuild_aggregates()
            self.stdout.write(f"aggregate rows: {rows}")
        self.stdout.write(
            self.style.SUCCESS(f"indicators rebuilt in {time.perf_counter() - started:.1f} s")
        )
