"""Run daily (cron or a systemd timer): tell the station lead, then the county, about
residents' requests still unanswered after their due date."""

from django.core.management.base import BaseCommand

from shegong.residents.services import requests_escalate


class Command(BaseCommand):
    help = "Escalate residents' requests past their first-response date (run daily)."

    def handle(self, *args, **options):
        n = requests_escalate()
        self.stdout.write(f"{n} request(s) escalated")
