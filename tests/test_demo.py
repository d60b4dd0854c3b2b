from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from shegong.accounts.models import User
from shegong.accounts.roles import STATION_ROLES, Role
from shegong.demo.province import DEMO_PASSWORD
from shegong.regions.models import Level
from shegong.stations.models import Agency, Station
from shegong.workforce.models import SocialWorkerProfile


@pytest.mark.django_db
def test_demo_is_complete_and_loading_twice_duplicates_nothing():
    call_command("import_divisions", only="4303,4308", stdout=StringIO())
    out = StringIO()
    call_command("load_demo", no_work=True, allow_production=True, stdout=out)
    counts = (
        Agency.objects.count(),
        Station.objects.count(),
        User.objects.count(),
        SocialWorkerProfile.objects.count(),
    )
    call_command("load_demo", no_work=True, allow_production=True, stdout=StringIO())
    again = (
        Agency.objects.count(),
        Station.objects.count(),
        User.objects.count(),
        SocialWorkerProfile.objects.count(),
    )
    assert again == counts

    # every township of both cities has a station, each county one general station
    townships = Station.objects.filter(tier=Station.Tier.TOWNSHIP)
    assert townships.count() == 70 + 74
    assert townships.filter(is_county_general=True).count() == 8 + 4
    for station in townships:
        staff = station.staff.filter(role__in=STATION_ROLES).count()
        assert 3 <= staff <= 8, station
        assert station.staff.filter(role=Role.STATION_LEAD).count() == 1
        assert station.agency.region_id == station.region_id[:6]
    # every village of a demo township has a designated worker
    from shegong.regions.models import Region

    villages = Region.objects.filter(level=Level.VILLAGE).count()
    covered = Region.objects.filter(level=Level.VILLAGE, designated_workers__isnull=False)
    assert covered.distinct().count() == villages
    # certificates: most verified, the rest awaiting their county's review, each with a
    # scan the reviewer can open
    certified = SocialWorkerProfile.objects.exclude(certificate_no="")
    assert certified.filter(certificate_status="verified").exists()
    waiting = certified.filter(certificate_status="submitted")
    assert waiting.exists()
    assert not certified.filter(certificate_scan="").exists()
    assert (
        not SocialWorkerProfile.objects.filter(certificate_no="")
        .exclude(certificate_scan="")
        .exists()
    )
    assert waiting.first().certificate_scan.read().startswith(b"\x89PNG")
    # agencies carry valid credit codes
    for agency in Agency.objects.all():
        agency.full_clean()

    # one login per role, all working with the printed password
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    roles_printed = set()
    assert "/public/" in text  # where residents go, no login
    logins = text.split("Demo logins", 1)[1].splitlines()[1:]
    for username in [line.split()[0] for line in logins if line.strip()]:
        request = RequestFactory().post("/accounts/login/")
        user = authenticate(request, username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        roles_printed.add(user.role)
    assert roles_printed == set(Role.values)


@pytest.mark.django_db
def test_demo_without_regions_says_what_to_do():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="import_divisions"):
        call_command("load_demo", allow_production=True, stdout=StringIO())


@pytest.mark.django_db
def test_demo_refuses_production_and_its_accounts_fail_the_deploy_check(settings):
    from django.core.management import CommandError

    from shegong.demo.checks import demo_accounts_disabled

    settings.DEBUG = False
    with pytest.raises(CommandError, match="SHEGONG_DEBUG"):
        call_command("load_demo", stdout=StringIO())
    assert demo_accounts_disabled(None) == []
    User.objects.create(username="sysadmin", role=Role.SYSTEM_ADMIN)
    assert [e.id for e in demo_accounts_disabled(None)] == ["shegong.E001"]
    User.objects.filter(username="sysadmin").update(is_active=False)
    assert demo_accounts_disabled(None) == []


def test_a_year_of_demo_work_is_consistent_and_loads_once(world):
    import datetime
    from decimal import Decimal

    from django.db.models import Sum

    from shegong.core.validators import parse_id_number
    from shegong.demo.work import demo_work_load
    from shegong.indicators.models import ServiceFact
    from shegong.people.models import Recipient
    from shegong.work.models import CaseEntry, HomeVisit

    existing = Recipient.objects.count()  # the world's own people, one per station
    today = datetime.date(2026, 11, 22)
    counts = demo_work_load(today=today)
    # stations that already had people (all three in the world) are skipped
    assert counts["recipients"] == 0
    from shegong.work.models import Activity, Case, Group

    for model in (HomeVisit, Case, Group, Activity):
        model.objects.all().delete()
    Recipient.objects.all().delete()
    counts = demo_work_load(today=today)
    assert counts["recipients"] > 0 and counts["visits"] > 0 and counts["facts"] > 0
    assert Recipient.objects.count() == counts["recipients"]
    numbers = [p.id_number for p in Recipient.objects.all()]
    assert len(set(numbers)) == len(numbers)
    for number in numbers[:50]:
        parse_id_number(number)
    visit_hours = ServiceFact.objects.filter(kind="visit").aggregate(s=Sum("hours"))["s"]
    # a few visits are voided (作废): they stay, marked, and leave the figures
    assert HomeVisit.objects.exclude(voided_at=None).exists()
    expected = sum(v.hours * v.workers.count() for v in HomeVisit.objects.filter(voided_at=None))
    assert visit_hours == expected
    # the split by service domain adds up; some administrative work is in villages and
    # some services are at the station, so the two hour figures differ
    split_visits = ServiceFact.objects.filter(kind="visit").exclude(domain="").count()
    assert split_visits == ServiceFact.objects.filter(kind="visit").count()
    assert ServiceFact.objects.filter(kind="admin", in_village=True).exists()
    assert ServiceFact.objects.filter(professional=True, in_village=False).exists()
    case_hours = ServiceFact.objects.filter(kind="case_entry").aggregate(s=Sum("hours"))[
        "s"
    ] or Decimal(0)
    assert case_hours == (CaseEntry.objects.aggregate(s=Sum("hours"))["s"] or Decimal(0))
    assert ServiceFact.objects.filter(date__gt=today).count() == 0
    # every record stays within its station's township
    for visit in HomeVisit.objects.select_related("station"):
        assert visit.region_id.startswith(visit.station.region_id)
    # nobody approved their own case; a lead's own plan waits for the county officer
    for case in Case.objects.exclude(plan_approved_by=None):
        assert case.plan_approved_by_id != case.worker_id
        assert case.closure_approved_by_id in (None, case.plan_approved_by_id)
    assert demo_work_load(today=today)["recipients"] == 0
    assert existing == 3
