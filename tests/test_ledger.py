"""Issue #16, part 3: the charity resources ledger. Donors, donations (money or goods,
maybe restricted), allocations to activities, cases and groups with the balance always
derivable and over-allocation refused; the charity figures of the dashboard and the
report's summary line come from the allocations and drill down to them."""

import datetime
import importlib
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from shegong.audit.models import AuditEntry
from shegong.community import services as ledger
from shegong.community.models import Allocation, Donation

LEDGER_URLS = {
    "community:donor_list",
    "community:donor_create",
    "community:donor_edit",
    "community:ledger",
    "community:donation_create",
    "community:donation_detail",
    "community:donation_edit",
    "community:allocation_list",
    "api:donor_list",
    "api:donor_create",
    "api:donation_list",
    "api:donation_create",
    "api:allocation_list",
    "api:allocation_create",
}
TODAY = timezone.localdate()


@pytest.fixture
def worker(world):
    return world.actors["social_worker"]


@pytest.fixture
def activity(world, worker):
    from shegong.work import services

    own = world.places["own"]
    return services.activity_record(
        by=worker,
        data=services.ActivityInput(
            title="困境儿童关爱活动",
            domain="children",
            service_type="capacity",
            date=TODAY,
            region=own.village,
            workers=(worker.pk,),
            hours=Decimal(2),
            participants_count=10,
        ),
    )


def _donation(by, amount="5000", **extra):
    donor = ledger.donor_record(
        by=by, data=ledger.DonorInput(name=extra.pop("donor", "儿童福利基金会"), kind="foundation")
    )
    return ledger.donation_record(
        by=by,
        data=ledger.DonationInput(
            donor=donor.pk,
            kind=extra.pop("kind", "money"),
            amount=Decimal(amount),
            received_on=extra.pop("received_on", TODAY - datetime.timedelta(days=3)),
            **extra,
        ),
    )


def _category(name="困境儿童"):
    from shegong.people.models import Category

    return Category.objects.get(name=name)


def test_a_restricted_donation_is_allocated_and_overdrawing_is_refused(
    client, world, worker, activity
):
    gift = _donation(worker, restriction="people", restricted_category=_category().pk)
    client.force_login(worker)
    url = reverse("community:donation_detail", args=[gift.pk])
    refused = client.post(
        url, {"amount": "6000", "date": TODAY.isoformat(), "activity": activity.pk}
    )
    assert refused.status_code == 400
    assert "5000" in refused.content.decode() and not Allocation.objects.exists()
    done = client.post(url, {"amount": "5000", "date": TODAY.isoformat(), "activity": activity.pk})
    assert done.status_code == 302
    assert ledger.donation_balance(donation=gift) == 0
    with pytest.raises(ValidationError) as more:
        ledger.allocation_record(
            by=worker,
            data=ledger.AllocationInput(
                donation=gift.pk, amount=Decimal("0.01"), date=TODAY, activity=activity.pk
            ),
        )
    assert "amount" in more.value.message_dict
    assert Allocation.objects.count() == 1
    entry = AuditEntry.objects.get(action="shegong.allocation.created")
    assert entry.data["left"] == "0.00"


def test_the_charity_figure_and_the_summary_line_come_from_allocations(
    client, world, worker, activity
):
    gift = _donation(worker)
    ledger.allocation_record(
        by=worker,
        data=ledger.AllocationInput(
            donation=gift.pk, amount=Decimal(3000), date=TODAY, activity=activity.pk
        ),
    )
    client.force_login(world.actors["county_officer"])
    query = f"?node=430302&period={TODAY:%Y-%m}"
    board = client.get(reverse("indicators:dashboard") + query).context["board"]
    money = {v.spec.code: v for v in board.service}["money"]
    assert money.value == 3000
    drill = client.get(money.url)
    assert drill.status_code == 200 and "3000" in drill.content.decode()
    allocation = Allocation.objects.get()
    assert f"?id={allocation.pk}" in drill.content.decode()
    opened = client.get(reverse("community:allocation_list") + f"?id={allocation.pk}")
    assert activity.title in opened.content.decode()
    report = client.get(reverse("indicators:report") + query)
    assert report.status_code == 200 and "3000" in report.content.decode()


def test_a_village_restriction_keeps_the_money_in_the_village(world, worker, activity):
    gift = _donation(worker, restriction="village", restricted_region="430302001002")
    with pytest.raises(ValidationError) as refused:
        ledger.allocation_record(
            by=worker,
            data=ledger.AllocationInput(
                donation=gift.pk, amount=Decimal(100), date=TODAY, activity=activity.pk
            ),
        )
    assert "activity" in refused.value.message_dict
    assert not Allocation.objects.exists()


