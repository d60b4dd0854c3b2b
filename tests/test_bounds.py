"""Every count, amount, duration and date has a plausible bound (findings 1 and 9).

One activity said to have 10^17 participants used to be accepted and made every
dashboard from its township up to the province answer 500. Now the bound is enforced by
the form, by the service whoever calls it, and by the database (the same on SQLite and
PostgreSQL); the aggregates hold any sum the bounds allow; and a dashboard reads back
whatever is stored.
"""

import dataclasses
import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from shegong.core.bounds import MAX_PEOPLE, MAX_RESOURCE_YUAN, MAX_VOLUNTEERS
from shegong.indicators.models import Aggregate, ServiceFact
from shegong.work import forms, services
from shegong.work.models import Activity, ActivityResource, Case, GroupSession

from .factories import allocate

HUGE = 10**17


def _post(client, path, payload, **headers):
    return client.post(path, json.dumps(payload), content_type="application/json", **headers)


def _activity(world, **overrides):
    own = world.places["own"]
    data = {
        "title": "重阳敬老",
        "domain": "elderly",
        "service_type": "care",
        "date": "2026-03-12",
        "region": own.village,
        "workers": [world.actors["social_worker"].pk],
        "hours": "3",
        "participants_count": "25",
        "volunteers_count": "2",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("participants_count", HUGE),
        ("participants_count", MAX_PEOPLE + 1),
        ("volunteers_count", MAX_VOLUNTEERS + 1),
        ("hours", 25),
        ("hours", "0.1"),
        ("date", "0001-01-01"),
        ("date", "9999-12-31"),
    ],
)
def test_the_api_refuses_an_implausible_activity_and_saves_nothing(client, world, field, value):
    client.force_login(world.actors["social_worker"])
    before = (Activity.objects.count(), ServiceFact.objects.count(), Aggregate.objects.count())
    response = _post(client, "/api/activities", _activity(world, **{field: value}))
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    after = (Activity.objects.count(), ServiceFact.objects.count(), Aggregate.objects.count())
    assert after == before


def test_the_largest_plausible_activity_is_accepted_and_every_dashboard_reads(client, world):
    client.force_login(world.actors["social_worker"])
    payload = _activity(world, participants_count=MAX_PEOPLE, volunteers_count=MAX_VOLUNTEERS)
    assert _post(client, "/api/activities", payload).status_code == 201
    activity = Activity.objects.get(title="重阳敬老")
    worker = world.actors["social_worker"]
    allocate(worker, amount=MAX_RESOURCE_YUAN, activity=activity, donor="基金会")
    allocate(worker, amount=MAX_RESOURCE_YUAN, activity=activity, donor="企业", kind="in_kind")
    money = Aggregate.objects.get(node="430302", period="2026", metric="money")
    assert money.value == MAX_RESOURCE_YUAN
    client.force_login(world.actors["province_officer"])
    for node in ("430302001", "430302", "4303", "43"):
        for period in ("2026-03", "2026"):
            query = {"node": node, "period": period}
            assert client.get(reverse("indicators:dashboard"), query).status_code == 200
            assert client.get(reverse("indicators:report"), query).status_code == 200
            assert client.get("/api/indicators", query).status_code == 200


def test_a_donation_over_the_bound_is_refused(world):
    from shegong.community import services as ledger
    from shegong.community.models import Donation

    worker = world.actors["social_worker"]
    donor = ledger.donor_record(by=worker, data=ledger.DonorInput(name="x", kind="enterprise"))
    with pytest.raises(ValidationError) as refused:
        ledger.donation_record(
            by=worker,
            data=ledger.DonationInput(
                donor=donor.pk,
                kind="money",
                amount=MAX_RESOURCE_YUAN + 1,
                received_on=datetime.date(2026, 3, 1),
            ),
        )
    assert "amount" in refused.value.message_dict
    assert not Donation.objects.exists()


