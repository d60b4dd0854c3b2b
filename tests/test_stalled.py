"""A task worker killed in the middle of an import or a report: the task and its job are
marked failed with a message once the task has run past the limit, never left "running";
recent tasks are left alone; /healthz says so meanwhile."""

import datetime

from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shegong.audit.models import AuditEntry
from shegong.imports.models import ImportJob
from shegong.indicators.models import ReportJob


def _running(path: str, job_id: int, minutes: int) -> DBTaskResult:
    started = timezone.now() - datetime.timedelta(minutes=minutes)
    return DBTaskResult.objects.create(
        args_kwargs={"args": [job_id, "zh-hans"], "kwargs": {}},
        task_path=path,
        backend_name="default",
        queue_name="default",
        run_after=started,
        status=TaskResultStatus.RUNNING,
        started_at=started,
    )


def _import_job(by, name: str, status: str) -> ImportJob:
    return ImportJob.objects.create(
        kind="people",
        region_id="430302",
        created_by=by,
        file_name=name,
        file_sha256=name * 8,
        file_size=1,
        status=status,
    )


def test_a_dead_workers_import_and_report_are_marked_failed(world, client, settings):
    settings.SHEGONG_TASK_STALLED_SECONDS = 3600
    officer = world.actors["county_officer"]
    dead_import = _import_job(officer, "a.xlsx", ImportJob.Status.COMMITTING)
    alive_import = _import_job(officer, "b.xlsx", ImportJob.Status.CHECKING)
    report = ReportJob.objects.create(
        requested_by=officer, region_id="430302", period="2026", report="annual", status="running"
    )
    dead = [
        _running("shegong.imports.tasks.run_import", dead_import.pk, 90),
        _running("shegong.indicators.tasks.build_report", report.pk, 75),
    ]
    alive = _running("shegong.imports.tasks.run_import", alive_import.pk, 5)
    health = client.get("/healthz").json()
    assert health["status"] == "degraded" and health["tasks"]["stalled"] == 2

    call_command("reap_stalled")
    for task in dead:
        task.refresh_from_db()
        assert task.status == TaskResultStatus.FAILED and task.finished_at
    dead_import.refresh_from_db()
    report.refresh_from_db()
    assert dead_import.status == "failed" and "重新" in dead_import.message
    assert report.status == "failed" and "重新" in report.error
    alive.refresh_from_db()
    alive_import.refresh_from_db()
    assert alive.status == TaskResultStatus.RUNNING and alive_import.status == "checking"
    entry = AuditEntry.objects.get(action="shegong.tasks.reaped")
    assert entry.data["tasks"] == "2"
    call_command("reap_stalled")  # nothing more to do
    assert AuditEntry.objects.filter(action="shegong.tasks.reaped").count() == 1
    assert client.get("/healthz").json()["tasks"]["stalled"] == 0
