"""Background work (Django Tasks API): reports too large to build inside a request."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import override
from django_tasks import task

from shegong.core import replica
from shegong.regions.models import Region

from . import reports
from .models import ReportJob
from .periods import parse


@task()
def build_report(job_id: int, language: str = "zh-hans") -> None:

    job = ReportJob.objects.select_related("requested_by").get(pk=job_id)

    def progress(percent: int) -> None:
        ReportJob.objects.filter(pk=job_id).update(progress=percent)

    ReportJob.objects.filter(pk=job_id).update(status=ReportJob.Status.RUNNING, progress=5)
    try:
        # the figures from the read replica when it is up and has the requester's saves
        with override(language), replica.reads(user_id=job.requested_by_id):
            node = Region.objects.get(code=job.region_id)
            report = reports.build(node, parse(job.period), townships=True, progress=progress)
            content = reports.to_xlsx(report, user=job.requested_by)
    except Exception as exc:  # the job records the failure; the worker carries on
        ReportJob.objects.filter(pk=job_id).update(
            status=ReportJob.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    with transaction.atomic():
        ReportJob.objects.filter(pk=job_id).update(
            status=ReportJob.Status.DONE,
            progress=100,
            content=content,
            finished_at=timezone.now(),
        )
