"""Issue #14, part 5: a service domain and a service type on every service record.

Visits, cases (and their interventions), groups (and their sessions) and activities carry
a domain; left blank, it is taken from the people served. Every service figure is split by
domain in the aggregates, the splits add up to the totals (for every split metric, kept on
write and rebuilt alike), the dashboard shows the split and reads one domain's figures,
and a drill-down opens the records of one domain.
"""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from shegong.core.templatetags.shegong import num
from shegong.indicators.definitions import SERVICE, SPLIT, Domain
from shegong.indicators.engine import split
from shegong.indicators.models import Aggregate
from shegong.indicators.rebuild import rebuild_aggregates
from shegong.people.models import Category, RecipientCategory
from shegong.work import services
from shegong.work.models import Case, Group, HomeVisit

from .factories import RecipientFactory, allocate, make_id_number

TODAY = timezone.localdate()


def _person(world, code: str, n: int):
    own = world.places["own"]
    person = RecipientFactory(
        name=f"对象{n}",
        region_id=own.village,
        id_number=make_id_number(own.county, "19450101", 300 + n),
    )
    RecipientCategory.objects.create(
        recipient=person, category=Category.objects.get(code=code), since=TODAY
    )
    return person


def _work(world):
    """One of each service record, in three domains, by the station's worker."""
    own = world.places["own"]
    worker = own.worker
    elder, child = _person(world, "elder_alone", 1), _person(world, "child_left_behind", 2)
    visit = services.visit_record(
        by=worker,
        data=services.VisitInput(
            date=TODAY,
            region=own.village,
            workers=(worker.pk,),
            hours=Decimal("1.5"),
            situation="独居老人",
            recipient=elder.pk,
        ),
    )
    chosen = services.visit_record(
        by=worker,
        data=services.VisitInput(
            date=TODAY,
            region=own.village,
            workers=(worker.pk,),
            hours=Decimal(1),
            situation="家计调查",
            recipient=child.pk,
            domain="assistance",
            service_type="checks",
        ),
    )
    activity = services.activity_record(
        by=worker,
        data=services.ActivityInput(
            title="四点半课堂",
            domain="children",
            service_type="capacity",
            date=TODAY,
            region=own.township,
            workers=(worker.pk,),
            hours=Decimal(2),
            participants_count=12,
            volunteers_count=3,
            participants=(child.pk,),
        ),
    )
    allocate(worker, amount=300, activity=activity)  # charity money, from the ledger
    case = services.case_open(
        by=worker,
        data=services.CaseOpenInput(
            recipient=elder.pk, opened_on=TODAY, source="outreach", presenting_problem="照护"
        ),
    )
    Case.objects.filter(pk=case.pk).update(stage=Case.Stage.INTERVENTION)
    case.refresh_from_db()
    services.case_add_entry(
        case=case,
        by=worker,
        data=services.CaseEntryInput(date=TODAY, hours=Decimal(1), content="面谈"),
    )
    group = services.group_record(
        by=worker,
        data=services.GroupInput(
            name="成长小组",
            nature="growth",
            goals="成长",
            target="儿童",
            planned_sessions=4,
            region=own.township,
            workers=(worker.pk,),
            members=(child.pk,),
        ),
    )
    services.group_session_add(
        group=group,
        by=worker,
        data=services.SessionInput(
            date=TODAY, hours=Decimal(1), record="第一节", attendees=(child.pk,), in_village=False
        ),
    )
    return visit, chosen, activity, case, group


def _table(node: str, period: str) -> dict:
    return dict(Aggregate.objects.filter(node=node, period=period).values_list("metric", "value"))


def _assert_splits_add_up(table: dict) -> None:
    for metric in SPLIT:
        parts = sum((Decimal(table.get(split(metric, d), 0)) for d in Domain.values), Decimal(0))
        assert parts == Decimal(table.get(metric, 0)), metric


def test_every_service_record_carries_a_domain_taken_from_its_people(world):
    visit, chosen, activity, case, group = _work(world)
    assert (visit.domain, visit.service_type) == ("elderly", "care")  # 独居老人
    assert (chosen.domain, chosen.service_type) == ("assistance", "checks")  # as chosen
    assert activity.domain == "children"
    assert case.domain == "elderly"
    assert group.domain == "children"  # its member is a left-behind child
    # a person with no category that names a domain: community governance
    own = world.places["own"]
    nobody = services.visit_record(
        by=own.worker,
        data=services.VisitInput(
            date=TODAY,
            region=own.village,
            workers=(own.worker.pk,),
            hours=Decimal(1),
            situation="走访",
            recipient=_person(world, "migrant", 3).pk,
        ),
    )
    assert nobody.domain == "governance"


