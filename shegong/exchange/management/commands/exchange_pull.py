"""Fetch the packages of the trusted deployments that publish an outbox (run it from cron or
a timer)."""

from django.core.management.base import BaseCommand, CommandError

from shegong.exchange.models import Peer
from shegong.exchange.tasks import pull_packages


class Command(BaseCommand):
    help = (
        "Fetch, from each trusted deployment given an outbox address (exchange_peer NAME "
        "--pull-url URL --pull-token TOKEN), the figures of its regions and the rule sets "
        "it is pulled for (current year unless --year), and receive them as files would be. "
        "--queue hands it to the task worker instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--queue", action="store_true", help="enqueue for the task worker")

    def handle(self, *args, year=None, queue=False, **options):
        if not Peer.objects.filter(is_active=True).exclude(pull_url="").exists():
            raise CommandError(
                "No trusted deployment has an outbox address: exchange_peer NAME --pull-url URL "
                "--pull-token TOKEN."
            )
        if queue:
            result = pull_packages.enqueue(year=year)
            self.stdout.write(f"queued: {result.id}")
            return
        failed = 0
        for peer, kind, region, status, outcome in pull_packages.call(year=year):
            failed += status != 200 or outcome == "refused"
            self.stdout.write(f"{peer} {kind} {region}: HTTP {status} {outcome}")
        if failed:
            raise CommandError(f"{failed} package(s) not received; they are fetched again next run")
