"""Run daily: delete the personal data of residents' requests closed more than three
years ago, as the consent notice promises (the anonymous figures stay)."""

from django.core.management.base import BaseCommand

from shegong.residents.services import requests_purge


class Command(BaseCommand):
    help = "Delete the personal data of requests closed more than three years ago (run daily)."

    def handle(self, *args, **options):
        total = 0
        while n := requests_purge():
            total += n
        self.stdout.write(f"{total} request(s) purged")