def test_every_split_metric_adds_up_to_its_total_kept_and_rebuilt(world):
    _work(world)
    own = world.places["own"]
    period = f"{TODAY:%Y-%m}"
    # every service figure a record adds to is split (the documented exceptions aside)
    assert set(SPLIT) == {s.code for s in SERVICE} - {
        "people",
        "cases_active",
        "file_household",
        "file_person",
    }
    for node in (own.township, own.county, own.county[:4], own.county[:2]):
        table = _table(node, period)
        _assert_splits_add_up(table)
        # and the work really is in several domains
        assert Decimal(table[split("visit", "elderly")]) == 1
        assert Decimal(table[split("visit", "assistance")]) == 1
        assert Decimal(table[split("money", "children")]) == 300
        assert Decimal(table[split("hours", "children")]) == 3  # activity 2 + session 1
        assert Decimal(table[split("case_entry", "elderly")]) == 1
    kept = _table(own.township, period)
    rebuild_aggregates()
    assert _table(own.township, period) == kept


def test_the_dashboard_splits_by_domain_and_reads_one_domain(client, world):
    _work(world)
    own = world.places["own"]
    client.force_login(world.actors["county_officer"])
    url = reverse("indicators:dashboard") + f"?node={own.county}&period={TODAY:%Y-%m}"
    page = client.get(url)
    assert page.status_code == 200
    rows = {r.spec.code: r for r in page.context["split_rows"]}
    assert set(rows) == set(SPLIT)
    for row in rows.values():
        assert sum((v for v, _u in row.cells), Decimal(0)) + row.rest == row.total
        assert row.rest == 0
    columns = [key for key, _label in page.context["split_columns"]]
    assert {"assistance", "elderly", "children", "governance"} <= set(columns)
    html = page.content.decode()
    assert 'data-testid="domain-split"' in html
    # each cell drawn once, a figure with records linked to them, a zero not linked
    assert html.count("data-cell>") == sum(len(r.cells) for r in rows.values())
    linked = [(v, u) for r in rows.values() for v, u in r.cells if v and u]
    assert linked
    for value, link in linked:
        assert f'data-cell><a href="{escape(link)}">{num(value)}</a></td>' in html
    assert any(not v for r in rows.values() for v, _u in r.cells)
    assert "data-cell>0</td>" in html
    # one domain: the cards read that domain's figures; people are not split
    one = client.get(url + "&domain=elderly").context["board"]
    assert one.get("visit").value == 1 and one.get("people").value is None
    assert "domain=elderly" in one.get("visit").url
    # the drill-down of one domain lists its records only
    drill = client.get(one.get("visit").url)
    assert drill.status_code == 200
    listed = {f.source_id for f in drill.context["page"].object_list}
    assert listed == set(HomeVisit.objects.filter(domain="elderly").values_list("pk", flat=True))


def test_a_domain_the_deployment_does_not_offer_is_refused(world, settings):
    settings.SHEGONG_SERVICE_DOMAINS = ["assistance", "elderly", "children", "governance"]
    own = world.places["own"]
    with pytest.raises(ValidationError) as refused:
        services.visit_record(
            by=own.worker,
            data=services.VisitInput(
                date=TODAY,
                region=own.village,
                workers=(own.worker.pk,),
                hours=Decimal(1),
                situation="走访",
                recipient=own.recipient.pk,
                domain="drugs",
            ),
        )
    assert "domain" in refused.value.message_dict


def test_the_migration_gives_existing_records_the_domain_of_their_people(world):
    visit, _chosen, _activity, case, group = _work(world)
    HomeVisit.objects.update(domain="governance", service_type="resources")
    Case.objects.update(domain="governance", service_type="resources")
    Group.objects.update(domain="governance", service_type="resources")
    migration = importlib.import_module("shegong.work.migrations.0010_service_domains")
    migration.default_domains(django_apps, None)
    visit.refresh_from_db()
    case.refresh_from_db()
    group.refresh_from_db()
    assert (visit.domain, visit.service_type) == ("elderly", "care")
    assert case.domain == "elderly" and group.domain == "children"
    # a visit to a household with no categorised person stays community governance
    assert HomeVisit.objects.get(pk=world.places["own"].visit.pk).domain == "governance"
