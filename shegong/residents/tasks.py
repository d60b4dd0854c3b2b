"""Background work of residents' requests (Django Tasks API)."""

from django_tasks import task

from .services import requests_escalate


@task()
def escalate() -> int:
    """The daily escalation of overdue requests, for a deployment whose scheduler
    enqueues tasks rather than running commands."""
    return requests_escalate()
