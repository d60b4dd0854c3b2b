"""Push this deployment's figures to the deployment above (run it from cron or a timer)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shegong.exchange.tasks import push_packages


class Command(BaseCommand):
    help = (
        "Send the figures of SHEGONG_EXCHANGE_PUSH_REGIONS to SHEGONG_EXCHANGE_PUSH_URL "
        "(current year unless --year). --queue hands it to the task worker instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--queue", action="store_true", help="enqueue for the task worker")

    def handle(self, *args, year=None, queue=False, **options):
        if not settings.SHEGONG_EXCHANGE_PUSH_URL or not settings.SHEGONG_EXCHANGE_PUSH_REGIONS:
            raise CommandError("Set SHEGONG_EXCHANGE_PUSH_URL and SHEGONG_EXCHANGE_PUSH_REGIONS.")
        if queue:
            result = push_packages.enqueue(year=year)
            self.stdout.write(f"queued: {result.id}")
            return
        failed = 0
        for region, status, outcome in push_packages.call(year=year):
            failed += status != 200
            self.stdout.write(f"{region}: HTTP {status} {outcome}")
        if failed:
            raise CommandError(f"{failed} region(s) not delivered; they are sent again next run")
