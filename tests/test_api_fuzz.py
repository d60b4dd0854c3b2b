"""Schemathesis against our own OpenAPI schema: no 5xx, nothing outside the caller's scope.

Bounded (FUZZ_EXAMPLES per operation, 10 unless set) so CI stays within its time limit.
"""

import json
import os
import re

import pytest
import schemathesis
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from shegong.wsgi import application

# schemathesis collects its cases differently under pytest-xdist (a few dozen examples
# instead of thousands): `make test` runs this module on its own, in one process.
pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
RAN = {"examples": 0, "long_keys": 0, "odd_queries": 0, "updates": 0}
ID_NUMBER = re.compile(r"\b\d{17}[\dX]\b")


def _schema():
    from shegong.api import api

    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema())))
    loaded.app = application  # calls go through our WSGI app, in the test's transaction
    return loaded


schema = _schema()

# Odd values that once passed ``isdigit()`` and broke int(), or slipped past checks as new
# people: superscripts, Arabic-Indic, Devanagari, full-width and mathematical digits.
ODD_VALUES = ["²", "٤٣٠٣", "４３０３０２", "४३", "𝟒𝟑𝟎𝟑", "1.5", "abc", "-1", "9" * 40, "NaN"]
odd_text = st.sampled_from(ODD_VALUES) | st.text(
    alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=12
)
PRINTABLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
idempotency_keys = (
    st.none()
    | st.text(alphabet=PRINTABLE, min_size=1, max_size=64)
    | st.text(alphabet=PRINTABLE, min_size=65, max_size=3000)  # too long: 400, never 500
)


@schema.hook("flatmap_query")
def odd_query(ctx, query):
    """Every query parameter may carry an odd digit string instead of its generated value."""
    if not query:
        return st.just(query)
    return st.fixed_dictionaries({k: st.just(v) | odd_text for k, v in query.items()})


# an update's version: none (428), a plausible one, quoted or weak, or nonsense
if_match = st.none() | st.sampled_from(["1", '"1"', 'W/"2"', "2", "abc", "9" * 30, "-1"])


@schema.hook("flatmap_headers")
def idempotency_key(ctx, headers):
    """Writes are sent with no key, a valid one or one far too long, and with or without
    an If-Match version (updates and voids)."""
    return st.tuples(idempotency_keys, if_match).map(
        lambda pair: {
            **(headers or {}),
            **({"Idempotency-Key": pair[0]} if pair[0] else {}),
            **({"If-Match": pair[1]} if pair[1] else {}),
        }
    )


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: requests must not close the test's database connection
    (on PostgreSQL that would end the test's transaction)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _session(world, client, role):
    user = world.actors[role]
    client.force_login(user)
    token = _get_new_csrf_string()
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}
    return user, {"X-CSRFToken": token}, cookies


@pytest.fixture
def social_worker(world, client):
    return _session(world, client, "social_worker")


@pytest.fixture
def county_officer(world, client):
    return _session(world, client, "county_officer")


def _region_codes(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if (
                key in ("region_id", "region_code", "code")
                and isinstance(item, str)
                and item.isdigit()
            ):
                yield item
            else:
                yield from _region_codes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _region_codes(item)


def _id_numbers(text: str) -> list[str]:
    """18-character strings that are valid ID numbers (a credit code of digits is not)."""
    from django.core.exceptions import ValidationError

    from shegong.core.validators import parse_id_number

    found = []
    for match in ID_NUMBER.findall(text):
        try:
            parse_id_number(match)
        except ValidationError:
            continue
        found.append(match)
    return found


FUZZ = hsettings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@schema.parametrize()
@FUZZ
def test_api_as_a_social_worker(case, social_worker):
    _check(case, *social_worker)


@schema.parametrize()
@FUZZ
def test_api_as_a_county_officer(case, county_officer):
    _check(case, *county_officer)


def _check(case, user, headers, cookies):
    response = case.call(headers=headers, cookies=cookies)
    RAN["examples"] += 1
    RAN["long_keys"] += len((case.headers or {}).get("Idempotency-Key", "")) > 64
    RAN["odd_queries"] += any(str(v) in ODD_VALUES for v in (case.query or {}).values())
    RAN["updates"] += case.method == "PUT" or case.formatted_path.endswith("/void")
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
    content_type = (response.headers.get("content-type") or [""])[0]
    if content_type.startswith("application/json") and response.text:
        body = json.loads(response.text)
        scope = user.scope_code
        outside = [
            c for c in _region_codes(body) if not (c.startswith(scope) or scope.startswith(c))
        ]
        # what every station publishes is for anyone (no personal data: tests/test_public.py)
        if not case.formatted_path.startswith("/api/public/"):
            assert outside == [], (case.formatted_path, outside)
        assert not _id_numbers(response.text), case.formatted_path


def test_report_examples():
    """Runs after the fuzz test in this module: the count goes to the output for the note."""
    print(f"\nschemathesis examples run: {RAN}")
    assert RAN["examples"] > 0 or os.environ.get("PYTEST_XDIST_WORKER")
    # the strategies above reached the API: odd digits in queries, over-long keys in headers
    assert RAN["long_keys"] > 0 and RAN["odd_queries"] > 0
    assert RAN["updates"] > 0  # the corrections and voids of #14 were reached
