"""Each state transition happens once (finding 8).

Two parallel ``assess`` calls both succeeded and left two "assessed" events; two parallel
``approve_closure`` calls left two "closed" events and two audit entries. Every transition
now locks the case row and re-reads its stage, so the second call is refused (409 on the
API, a message on the page).
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from shegong.audit.models import AuditEntry
from shegong.work import services
from shegong.work.models import Case, CaseEvent

from .casework import assess_and_plan, intervene_evaluate_close, post_json

_post = post_json


def _assess(case, by):
    return services.case_assess(case=case, by=by, data=services.CaseAssessment("照料"))


def test_a_second_assess_with_a_stale_case_is_refused(world):
    worker = world.actors["social_worker"]
    pk = world.places["own"].case.pk
    first, second = Case.objects.get(pk=pk), Case.objects.get(pk=pk)  # two requests' copies
    _assess(first, worker)
    with pytest.raises(ValidationError):
        _assess(second, worker)
    assert CaseEvent.objects.filter(case_id=pk, kind="assessed").count() == 1


def _to_evaluation(client, world, case):
    client.force_login(world.actors["social_worker"])
    assess_and_plan(client, case)
    client.force_login(world.actors["station_lead"])
    assert _post(client, f"/api/cases/{case.pk}/steps/approve_plan").status_code == 200
    client.force_login(world.actors["social_worker"])
    intervene_evaluate_close(client, case)


def test_a_second_closure_approval_is_409_and_logs_nothing(client, world):
    case = world.places["own"].case
    _to_evaluation(client, world, case)
    lead = world.actors["station_lead"]
    stale = Case.objects.get(pk=case.pk)
    client.force_login(lead)
    assert _post(client, f"/api/cases/{case.pk}/steps/approve_closure").status_code == 200
    assert _post(client, f"/api/cases/{case.pk}/steps/approve_closure").status_code == 409
    with pytest.raises(ValidationError):
        services.case_approve_closure(case=stale, by=lead)
    assert CaseEvent.objects.filter(case=case, kind="closed").count() == 1
    assert AuditEntry.objects.filter(action="shegong.case.closed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_assess_calls_one_wins(world):
    """Two threads, two connections, one barrier: exactly one assessment is recorded."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: real row locks between connections")
    worker = world.actors["social_worker"]
    pk = world.places["own"].case.pk
    barrier = threading.Barrier(2)
    outcome: list[str] = []

    def attempt():
        try:
            case = Case.objects.get(pk=pk)
            barrier.wait(timeout=10)
            _assess(case, worker)
            outcome.append("ok")
        except ValidationError:
            outcome.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcome) == ["ok", "refused"]
    assert CaseEvent.objects.filter(case_id=pk, kind="assessed").count() == 1
