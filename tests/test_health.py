"""``/healthz``: no login, no data; the database, the cache, the replica and the task
worker's queue; 503 only when the database does not answer."""

import datetime
import json

from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

HEALTH_URLS = {"healthz", "metrics"}


def test_healthz_answers_without_a_login_and_says_nothing_of_anyone(client, world):
    response = client.get("/healthz")
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["status"] == "ok", body
    assert body["database"]["ok"] and body["cache"]["ok"]
    assert body["replica"] == {"ok": True, "ms": body["replica"]["ms"], "configured": False}
    assert body["tasks"]["queued"] == 0 and body["tasks"]["worker_taking_queue"]
    text = json.dumps(body, ensure_ascii=False)
    person = world.places["own"].recipient
    assert person.name not in text and "own" not in text


def test_a_queue_nobody_takes_is_degraded(client, db):
    DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="shegong.imports.tasks.purge_import_files",
        backend_name="default",
        queue_name="default",
        run_after=timezone.now() - datetime.timedelta(minutes=10),
    )
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(minutes=10))
    body = client.get("/healthz").json()
    assert body["status"] == "degraded" and body["tasks"]["ok"] is False
    assert body["tasks"]["queued"] == 1 and body["tasks"]["oldest_queued_seconds"] >= 590


def test_a_database_that_does_not_answer_is_503(client, db, monkeypatch):
    from shegong.home import health

    def refuse():
        raise OperationalError("connection refused: host=secret-db-host")

    monkeypatch.setattr(health, "_database", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down" and body["database"] == {
        "ok": False,
        "error": "OperationalError",
    }
    assert "secret-db-host" not in response.content.decode()


def test_metrics_by_view_for_the_scraper_only(client, world, settings):
    client.force_login(world.actors["county_officer"])
    assert client.get("/people/").status_code == 200
    client.logout()
    settings.SHEGONG_METRICS_ALLOWED = []
    assert client.get("/metrics").status_code == 404  # nobody, unless configured
    settings.SHEGONG_METRICS_ALLOWED = ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 404  # the test client is 127.0.0.1
    forwarded = client.get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert forwarded.status_code == 404  # a forwarded address is never believed here
    settings.SHEGONG_METRICS_ALLOWED = ["127.0.0.1"]
    text = client.get("/metrics").content.decode()
    assert 'shegong_request_seconds_count{method="GET",status="2xx",view="people:list"}' in text
    assert 'shegong_request_queries_bucket{le="50.0",view="people:list"}' in text
    assert 'shegong_tasks{status="ready"} 0.0' in text
    person = world.places["own"].recipient
    assert person.name not in text and "/people/" not in text  # views by name, never a path
