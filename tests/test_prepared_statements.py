"""Prepared statements on PostgreSQL (docs/operations.md, Prepared statements): parameters
are bound on the server and a query a connection runs five times is prepared, so
PostgreSQL plans it once per connection; behind pgbouncer nothing is prepared, and
SHEGONG_DB_SERVER_BINDING=0 turns both off."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from shegong.regions.models import Region

ROOT = Path(__file__).resolve().parent.parent


def _options(**env) -> dict:
    """The database OPTIONS the settings give a PostgreSQL URL under ``env``."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SHEGONG_DB", "SHEGONG_PG"))}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "shegong.settings",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
            **env,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_settings_bind_on_the_server_and_prepare_except_behind_pgbouncer():
    assert _options() == {"server_side_binding": True, "prepare_threshold": 5}
    behind = _options(SHEGONG_PGBOUNCER="1")
    assert behind == {"server_side_binding": True, "prepare_threshold": None}
    assert _options(SHEGONG_DB_SERVER_BINDING="0") == {}


@pytest.mark.django_db
def test_a_query_run_five_times_is_prepared_once_on_postgresql(regions):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    codes = ["430302", "4303", "43"]

    def names(code):
        return list(Region.objects.filter(code__startswith=code).values_list("name", flat=True))

    first = [names(c) for c in codes]
    for _ in range(5):
        again = [names(c) for c in codes]
    assert again == first and first[0]  # the same answers, whatever the parameter
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "regions_region"%'],
        )
        prepared = cursor.fetchone()[0]
    assert prepared == 1  # one statement for the three codes, planned once


@pytest.mark.django_db
def test_heavy_reads_are_planned_for_their_own_parameters_every_time(regions):
    """Inside ``replica.reads()`` (a dashboard, a report, the budget) nothing is prepared:
    a generic plan takes a province's range for a handful of rows. Outside, the same
    query is prepared on its fifth run, as before."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    from shegong.core.replica import plan_each_time, reads

    connection.ensure_connection()
    assert plan_each_time in connection.execute_wrappers

    def prepared(marker: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                [f"%{marker}%"],
            )
            return cursor.fetchone()[0]

    def heavy(code):  # a shape of its own, to find among the prepared statements
        return list(
            Region.objects.filter(code__startswith=code, level__gte=0).values_list(
                "code", flat=True
            )
        )

    with reads():
        inside = [heavy("43") for _ in range(8)]
    assert inside[0] and prepared('"regions_region"."level" >= ') == 0
    assert connection.connection.prepare_threshold == 5  # left as it was
    for _ in range(6):
        assert heavy("43") == inside[0]
    assert prepared('"regions_region"."level" >= ') == 1  # outside: prepared as before
