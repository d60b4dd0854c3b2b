"""Prometheus metrics (``/metrics``, for the addresses in ``SHEGONG_METRICS_ALLOWED`` only):
request latency and database queries per request, by view, and the task queue's depth.

``MetricsMiddleware`` times each request and counts its queries (a database execute
wrapper), labelled by the view's URL name (never the path: no ids, no codes), the method
and the status class. Under gunicorn's several workers, set ``PROMETHEUS_MULTIPROC_DIR`` to
an empty folder (the client library's multiprocess mode) so that a scrape sums them.
Nothing personal is ever a label.
"""

import ipaddress
import os
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connections
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

LATENCY = Histogram(
    "shegong_request_seconds",
    "Time to answer a request, by view",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
QUERIES = Histogram(
    "shegong_request_queries",
    "Database queries per request, by view",
    ["view"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counted = [0]

        def count(execute, sql, params, many, context):
            counted[0] += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connections["default"].execute_wrapper(count):
            response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unresolved"
        LATENCY.labels(view, request.method, f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        QUERIES.labels(view).observe(counted[0])
        return response


class QueueCollector:
    """The task queue's depth, read at each scrape: waiting and running tasks."""

    def collect(self):
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        gauge = GaugeMetricFamily("shegong_tasks", "Background tasks by status", labels=["status"])
        counts = dict.fromkeys((TaskResultStatus.READY, TaskResultStatus.RUNNING), 0)
        try:
            rows = (
                DBTaskResult.objects.filter(status__in=list(counts))
                .values_list("status")
                .annotate(n=Count("id"))
            )
            for status, n in rows:
                counts[status] = n
        except Exception:  # the database is down: /healthz says so; the scrape goes on
            return
        for status, n in counts.items():
            gauge.add_metric([str(status).lower()], n)
        yield gauge


def _allowed(request) -> bool:
    """Only the scraper's own address (the direct peer: no forwarded header is read)."""
    spec = getattr(settings, "SHEGONG_METRICS_ALLOWED", ())
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(s, strict=False) for s in spec if s)


@login_not_required  # the scraper has no account; only its address is let in
@never_cache
def metrics(request):
    if not _allowed(request):
        raise Http404
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    queue = CollectorRegistry()
    queue.register(QueueCollector())
    body = generate_latest(registry) + generate_latest(queue)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
