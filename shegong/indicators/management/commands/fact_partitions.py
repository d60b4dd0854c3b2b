from django.core.management.base import BaseCommand
from django.db import connections

from shegong.indicators import partitions


class Command(BaseCommand):
    help = (
        "Create this year's and next year's partitions of the fact table (PostgreSQL), and "
        "move rows of the default partition into their year's; then list the partitions. "
        "创建事实表本年度和下一年度的分区，并列出各分区。Run nightly (deploy/shegong-daily.service)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            default=[],
            help="also this year's partition (before importing a past year); repeatable",
        )

    def handle(self, *args, **opts):
        using = opts["database"]
        if not partitions.is_partitioned(connections[using]):
            self.stdout.write("The fact table is not partitioned on this database: nothing to do.")
            return
        for year in partitions.ensure(years=tuple(opts["year"]), using=using):
            self.stdout.write(f"created {partitions.TABLE}_y{year}")
        for part in partitions.describe(using=using):
            self.stdout.write(
                f"{part['name']}: {part['year'] or 'default'}, ~{part['rows']:,} rows, "
                f"{part['bytes'] / 1024 / 1024:,.1f} MB"
            )
