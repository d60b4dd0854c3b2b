"""Background work (Django Tasks API): pushing this deployment's figures up, and pulling
the packages of the deployments it fetches from."""

from django_tasks import task


@task()
def push_packages(year: int | None = None) -> list:
    """Send the figures packages configured in ``SHEGONG_EXCHANGE_PUSH_*``."""
    from . import services

    return [list(r) for r in services.push_packages(year=year)]


@task()
def pull_packages(year: int | None = None) -> list:
    """Fetch the packages of the peers with an outbox address (``Peer.pull_url``)."""
    from . import services

    return [list(r) for r in services.pull_packages(year=year)]
