from django.core.management.base import BaseCommand, CommandError

from shegong.imports import services
from shegong.imports.models import ImportJob
from shegong.regions.models import Region


class Command(BaseCommand):
    help = (
        "Import a roster of service recipients (.xlsx, .xls, .csv) into a region, with the "
        "same checks, report and audit as an upload; --dry-run only checks."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--region", required=True, help="division code (county or below)")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--skip-existing", action="store_true", help="skip, not update")
        parser.add_argument("--valid-only", action="store_true", help="leave invalid rows out")

    def handle(self, *args, file, region, dry_run, skip_existing, valid_only, **options):
        place = Region.objects.filter(code=region).first()
        if place is None:
            raise CommandError(f"No region {region}.")
        job = services.import_file(
            path=file,
            region=place,
            on_existing=ImportJob.Existing.SKIP if skip_existing else ImportJob.Existing.UPDATE,
            valid_only=valid_only,
            dry_run=dry_run,
        )
        counts = job.committed or job.checked
        self.stdout.write(
            f"import {job.pk}: {job.get_status_display()} "
            + " ".join(f"{k}={v}" for k, v in counts.items())
        )
        for line, column, text in job.problems[:20]:
            self.stdout.write(f"  line {line} {column}: {text}")
        if job.message:
            self.stdout.write(job.message)
        if job.status in (ImportJob.Status.FAILED, ImportJob.Status.REFUSED):
            raise CommandError(job.message or job.status)
        if job.invalid and not valid_only:
            raise CommandError(
                f"{job.invalid} invalid rows: nothing imported (correct them, or --valid-only)."
            )