def test_the_service_checks_bounds_whoever_calls_it(world):
    """A caller that skipped or tampered with validation still cannot store the figure."""
    worker = world.actors["social_worker"]
    form = forms.ActivityForm(
        data={**_activity(world), "res-TOTAL_FORMS": "0", "res-INITIAL_FORMS": "0"}, user=worker
    )
    assert form.is_valid(), form.errors
    data = dataclasses.replace(form.to_input(), participants_count=HUGE)  # past the form
    with pytest.raises(ValidationError) as exc:
        services.activity_record(by=worker, data=data)
    assert "participants_count" in exc.value.message_dict
    assert not Activity.objects.filter(title="重阳敬老").exists()


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_the_same_rows_on_both_backends(world):
    activity = world.places["own"].activity
    cases = [
        (Activity.objects.filter(pk=activity.pk), {"participants_count": MAX_PEOPLE + 1}),
        (Activity.objects.filter(pk=activity.pk), {"volunteers_count": MAX_VOLUNTEERS + 1}),
    ]
    for qs, change in cases:
        with pytest.raises(IntegrityError), transaction.atomic():
            qs.update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityResource.objects.create(
            activity=activity, kind="money", description="x", value=MAX_RESOURCE_YUAN + 1
        )
    group = world.places["own"].group
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupSession.objects.create(
            group=group,
            number=1,
            date=datetime.date(2026, 3, 1),
            hours=1,
            others_count=MAX_PEOPLE + 1,
            record="x",
        )


def test_a_dashboard_shows_any_figure_already_stored(client, world):
    """Figures written before the bounds existed (or by a rebuild) still display."""
    client.force_login(world.actors["province_officer"])
    for node, level in (("43", 1), ("4303", 2), ("430302", 3), ("430302001", 4)):
        for period in ("2026-03", "2026Q1", "2026"):
            Aggregate.objects.update_or_create(
                node=node,
                period=period,
                metric="person_times",
                defaults={"level": level, "value": Decimal(HUGE)},
            )
    for node in ("43", "4303", "430302", "430302001"):
        for period in ("2026-03", "2026"):
            query = {"node": node, "period": period}
            page = client.get(reverse("indicators:dashboard"), query)
            assert page.status_code == 200
            assert client.get(reverse("indicators:report"), query).status_code == 200
            api = client.get("/api/indicators", query)
            assert api.status_code == 200
            values = {v["code"]: v["value"] for v in api.json()["service"]}
            assert Decimal(str(values["person_times"])) == Decimal(HUGE)


@pytest.mark.parametrize("day", ["0001-01-01", "1889-12-31", "9999-12-31"])
def test_implausible_dates_are_refused_on_cases_and_people(client, world, day):
    own = world.places["own"]
    client.force_login(world.actors["social_worker"])
    case = {
        "recipient": own.recipient.pk,
        "opened_on": day,
        "source": "outreach",
        "presenting_problem": "x",
    }
    r = _post(client, "/api/cases", case)
    assert r.status_code == 422 and "opened_on" in r.json()["errors"]
    assert not Case.objects.filter(number__startswith=f"GA{own.township}0001").exists()
    person = {
        "name": "测试",
        "region": own.village,
        "birth_date": day,
        "consent": "oral",
        "consent_date": day,
        "consent_giver": "self",
    }
    r = _post(client, "/api/recipients", person)
    assert r.status_code == 422
    assert {"birth_date", "consent_date"} <= set(r.json()["errors"])
    visit = {
        "date": day,
        "region": own.village,
        "recipient": own.recipient.pk,
        "workers": [world.actors["social_worker"].pk],
        "hours": 1,
        "situation": "x",
    }
    r = _post(client, "/api/visits", visit)
    assert r.status_code == 422 and "date" in r.json()["errors"]


def test_an_oversized_api_body_is_413_in_json(client, world, settings):
    client.force_login(world.actors["social_worker"])
    body = {"situation": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)}
    response = _post(client, "/api/visits", body)
    assert response.status_code == 413
    assert "过大" in response.json()["detail"]
