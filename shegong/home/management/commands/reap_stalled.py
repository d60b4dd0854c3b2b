"""Mark background tasks whose worker died failed, and tell their jobs (every few minutes)."""

from django.core.management.base import BaseCommand

from shegong.home.stalled import reap_stalled


class Command(BaseCommand):
    help = (
        "Tasks running longer than SHEGONG_TASK_STALLED_SECONDS (3600) lost their worker: "
        "mark them failed, and their imports and reports, so nobody waits for ever."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{reap_stalled()} stalled task(s) marked failed")