def test_a_group_of_peoples_money_reaches_only_that_group(world, worker):
    own = world.places["own"]
    gift = _donation(worker, restriction="people", restricted_category=_category().pk)
    with pytest.raises(ValidationError) as refused:
        ledger.allocation_record(
            by=worker,
            data=ledger.AllocationInput(
                donation=gift.pk, amount=Decimal(100), date=TODAY, recipients=(own.recipient.pk,)
            ),
        )
    assert own.recipient.name in refused.value.message_dict["recipients"][0]
    from shegong.people.models import RecipientCategory

    RecipientCategory.objects.create(recipient=own.recipient, category=_category())
    done = ledger.allocation_record(
        by=worker,
        data=ledger.AllocationInput(
            donation=gift.pk, amount=Decimal(100), date=TODAY, recipients=(own.recipient.pk,)
        ),
    )
    assert list(done.recipients.all()) == [own.recipient]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"kind": "in_kind"}, "items"),  # goods, but which?
        ({"received_on": TODAY + datetime.timedelta(days=1)}, "received_on"),
        ({"restriction": "people"}, "restricted_category"),
        ({"restriction": "project"}, "restriction_note"),
        ({"restriction": "village", "restricted_region": "430304001001"}, "restricted_region"),
        ({"amount": "0"}, "amount"),
    ],
)
def test_a_bad_donation_says_why_and_saves_nothing(worker, change, field):
    with pytest.raises(ValidationError) as refused:
        _donation(worker, **change)
    assert field in refused.value.message_dict
    assert not Donation.objects.exists()


def test_a_donation_is_not_corrected_below_what_is_allocated(worker, activity):
    gift = _donation(worker)
    ledger.allocation_record(
        by=worker,
        data=ledger.AllocationInput(
            donation=gift.pk, amount=Decimal(3000), date=TODAY, activity=activity.pk
        ),
    )
    with pytest.raises(ValidationError) as refused:
        ledger.donation_record(
            by=worker,
            instance=gift,
            data=ledger.DonationInput(
                donor=gift.donor_id,
                kind="money",
                amount=Decimal(2000),
                received_on=gift.received_on,
            ),
        )
    assert "3000" in refused.value.message_dict["amount"][0]


def test_the_ledger_totals_and_exports_scoped(client, world, worker, activity):
    gift = _donation(worker)
    ledger.allocation_record(
        by=worker,
        data=ledger.AllocationInput(
            donation=gift.pk, amount=Decimal(1200), date=TODAY, activity=activity.pk
        ),
    )
    client.force_login(world.actors["county_officer"])
    page = client.get(reverse("community:ledger"))
    assert "5000" in page.context["summary"] and "3800" in page.context["summary"]
    assert client.get(reverse("community:ledger"), {"export": "xlsx"}).status_code == 200
    client.force_login(world.places["neighbour"].worker)
    assert client.get(reverse("community:ledger")).context["rows"] == []
    assert client.get(reverse("community:donation_detail", args=[gift.pk])).status_code == 404


def test_the_api_records_and_allocates_as_the_pages_do(client, world, worker, activity):
    client.force_login(worker)
    post = lambda path, body: client.post(path, json.dumps(body), content_type="application/json")  # noqa: E731
    donor = post("/api/donors", {"name": "爱心企业", "kind": "enterprise"})
    assert donor.status_code == 201
    gift = post(
        "/api/donations",
        {
            "donor": donor.json()["id"],
            "kind": "money",
            "amount": "5000",
            "received_on": TODAY.isoformat(),
        },
    )
    assert gift.status_code == 201, gift.content
    body = {"donation": gift.json()["id"], "amount": "6000", "date": TODAY.isoformat()}
    refused = post("/api/allocations", body | {"activity": activity.pk})
    assert refused.status_code == 422 and not Allocation.objects.exists()
    done = post("/api/allocations", body | {"amount": "5000", "activity": activity.pk})
    assert done.status_code == 201
    listed = client.get("/api/donations").json()["items"]
    assert listed[0]["balance"] == "0.00" or Decimal(listed[0]["balance"]) == 0
    assert len(client.get("/api/allocations").json()["items"]) == 1
    client.force_login(world.actors["county_officer"])
    assert post("/api/allocations", body).status_code == 403
    client.force_login(world.places["neighbour"].worker)
    assert client.get("/api/allocations").json()["items"] == []


def test_the_activities_resource_lines_become_the_ledger(world, worker, activity):
    from django.apps import apps

    from shegong.work.models import ActivityResource

    ActivityResource.objects.create(
        activity=activity, kind="money", description="爱心企业", value=Decimal(800)
    )
    ActivityResource.objects.create(
        activity=activity, kind="in_kind", description="米面油", value=Decimal(200)
    )
    module = importlib.import_module("shegong.community.migrations.0006_resources_to_ledger")
    module.forward(apps, None)
    assert not ActivityResource.objects.exists()
    gifts = Donation.objects.order_by("amount")
    assert [(g.kind, g.amount) for g in gifts] == [("in_kind", 200), ("money", 800)]
    assert {a.activity_id for a in Allocation.objects.all()} == {activity.pk}
    assert all(ledger.donation_balance(donation=g) == 0 for g in gifts)
