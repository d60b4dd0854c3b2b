"""The load test's profile (bench/webprofile.py) puts each py-spy sample under the kind of
work and the view it was in, and leaves the samples waiting on a socket out of the CPU."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import webprofile  # noqa: E402

SITE = "/work/.venv/lib/python3.11/site-packages"
APP = f"{webprofile.ROOT}/shegong"


def _stack(*frames: str, n: int) -> str:
    return ";".join(["process 7 (gunicorn)", *frames]) + f" {n}"


HANDLER = f"_get_response ({SITE}/django/core/handlers/base.py:197)"
MIDDLEWARE = f"inner ({SITE}/django/core/handlers/exception.py:55)"
VIEW = f"visit_list ({APP}/work/views.py:133)"
WRAPPER = f"heavy_reads.<locals>.wrapped ({APP}/core/replica.py:178)"


def test_samples_are_sorted_by_kind_and_view_and_waits_are_not_cpu():
    raw = "\n".join(
        [
            # the innermost kind counts: a translation inside a template is a translation
            _stack(
                MIDDLEWARE,
                HANDLER,
                WRAPPER,
                VIEW,
                f"render ({SITE}/django/template/base.py:171)",
                f"gettext ({SITE}/django/utils/translation/trans_real.py:380)",
                n=10,
            ),
            _stack(
                MIDDLEWARE,
                HANDLER,
                VIEW,
                f"render ({SITE}/django/template/base.py:171)",
                f"resolve ({SITE}/django/template/base.py:720)",
                n=20,
            ),
            # SQL compiled for the view's queryset
            _stack(
                MIDDLEWARE,
                HANDLER,
                VIEW,
                f"as_sql ({SITE}/django/db/models/sql/compiler.py:766)",
                n=50,
            ),
            # the view waiting on PostgreSQL: not CPU
            _stack(
                MIDDLEWARE,
                HANDLER,
                VIEW,
                f"execute ({SITE}/psycopg/cursor.py:113)",
                f"Connection.wait ({SITE}/psycopg/connection.py:495)",
                n=100,
            ),
            # the session read in the middleware, before any view
            _stack(
                MIDDLEWARE,
                f"load ({SITE}/django/contrib/sessions/backends/cached_db.py:34)",
                n=20,
            ),
            "not a sample line",
        ]
    )
    profile = webprofile.summarise(raw)
    assert profile["cpu_samples"] == 100 and profile["waiting_samples"] == 100
    assert profile["kinds"] == {
        "SQL built by the ORM": 50.0,
        "templates": 20.0,
        "sessions, login, cache": 20.0,
        "translations": 10.0,
    }
    assert profile["top"] == {
        "work/views.py visit_list": 80.0,
        "(middleware: session, login, metrics, headers)": 20.0,
    }
    lines = webprofile.profile_lines(profile, None)
    assert "| templates | 20.0 % |" in lines
    assert "| `work/views.py visit_list` | 80.0 % |" in lines


def test_without_py_spy_the_table_says_so():
    lines = webprofile.profile_lines({"problem": "py-spy is not installed"}, None)
    assert lines[-1] == "- mixed: py-spy is not installed"


def test_a_send_to_the_database_is_a_wait_and_the_samples_are_checked_against_proc():
    # a send wakes the PostgreSQL backend, which on two busy cores often runs at once while
    # the web process waits, runnable, on the send's line: py-spy counts it, it is not CPU
    raw = "\n".join(
        [
            _stack(
                MIDDLEWARE,
                HANDLER,
                VIEW,
                f"execute ({SITE}/psycopg/cursor.py:113)",
                f"BaseCursor._send_query_prepared ({SITE}/psycopg/_cursor_base.py:602)",
                n=30,
            ),
            _stack(
                MIDDLEWARE,
                HANDLER,
                VIEW,
                f"BaseCursor._send_prepare ({SITE}/psycopg/_cursor_base.py:581)",
                n=5,
            ),
            _stack(
                MIDDLEWARE,
                HANDLER,
                VIEW,
                f"PostgresQuery.dump ({SITE}/psycopg/_queries.py:103)",
                n=25,
            ),
            _stack(MIDDLEWARE, HANDLER, VIEW, f"get ({APP}/work/views.py:140)", n=25),
        ]
    )
    profile = webprofile.summarise(raw)
    assert profile["cpu_samples"] == 50 and profile["waiting_samples"] == 35
    assert profile["kinds"] == {
        "database driver (psycopg)": 50.0,
        "application code (shegong)": 50.0,
    }
    # 50 samples at 25 a second are 2 s of CPU, against the 4 s /proc gave the web processes
    lines = webprofile.profile_lines(profile, None, {"mixed": 4.0})
    assert any("| 2 s ÷ 4 s = 0.50 |" in line for line in lines)
