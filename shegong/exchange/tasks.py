"""Background work (Django Tasks API): pushing this deployment's figures up."""

from django_tasks import task


@task()
def push_packages(year: int | None = None) -> list:
    """Send the figures packages configured in ``SHEGONG_EXCHANGE_PUSH_*``."""
    from . import services

    return [list(r) for r in services.push_packages(year=year)]
