"""The database not answering (restarting, failing over): a Chinese 503 page, or a JSON 503
for the API, with Retry-After; never a 500 with a stack trace. The next request, the
database back, works without a restart."""

import logging

import pytest
from django.db import OperationalError
from django.test import Client


@pytest.fixture
def request_log():
    """The records of the ``django.request`` logger, taken at the logger Django logs
    through (after its filters), whatever another test did to the root logger, to
    propagation or to the logging configuration."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    from django.utils.log import request_logger as logger  # the one Django logs through

    keep, level, disabled = Keep(level=logging.DEBUG), logger.level, logger.disabled
    logger.addHandler(keep)
    logger.setLevel(logging.INFO)
    logger.disabled = False
    yield records
    logger.removeHandler(keep)
    logger.setLevel(level)
    logger.disabled = disabled


def _down(monkeypatch) -> None:
    """Every session read fails as a dropped connection does."""
    from django.contrib.sessions.backends.db import SessionStore

    def refuse(self):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "load", refuse)


def test_pages_and_the_api_say_503_while_the_database_is_down(world, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(world.actors["county_officer"])
    _down(monkeypatch)
    page = client.get("/people/")
    assert page.status_code == 503 and page["Retry-After"] == "30"
    text = page.content.decode()
    assert "数据库暂时无法访问" in text and "Traceback" not in text and "closed" not in text
    api = client.get("/api/people")
    assert api.status_code == 503 and api["Retry-After"] == "30"
    assert "没有保存" in api.json()["detail"]
    monkeypatch.undo()  # the database is back: the same client goes on, nothing restarted
    assert client.get("/people/").status_code == 200


def test_other_errors_stay_500(world, monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    def broken(self):
        raise RuntimeError("a bug")

    client = Client(raise_request_exception=False)
    client.force_login(world.actors["county_officer"])
    monkeypatch.setattr(SessionStore, "load", broken)
    response = client.get("/people/")
    assert response.status_code == 500 and "服务器出错了" in response.content.decode()


def test_a_refusal_is_logged_as_one_line_not_a_stack_trace(world, monkeypatch, request_log):
    client = Client(raise_request_exception=False)
    client.force_login(world.actors["county_officer"])
    _down(monkeypatch)
    assert client.get("/people/").status_code == 503
    records = request_log
    assert records  # (the session middleware's answer may fail again on its way out: 2)
    for record in records:
        assert record.levelname == "WARNING" and record.exc_info is None
        line = record.getMessage()
        assert "/people/" in line and "OperationalError" in line and "closed the connection" in line
        assert "\n" not in line


def test_other_errors_keep_their_trace_in_the_log(world, monkeypatch, request_log):
    from django.contrib.sessions.backends.db import SessionStore

    def broken(self):
        raise RuntimeError("a bug")

    client = Client(raise_request_exception=False)
    client.force_login(world.actors["county_officer"])
    monkeypatch.setattr(SessionStore, "load", broken)
    assert client.get("/people/").status_code == 500
    records = request_log
    assert records
    for record in records:
        assert record.levelname == "ERROR" and record.exc_info[0] is RuntimeError
