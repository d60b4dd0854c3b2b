"""Issue #12, part 5: service versions computed per year from the records, confirmed by
the county; the province's tiered subsidy computed from the confirmed versions.

Expected versions and amounts are computed here from the facts and the rates directly.
"""

import io
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from shegong.indicators import rebuild
from shegong.indicators.models import RuleSet, ServiceFact
from shegong.purchase import selectors
from shegong.purchase.models import SubsidyRate, VersionConfirmation
from shegong.stations.models import Station

from .conftest import ROLES
from .factories import AdminWorkFactory

YEAR = 2026


@pytest.mark.parametrize(
    "share, expected",
    [
        (None, "1.0"),
        (Decimal("29.9"), "1.0"),
        (Decimal(30), "2.0"),
        (Decimal("59.9"), "2.0"),
        (Decimal(60), "3.0"),
    ],
)
def test_the_thresholds_make_the_version(share, expected):
    assert selectors.version_of(share=share, version2=Decimal(30), version3=Decimal(60)) == expected


def _expected_share(township: str) -> Decimal | None:
    facts = ServiceFact.objects.filter(township=township, date__year=YEAR).exclude(
        kind__in=["training", "supervision"]
    )
    total = facts.aggregate(h=Sum("hours"))["h"] or 0
    prof = facts.filter(professional=True).aggregate(h=Sum("hours"))["h"] or 0
    return (Decimal(prof) * 100 / Decimal(total)).quantize(Decimal("0.1")) if total else None


def test_versions_are_computed_from_the_year_of_records(client, world):
    own = world.places["own"]
    AdminWorkFactory(station=own.station, worker=own.worker, created_by=own.worker, hours=8)
    rebuild.rebuild_facts()
    rows = {
        r.station.pk: r
        for r in selectors.station_versions(
            user=world.actors["county_officer"], code="430302", year=YEAR
        )
    }
    row = rows[own.station.pk]
    share = _expected_share(own.township)
    assert share is not None and row.share == share
    assert row.computed == selectors.version_of(
        share=share, version2=Decimal(30), version3=Decimal(60)
    )
    # the thresholds are the rule set's: raise 2.0 above the share and the version drops
    hunan = RuleSet.objects.filter(region_code="43", year__lte=YEAR).order_by("-year").first()
    hunan.version2_share, hunan.version3_share = share + 1, Decimal(99)
    hunan.save()
    again = {
        r.station.pk: r
        for r in selectors.station_versions(
            user=world.actors["county_officer"], code="430302", year=YEAR
        )
    }
    assert again[own.station.pk].computed == "1.0"


def test_the_county_confirms_and_another_version_needs_a_reason(client, world):
    own = world.places["own"]
    rebuild.rebuild_facts()
    client.force_login(world.actors["county_officer"])
    page = client.get(reverse("purchase:versions"), {"node": "430302", "year": YEAR})
    computed = page.context["rows"][0].computed
    other = "3.0" if computed != "3.0" else "1.0"
    url = reverse("purchase:version_confirm")
    client.post(url, {"station": own.station.pk, "year": YEAR, "version": other})
    assert not VersionConfirmation.objects.exists()  # no reason: refused
    client.post(url, {"station": own.station.pk, "year": YEAR, "version": computed})
    confirmed = VersionConfirmation.objects.get()
    assert (confirmed.version, confirmed.computed) == (computed, computed)
    assert Station.objects.get(pk=own.station.pk).service_version == computed
    client.post(
        url, {"station": own.station.pk, "year": YEAR, "version": other, "reason": "评估复核"}
    )
    confirmed.refresh_from_db()
    assert confirmed.version == other and confirmed.reason == "评估复核"
    assert VersionConfirmation.objects.count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_only_the_county_officer_confirms(client, world, role):
    own = world.places["own"]
    client.force_login(world.actors[role])
    response = client.post(
        reverse("purchase:version_confirm"),
        {"station": own.station.pk, "year": YEAR, "version": "1.0"},
    )
    visible = Station.objects.restrict(world.actors[role]).filter(pk=own.station.pk).exists()
    expected = 302 if role == "county_officer" else (403 if visible else 404)
    assert response.status_code == expected
    assert VersionConfirmation.objects.exists() == (role == "county_officer")


def test_the_subsidy_report_counts_confirmed_versions(client, world):
    own = world.places["own"]
    second = Station.objects.create(name="第二站", region_id="430302002", agency=own.agency)
    third = Station.objects.create(name="岳塘站", region_id="430304002", agency=own.agency)
    officer = world.actors["county_officer"]
    for station, version in ((own.station, "3.0"), (second, "2.0")):
        VersionConfirmation.objects.create(
            station=station,
            region_id=station.region_id,
            year=YEAR,
            version=version,
            computed=version,
            share=Decimal(50),
            confirmed_by=officer,
        )
    client.force_login(world.actors["province_officer"])
    bad = client.post(
        reverse("purchase:subsidy"), {"year": YEAR, "v1": "100", "v2": "50", "v3": "200"}
    )
    assert bad.status_code == 200 and not SubsidyRate.objects.exists()
    saved = client.post(
        reverse("purchase:subsidy"), {"year": YEAR, "v1": "50000", "v2": "80000", "v3": "120000"}
    )
    assert saved.status_code == 302 and SubsidyRate.objects.get().v3 == 120000
    _rate, rows = selectors.subsidy_report(
        user=world.actors["province_officer"], code="4303", year=YEAR
    )
    by = {r.code: r for r in rows}
    assert by["430302"].amount == Decimal(
        120000 + 80000
    )  # 3.0 and 2.0; the village room counts not
    assert by["430302"].counts["3.0"] == 1 and by["430302"].counts["2.0"] == 1
    assert by["430304"].amount == 0 and by["430304"].counts[""] >= 2  # 岳塘: none confirmed
    assert third.pk  # an unconfirmed township station earns nothing
    client.force_login(world.actors["city_officer"])
    page = client.get(reverse("purchase:subsidy"), {"node": "4303", "year": YEAR})
    assert page.status_code == 200 and "200,000.00" in page.content.decode()
    assert (
        client.post(
            reverse("purchase:subsidy"), {"year": YEAR, "v1": "1", "v2": "2", "v3": "3"}
        ).status_code
        == 403
    )
    export = client.get(
        reverse("purchase:subsidy"), {"node": "4303", "year": YEAR, "export": "xlsx"}
    )
    book = load_workbook(io.BytesIO(export.content))
    values = [row for row in book.active.iter_rows(values_only=True) if row and row[0] == "雨湖区"]
    assert values and Decimal(str(values[0][-1])) == 200000
