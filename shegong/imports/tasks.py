"""Background work (Django Tasks API): an import's dry run and its commit."""

from django.utils.translation import override
from django_tasks import task

from .models import ImportJob


@task()
def run_import(job_id: int, commit: bool, language: str = "zh-hans") -> str:
    """Run an import job (the dry run, or the commit); returns its status. A failure the
    job does not foresee marks it failed, with the error, and is raised for the worker's
    log: a job is never left "checking" or "importing"."""
    from . import services

    job = ImportJob.objects.select_related("region", "created_by").get(pk=job_id)
    try:
        with override(language):
            return services.run(job=job, commit=commit).status
    except Exception as exc:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, message=str(exc)[:2000], progress=100
        )
        raise


@task()
def purge_import_files() -> int:
    """Delete the uploaded files of old import jobs (their reports stay)."""
    from . import services

    return services.imports_purge()
