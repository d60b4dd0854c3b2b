"""``/healthz``: what a load balancer, a monitor or an operator asks of a running process.

No login and no data: the database answers (and how fast), the cache keeps a value, the
read replica's lag when one is configured, and whether the task worker is taking its
queue (the oldest task waiting, the last one finished), and on PostgreSQL whether next
year's partition of the fact table is ready. 200 while the database answers
("ok", or "degraded" when something else is wrong), 503 when it does not.
"""

import datetime
import time
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shegong.core import replica
from shegong.indicators import partitions

# a task waiting longer than this means no worker is taking the queue
TASK_WAIT_SECONDS = 300


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        found = check() or {}
    except Exception as exc:  # what failed, by kind; never its message (no data leaves)
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "ms": round(1000 * (time.perf_counter() - started), 1), **found}


def _database() -> dict:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connections["default"].vendor}


def _cache() -> dict:
    key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 10)
    kept = cache.get(key) == value
    cache.delete(key)
    if not kept:
        raise LookupError("the cache did not keep a value")
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return {"backend": backend, "shared": backend != "LocMemCache"}


def _replica() -> dict:
    current = replica.state(fresh=True)
    if current is None:
        return {"configured": False}
    lag = None if current.reason == "down" else round(min(current.lag_seconds, 1e9), 1)
    return {
        "configured": True,
        "ok": current.ok,
        "used": current.ok,  # heavy reads go there now
        "reason": current.reason,
        "lag_seconds": lag,
    }


def _tasks() -> dict:
    now = timezone.now()
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY, run_after__lte=now)
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    last = (
        DBTaskResult.objects.filter(finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    waited = (now - oldest).total_seconds() if oldest else 0
    limit = getattr(settings, "SHEGONG_TASK_STALLED_SECONDS", 3600)
    stalled = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - datetime.timedelta(seconds=limit)
    ).count()
    return {
        "stalled": stalled,  # running past the limit: their worker died (reap_stalled)
        "queued": waiting.count(),
        "running": DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count(),
        "oldest_queued_seconds": round(waited),
        "last_finished_seconds_ago": round((now - last).total_seconds()) if last else None,
        "worker_taking_queue": waited <= TASK_WAIT_SECONDS and not stalled,
    }


@login_not_required  # asked by monitors and load balancers; says nothing about anyone
@never_cache
@require_GET
def healthz(request):
    checks = {
        "database": _timed(_database),
        "cache": _timed(_cache),
        "replica": _timed(_replica),
        "tasks": _timed(_tasks),
        "facts": _timed(partitions.health),  # the fact table's yearly partitions (PostgreSQL)
    }
    if checks["tasks"].get("ok") and not checks["tasks"]["worker_taking_queue"]:
        checks["tasks"]["ok"] = False
    down = not checks["database"]["ok"]
    degraded = any(not c.get("ok", True) for c in checks.values())
    status = "down" if down else "degraded" if degraded else "ok"
    return JsonResponse({"status": status, **checks}, status=503 if down else 200)
