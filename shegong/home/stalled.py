"""Background work whose worker died (killed, out of memory, the host restarted) stays
"running" in the task queue, and its job "checking", "importing" or "running", for ever.

``reap_stalled`` (``manage.py reap_stalled``, every few minutes from a timer) finds tasks
running longer than ``SHEGONG_TASK_STALLED_SECONDS`` (an hour unless set: the largest
import or report takes minutes), marks each failed, and tells its job why, in words the
person who asked reads. What such a task wrote was one transaction, rolled back when its
connection died: nothing is half-written, and the person may simply ask again.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shegong.audit.services import audit_log
from shegong.imports.models import ImportJob
from shegong.indicators.models import ReportJob

STALLED_SECONDS = 3600


def _message() -> str:
    with override("zh-hans"):
        return _(
            "The background worker stopped before this finished; nothing of it was saved. "
            "Start it again."
        )


def _import(job_id, message: str, now) -> None:
    ImportJob.objects.filter(
        pk=job_id, status__in=(ImportJob.Status.CHECKING, ImportJob.Status.COMMITTING)
    ).update(status=ImportJob.Status.FAILED, message=message, progress=100)


def _report(job_id, message: str, now) -> None:
    ReportJob.objects.filter(
        pk=job_id, status__in=(ReportJob.Status.QUEUED, ReportJob.Status.RUNNING)
    ).update(status=ReportJob.Status.FAILED, error=message, finished_at=now)


# a task's path -> what tells its job (the job's id is the task's first argument)
JOBS = {
    "shegong.imports.tasks.run_import": _import,
    "shegong.indicators.tasks.build_report": _report,
}


def reap_stalled(*, now: datetime.datetime | None = None) -> int:
    """Mark the tasks running longer than the limit failed, and their jobs; returns how
    many. Safe to run from several hosts at once (each task is taken with SKIP LOCKED)."""
    now = now or timezone.now()
    seconds = getattr(settings, "SHEGONG_TASK_STALLED_SECONDS", STALLED_SECONDS)
    message = _message()
    reaped = []
    with transaction.atomic():
        stalled = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status=TaskResultStatus.RUNNING,
            started_at__lt=now - datetime.timedelta(seconds=seconds),
        )
        for result in stalled:
            args = (result.args_kwargs or {}).get("args") or []
            tell = JOBS.get(result.task_path)
            if tell is not None and args:
                tell(args[0], message, now)
            result.status, result.finished_at = TaskResultStatus.FAILED, now
            result.exception_class_path = "shegong.home.stalled.WorkerLost"
            result.traceback = f"WorkerLost: running since {result.started_at.isoformat()}"
            result.save(
                update_fields=["status", "finished_at", "exception_class_path", "traceback"]
            )
            reaped.append(result.task_path.rsplit(".", 1)[-1])
    if reaped:
        audit_log(
            action="shegong.tasks.reaped",
            actor_name="reap_stalled",
            success=False,
            data={"tasks": str(len(reaped)), "kinds": "、".join(sorted(set(reaped)))},
        )
    return len(reaped)
