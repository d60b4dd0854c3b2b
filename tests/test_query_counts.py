"""Query counts of the main pages are pinned, and do not grow with the number of rows.

Every logged-in request costs 2 fixed queries: the session and the user (with scope region
and station, one join; with Redis the user comes from the shared cache instead:
test_usercache.py). The session is written when its idle timeout moves on, at most once
a minute (``IdleSessionMiddleware``): not on the measured requests, which follow a warming
one. The rest is the page's own. A detail page asks whether the viewer may also change (or
reveal) what it shows only when that action allows other rows than the view it was read
through (``core.restrict.can``): a worker's change of their own station's person is known.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shegong.accounts.roles import Role
from shegong.work.models import LongDay

from .factories import ProfileFactory, StationFactory, UserFactory

PAGES = {
    # name: (url, role, pinned number of queries)
    # the round, a page of its stations (count, rows, their evaluators, sheets, results),
    # the progress line (four counts), the assignment form's choices
    "month sign-off board": (lambda w: reverse("indicators:month_board"), "county_officer", 4),
    "evaluation round (county)": (lambda w: _evaluations(w, "round"), "county_officer", 15),
    "evaluation round (evaluator)": (lambda w: _evaluations(w, "round"), "evaluator", 8),
    "evaluation round list": (
        lambda w: _evaluations(w, reverse("evaluation:round_list")),
        "city_officer",
        4,
    ),
    "evaluation results": (
        lambda w: _evaluations(w, reverse("evaluation:result_list")),
        "province_officer",
        4,
    ),
    "star ratings": (
        lambda w: _evaluations(w, reverse("evaluation:star_list")),
        "province_officer",
        4,
    ),
    "rectification tasks": (
        lambda w: _evaluations(w, reverse("evaluation:rectification_list")),
        "city_officer",
        4,
    ),
    # the sheet + the station's figures for the year (the indicators' own reads)
    # + the residents' requests of the period (one aggregate), + party teams (Hunan's rule),
    # + community organisations (one aggregate)
    "score sheet (evaluator)": (lambda w: _evaluations(w, "sheet"), "evaluator", 25),
    # the stations by tier, the agencies, the purchase to-do (filings to review, spending to
    # approve, instalments due) and evaluation's (overdue rectification, appeals to answer,
    # reports to check): one query of counts (core.counts.count_together); + the employment
    # check of the latest month due (workers, their contracts, their pay); the totals
    # summed from the children's counts, not counted again (region_overview)
    "home (county officer)": (lambda w: reverse("home"), "county_officer", 9),
    # the agency's working page: to-do, employment check, contracts and progress, budget,
    # stations board; the agency and its region read once (not again by each selector);
    # its budget by category (budget_view(by_part=False): no contract read for the parts);
    # its filing, rejected spending and tasks to rectify counted in one query
    "home (agency)": (lambda w: _purchases(w, reverse("home")), "agency_admin", 14),
    "budget (county, year)": (
        lambda w: _purchases(w, reverse("purchase:budget") + "?node=430302"),
        "county_officer",
        6,  # by contract: budget and spending each one query grouped by contract and category
    ),
    "budget (province, year)": (
        lambda w: _purchases(w, reverse("purchase:budget") + "?node=43"),
        "province_officer",
        6,  # by city: budget and spending each one query grouped by city and category
    ),
    "contract list": (
        lambda w: _purchases(w, reverse("purchase:contract_list")),
        "province_officer",
        4,
    ),
    "contract detail": (
        lambda w: _purchases(w, "contract"),
        "county_officer",
        10,  # its budget execution by category: two grouped queries (budget_view)
    ),
    "spending list": (
        lambda w: _purchases(w, reverse("purchase:spending_list")),
        "city_officer",
        4,
    ),
    # the to-do and one's open cases in one query over the station's open cases; one's
    # profile with the colleagues; the township's villages (and, for the lead, the tasks to
    # rectify) in one query of counts
    "home (social worker)": (lambda w: reverse("home"), "social_worker", 7),
    "home (station lead)": (lambda w: reverse("home"), "station_lead", 7),
    # the counties late with their summary from codes (no region objects, no rescan); the
    # counts in one query, as the county's
    "home (province officer)": (lambda w: reverse("home"), "province_officer", 9),
    "region detail (city)": (
        lambda w: reverse("regions:detail", args=["4303"]),
        "city_officer",
        8,  # the totals summed from the children's counts (stations.selectors.region_overview)
    ),
    "station list": (lambda w: reverse("stations:list"), "province_officer", 4),
    "station detail": (
        lambda w: reverse("stations:detail", args=[w.places["own"].station.pk]),
        "province_officer",
        # + the staff's hours this month (the staff and their facts), + its contracts, + its
        # evaluation results and star decisions
        9,
    ),
    "agency list": (lambda w: reverse("stations:agency_list"), "province_officer", 4),
    "people list": (lambda w: reverse("accounts:user_list"), "province_officer", 4),
    "station API": (lambda w: "/api/stations", "province_officer", 4),
    "station export": (lambda w: reverse("stations:list") + "?export=xlsx", "province_officer", 4),
    "recipient list": (lambda w: reverse("people:list"), "social_worker", 8),
    "recipient export": (lambda w: reverse("people:list") + "?export=xlsx", "county_officer", 8),
    "recipient detail": (
        lambda w: reverse("people:detail", args=[w.places["own"].recipient.pk]),
        "social_worker",
        9,  # may change and may reveal: the Q it was read through (core.restrict.can)
    ),
    "visit list": (lambda w: reverse("work:visit_list"), "social_worker", 6),
    "case list": (lambda w: reverse("work:case_list"), "county_officer", 5),
    "case detail": (
        lambda w: reverse("work:case_detail", args=[w.places["own"].case.pk]),
        "social_worker",
        8,
    ),
    "group list": (lambda w: reverse("work:group_list"), "social_worker", 5),
    "activity list": (lambda w: reverse("work:activity_list"), "city_officer", 5),
    "visit list (agency, de-identified)": (
        lambda w: reverse("work:visit_list"),
        "agency_admin",
        7,  # the visit list's 9, and the audit entry of a de-identified read
    ),
    "records (evaluator, de-identified)": (
        lambda w: reverse("indicators:records") + "?metric=visit&node=430302&period=2026-03",
        "evaluator",
        7,
    ),
    "long day list": (lambda w: _long_days(w), "county_officer", 5),
    "payroll list": (lambda w: _purchases(w, reverse("purchase:payroll_list")), "agency_admin", 4),
    # the employment check: workers, their contracts, their pay (three, for any number)
    "compliance": (lambda w: _purchases(w, reverse("purchase:compliance")), "county_officer", 6),
    "versions": (lambda w: reverse("purchase:versions") + "?node=4303", "city_officer", 7),
    "subsidy": (lambda w: reverse("purchase:subsidy") + "?node=43", "province_officer", 7),
    "registry": (lambda w: reverse("workforce:registry"), "city_officer", 4),
    "recipient API": (lambda w: "/api/recipients", "social_worker", 5),
    "volunteer list": (lambda w: _v(w, reverse("community:volunteer_list")), "social_worker", 4),
    "volunteer teams": (lambda w: _v(w, reverse("community:team_list")), "county_officer", 4),
    "volunteer events": (lambda w: _v(w, reverse("community:event_list")), "social_worker", 4),
    "volunteer records": (lambda w: _v(w, reverse("community:records")), "county_officer", 4),
    "volunteer API": (lambda w: _v(w, "/api/volunteers"), "social_worker", 4),
    "volunteer hours API": (lambda w: _v(w, "/api/volunteer-hours"), "city_officer", 4),
    "volunteer teams API": (lambda w: _v(w, "/api/volunteer-teams"), "social_worker", 5),
    "matches": (lambda w: reverse("residents:matches"), "county_officer", 3),
    "resources": (lambda w: reverse("residents:resources"), "social_worker", 4),
    "projects": (lambda w: reverse("residents:projects"), "social_worker", 4),
    "inbox": (lambda w: reverse("inbox:list"), "social_worker", 4),
    "ledger": (lambda w: _v(w, reverse("community:ledger")), "county_officer", 6),
    "allocations": (lambda w: _v(w, reverse("community:allocation_list")), "social_worker", 4),
    "donations API": (lambda w: _v(w, "/api/donations"), "city_officer", 4),
    "visit API": (lambda w: "/api/visits", "social_worker", 5),
    # the jobs with their region and importer (one join), + the count
    "imports": (lambda w: _imports(w), "county_officer", 4),
    "dashboard (county, month)": (
        lambda w: reverse("indicators:dashboard") + "?node=430302&period=2026-03",
        "county_officer",
        # + the names of the counties short of five-star stations, + the stars then, + how
        # much of the period is signed off (stations, accepted station-months), + the
        # residents' requests of the period (one aggregate), + the stations with a party
        # volunteer team (the rule set in force, Hunan's, asks for it), + the community
        # organisations (one aggregate), + the regions whose figures came from other
        # deployments (one indexed read of a small table); the rule set in force is one
        # query, the city's before the province's (compute.rule_set_for); the cases open
        # at the end of the period and of the one before are one read (cases_active_at)
        25,
    ),
    "dashboard (province, year)": (
        lambda w: reverse("indicators:dashboard") + "?node=43&period=2026",
        "province_officer",
        # + short counties, + stars, + sign-off, + requests, + party teams, + organisations,
        # + the regions whose figures were received from other deployments
        24,
    ),
    "dashboard (station)": (
        lambda w: reverse("indicators:dashboard") + "?period=2026-03",
        "social_worker",
        21,  # + stars then, + signed off, + requests, + party teams, + organisations, + shared
    ),
    "drill-down (county visits)": (
        lambda w: reverse("indicators:records") + "?metric=visit&node=430302&period=2026-03",
        "county_officer",
        5,
    ),
    "drill-down (city person-times)": (
        lambda w: reverse("indicators:records") + "?metric=person_times&node=4303&period=2026-03",
        "city_officer",
        6,
    ),
    "report (city, quarter)": (
        lambda w: reverse("indicators:report") + "?node=4303&period=2026Q1",
        "city_officer",
        19,  # + short counties, + stars then, + requests, + party teams, + organisations
    ),
}


def _grow(world, n: int):
    """Add ``n`` stations with staff, people, visits, cases and activities in each place."""
    import datetime

    from shegong.work.models import Activity, Case, HomeVisit

    from .factories import RecipientFactory, make_id_number

    for k, (name, place) in enumerate(world.places.items()):
        for i in range(n):
            person = RecipientFactory(
                name=f"{name}新人{i}",
                region_id=place.village,
                id_number=make_id_number(place.county, "19700101", 500 + 10 * k + i),
            )
            common = {
                "station": place.station,
                "created_by": place.worker,
                "region_id": place.village,
            }
            visit = HomeVisit.objects.create(
                date=datetime.date(2026, 3, 2), recipient=person, hours=1, situation="s", **common
            )
            visit.workers.add(place.worker, place.lead)
            Case.objects.create(
                number=f"N{name}{i}",
                recipient=person,
                worker=place.worker,
                opened_on=datetime.date(2026, 3, 2),
                source="outreach",
                presenting_problem="p",
                **common,
            )
            activity = Activity.objects.create(
                title=f"a{i}",
                domain="elderly",
                service_type="care",
                date=datetime.date(2026, 3, 2),
                hours=1,
                participants_count=5,
                **common,
            )
            activity.workers.add(place.worker)
            HomeVisit.objects.create(
                date=datetime.date(2026, 3, 3),
                recipient=place.recipient,
                hours=1,
                situation="again",
                **common,
            )
    for name, place in world.places.items():
        for i in range(n):
            station = StationFactory(
                name=f"{name}加站{i}", region_id=place.township, agency=place.agency
            )
            for j in range(2):
                user = UserFactory(
                    username=f"g{name}{i}_{j}", role=Role.SOCIAL_WORKER, station=station
                )
                ProfileFactory(user=user)
                LongDay.objects.create(
                    worker=user, date="2026-03-02", reason="防汛值守", created_by=user
                )
    _grow_volunteers(world, n)
    for place in world.places.values():
        if hasattr(place, "contract"):
            _grow_purchases(place, n)
        if hasattr(place, "running"):
            _grow_evaluations(place, n)
    from shegong.indicators.rebuild import rebuild_facts

    rebuild_facts()  # the rows above were made without the services


def _v(world, url: str) -> str:
    """``url``, with one volunteer, team and event per place already there (so the small
    count is of a list with rows, like the large one)."""
    from shegong.community.models import Volunteer

    if not Volunteer.objects.exists():
        _grow_volunteers(world, 1, start=900)
    return url


def _grow_volunteers(world, n: int, start: int = 0) -> None:
    """``n`` volunteers, teams and events (each with a confirmed service) per place."""
    import datetime

    from shegong.community.models import (
        Allocation,
        Donation,
        Donor,
        Service,
        ServiceEvent,
        Volunteer,
        VolunteerTeam,
    )

    for k, (name, place) in enumerate(world.places.items()):
        for i in range(start, start + n):
            v = Volunteer.objects.create(
                number=f"ZY{place.county}{k}{i:04d}",
                name=f"{name}志愿者{i}",
                phone=f"1370000{k}{i:03d}",
                phone_last4=f"{k}{i:03d}",
                region_id=place.village,
                station=place.station,
                political_status="party",
                consent=True,
                created_by=place.worker,
            )
            team = VolunteerTeam.objects.create(
                name=f"{name}队{i}",
                kind="party",
                station=place.station,
                region_id=place.township,
                leader=v,
                created_by=place.worker,
            )
            team.members.add(v)
            event = ServiceEvent.objects.create(
                title=f"{name}服务{i}",
                content="c",
                date=datetime.date(2026, 3, 2),
                station=place.station,
                region_id=place.village,
                created_by=place.worker,
            )
            gift = Donation.objects.create(
                donor=Donor.objects.create(
                    name=f"{name}捐赠{i}",
                    kind="enterprise",
                    station=place.station,
                    region_id=place.township,
                    created_by=place.worker,
                ),
                kind="money",
                amount=1000,
                received_on=datetime.date(2026, 3, 1),
                station=place.station,
                region_id=place.township,
                created_by=place.worker,
            )
            Allocation.objects.create(
                donation=gift,
                amount=400,
                date=datetime.date(2026, 3, 2),
                activity=place.activity,
                station=place.station,
                region_id=place.village,
                created_by=place.worker,
            )
            Service.objects.create(
                event=event,
                volunteer=v,
                status="confirmed",
                hours=2,
                confirmed_by=place.worker,
                confirmed_at="2026-03-02T10:00:00+08:00",
            )


def _grow_purchases(place, n: int) -> None:
    """``n`` more contracts (budget, instalment, targets) and spending entries in a place."""
    import datetime

    from shegong.purchase.models import (
        BudgetLine,
        Contract,
        Instalment,
        Payroll,
        Spending,
        Target,
    )

    base = place.contract
    for i in range(n):
        contract = Contract.objects.create(
            project=base.project,
            agency=base.agency,
            region_id=base.region_id,
            number=f"{base.number}-{i}",
            signed_on=base.signed_on,
            starts_on=base.starts_on,
            ends_on=base.ends_on,
            amount=100,
            created_by=base.created_by,
        )
        contract.stations.add(place.station)
        BudgetLine.objects.create(contract=contract, category="operations", amount=100)
        Instalment.objects.create(contract=contract, seq=1, condition="signing", amount=100)
        Target.objects.create(contract=contract, station=place.station, output="visit", value=9)
        output = ["activity", "staff", "session", "group", "case_opened"][i % 5]
        Target.objects.get_or_create(
            contract=base, station=place.station, output=output, defaults={"value": 9}
        )
        spending = Spending.objects.get(pk=place.spending.pk)
        spending.pk = None
        spending.save()
        worker = UserFactory(
            username=f"pay{place.township}{i}", role=Role.SOCIAL_WORKER, station=place.station
        )
        Payroll.objects.create(
            agency=place.agency,
            worker=worker,
            region_id=place.township,
            month=datetime.date(2026, 3, 1),
            gross=100,
            net=90,
            created_by=worker,
        )


def _grow_evaluations(place, n: int) -> None:
    """``n`` more stations in a place's rounds: assigned, scored, with a result, a
    rectification task and a star decision each."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from shegong.evaluation.models import (
        Assignment,
        Rectification,
        Result,
        RoundStation,
        Score,
        Sheet,
        StarDecision,
    )

    evaluator = place.sheet.author
    items = list(place.running.tree.nodes.filter(level=3)[:5])
    for i in range(n):
        station = StationFactory(name=f"评估站{place.township}{i}", region_id=place.township)
        RoundStation.objects.create(round=place.running, station=station, draw_order=i + 2)
        RoundStation.objects.create(round=place.done, station=station, draw_order=i + 2)
        Assignment.objects.create(
            round=place.running,
            station=station,
            evaluator=evaluator,
            agency=place.ev_agency,
            is_lead=True,
        )
        sheet = Sheet.objects.create(
            round=place.running,
            station=station,
            region_id=place.township,
            author=evaluator,
            kind="evaluator",
            is_lead=True,
        )
        Score.objects.bulk_create(Score(sheet=sheet, item=it, score=1) for it in items)
        done = Sheet.objects.create(
            round=place.done,
            station=station,
            region_id=place.township,
            author=evaluator,
            kind="evaluator",
            is_lead=True,
            status="submitted",
            total=Decimal(70),
        )
        result = Result.objects.create(
            round=place.done,
            station=station,
            region_id=place.township,
            sheet=done,
            score=Decimal(70),
            grade="pass",
            stars=2,
            appeal_until=timezone.localdate(),
            published_at=timezone.now(),
        )
        Rectification.objects.create(
            result=result,
            station=station,
            region_id=place.township,
            item=items[0],
            problem="p",
            owner="station",
            deadline=datetime.date(2026, 1, 1),
        )
        StarDecision.objects.create(
            station=station, region_id=place.township, stars=2, proposed_by=evaluator
        )


def _evaluations(world, url: str) -> str:
    """``url`` with the evaluation world (rounds, sheets, results …) in every place;
    "round" is the own place's running round, "sheet" the evaluator's sheet there."""
    from .test_evaluation_access import add_evaluations

    if not hasattr(world.places["own"], "running"):
        add_evaluations(world)
    own = world.places["own"]
    if url == "round":
        return reverse("evaluation:round_detail", args=[own.running.pk])
    if url == "sheet":
        return reverse("evaluation:sheet", args=[own.sheet.pk])
    return url


def _purchases(world, url: str) -> str:
    """``url`` with a filed agency, project, contract and spending in every place (made
    once per test); "contract" is the own place's contract page."""
    from .test_purchase_access import add_purchases

    if not hasattr(world.places["own"], "contract"):
        add_purchases(world)
    if url == "contract":
        return reverse("purchase:contract_detail", args=[world.places["own"].contract.pk])
    return url


def _long_days(world) -> str:
    """The long-day list's URL, with one long day in the world to start from."""
    worker = world.places["own"].worker
    LongDay.objects.get_or_create(
        worker=worker, date="2026-03-02", defaults={"reason": "值守", "created_by": worker}
    )
    return reverse("work:long_day_list")


def _imports(world) -> str:
    """The imports list, with three finished imports of the county's officer."""
    from shegong.imports.models import ImportJob

    officer = world.actors["county_officer"]
    for i in range(3):
        ImportJob.objects.create(
            kind="people",
            region_id="430302",
            created_by=officer,
            file_name=f"花名册{i}.xlsx",
            file_sha256="0" * 64,
            file_size=1000,
            status="done",
            checked={"new": 10},
            committed={"new": 10},
        )
    return reverse("imports:list")


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", list(PAGES))
def test_query_count_is_pinned_and_flat(client, world, page):
    from shegong.indicators.rebuild import rebuild_facts

    build, role, pinned = PAGES[page]
    rebuild_facts()  # the world's records, counted
    client.force_login(world.actors[role])
    url = build(world)
    _count(client, url)  # warm the session
    small = _count(client, url)
    _grow(world, 5)
    large = _count(client, url)
    assert (small, large) == (pinned, pinned)


# ----- writes ----------------------------------------------------------------------------


def _write(client, path: str, payload: dict, savepoints: list | None = None):
    """The write's statements; savepoints (the transaction's frame, not questions) left
    out, and put in ``savepoints`` when given."""
    import json

    with CaptureQueriesContext(connection) as ctx:
        response = client.post(path, json.dumps(payload), content_type="application/json")
    assert response.status_code == 201, response.content[:300]
    frame = ("SAVEPOINT", "RELEASE SAVEPOINT")
    if savepoints is not None:
        savepoints += [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SAVEPOINT")]
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(frame)]


def _writer(client, world):
    """The own place, its social worker logged in (session warm), and a day two days ago."""
    import datetime

    from django.utils import timezone

    worker = world.actors["social_worker"]
    client.force_login(worker)
    client.get(reverse("home"))  # warm the session
    day = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    return world.places["own"], worker, day


def test_a_visit_written_through_the_api_is_pinned_and_asks_nothing_twice(client, world):
    """A visit through the API: session and user; the service's reads (in its scope) of
    the village, the person and the workers (the form only parses their keys:
    ``core.forms.keys_only``), the locked-month check, the day's hours, the rule set and the
    person's categories (the default domain) — the reasons given for long days only for a
    day past the ceiling, which this is not; the visit, its change log row and its worker; the
    facts, the distinct keys and the aggregates; the audit entry with the visit as saved
    (read again: the log is what the database holds). Not asked: whether the village and
    person the service has just read exist (``ForeignKey.validate``), the visit's workers
    before the first are linked, its facts before it has any, its workers again for the
    facts, the person's home for the facts (the service has read the person)."""
    own, worker, day = _writer(client, world)
    payload = {
        "date": day,
        "region": own.village,
        "recipient": own.recipient.pk,
        "workers": [worker.pk],
        "hours": "1.5",
        "situation": "独居",
    }
    savepoints = []
    sql = _write(client, "/api/visits", payload, savepoints)
    # the idempotency key's claim and the service's transaction; the facts, written inside
    # the service's, take no savepoint of their own (engine.replace)
    assert len(savepoints) == 2, savepoints
    assert len(sql) == 18, "\n".join(sql)  # 28 before the ten left out below
    existence = [
        s
        for s in sql
        if s.startswith(('SELECT 1 AS "a" FROM "regions_region"', 'SELECT 1 AS "a" FROM "people'))
    ]
    assert existence == [], existence
    # from the visit's insert to its facts' nothing is read: not its workers before the
    # first is linked, nor again for the facts, nor its facts before it has any
    visit = next(i for i, q in enumerate(sql) if q.startswith('INSERT INTO "work_homevisit"'))
    facts = next(
        i for i, q in enumerate(sql) if q.startswith('INSERT INTO "indicators_servicefact"')
    )
    between = [q for q in sql[visit:facts] if q.startswith("SELECT")]
    assert between == [], between
    homes = [q for q in sql[facts:] if q.startswith('SELECT "people_recipient"."id"')]
    assert homes == [], homes
    # the village, the person and the workers are each read once, by the service (the
    # workers once more by the audit entry, joined to the visit as saved)
    for table in ("regions_region", "people_recipient"):
        reads = [s for s in sql if s.startswith(f'SELECT "{table}"')]
        assert len(reads) == 1, reads
    users = [
        s for s in sql if s.startswith('SELECT "accounts_user"') or 'FROM "accounts_user"' in s
    ]
    assert len(users) <= 3, users
    # the audit entry's read of the visit as saved: the fields it logs and the names of
    # the rows they point at, nothing more (no password of a worker, no ID number)
    saved = [s for s in sql if s.startswith('SELECT "work_homevisit"."id"')]
    assert len(saved) == 1 and '"people_recipient"."id_hash"' not in saved[0], saved
    named = [s for s in sql if "_prefetch_related_val_" in s]
    assert len(named) == 1 and '"password"' not in named[0], named


def test_an_activity_written_through_the_api_is_pinned_and_reads_each_record_once(client, world):
    """An activity through the API, with two workers and a person named: session and user;
    the service's reads of the place, the workers and the people named (the form only
    parses their keys), the locked month, the day's hours and the rule set (no long day);
    the activity, its change row, its workers and people; the facts, distinct keys and
    aggregates; the audit entry."""
    own, worker, day = _writer(client, world)
    payload = {
        "title": "重阳敬老",
        "domain": "elderly",
        "service_type": "care",
        "date": day,
        "region": own.village,
        "workers": [worker.pk, own.lead.pk],
        "hours": "2",
        "participants_count": 10,
        "participants": [own.recipient.pk],
        "volunteers_count": 0,
    }
    sql = _write(client, "/api/activities", payload)
    assert len(sql) == 19, "\n".join(sql)
    # the audit entry names the workers and the people from their names alone: no other
    # column, and not their villages (select_related() with none named joins every key)
    named = [s for s in sql if "_prefetch_related_val_" in s]
    assert len(named) == 2, named
    assert not [s for s in named if '"password"' in s or "regions_region" in s], named
    assert not [s for s in sql if 'FROM "work_longday"' in s]
    for table in ("regions_region", "people_recipient"):
        reads = [s for s in sql if s.startswith(f'SELECT "{table}"')]
        assert len(reads) == 1, reads


def test_visits_to_households_cost_the_visits_list_no_query_each(client, world):
    """A visit to a household (no person named) is listed by its head's name from the
    rows the list joined: more of them, not more queries (its village is the visit's own,
    in the next column, not read from the household)."""
    from .factories import HomeVisitFactory, HouseholdFactory

    own = world.places["own"]
    worker = world.actors["social_worker"]

    def household_visit(i: int):
        household = HouseholdFactory(region_id=own.village, head=own.recipient, address=f"{i}号")
        HomeVisitFactory(
            station=own.station,
            created_by=worker,
            recipient=None,
            household=household,
            region_id=own.village,
        )

    household_visit(0)
    client.force_login(worker)
    url = reverse("work:visit_list")
    _count(client, url)  # warm the session
    one = _count(client, url)
    for i in range(1, 6):
        household_visit(i)
    six = _count(client, url)
    assert one == six
    page = client.get(url).content.decode()
    assert page.count(f"{own.recipient.name} 家") == 6


def test_the_station_list_page_reads_only_the_columns_it_shows(client, world):
    """``Exporter.page_fields``: the page's rows are built from the fields its columns read
    (not the floor area, rooms, phone … of every station, nor every column of the agency),
    while the export still has them all."""
    client.force_login(world.actors["province_officer"])
    client.get(reverse("home"))  # warm the session
    with CaptureQueriesContext(connection) as page:
        response = client.get(reverse("stations:list"))
    assert response.status_code == 200
    rows = [q["sql"] for q in page.captured_queries if q["sql"].startswith('SELECT "stations')]
    assert rows and all('"floor_area"' not in q and '"legal_representative"' not in q for q in rows)
    assert world.places["own"].station.name in response.content.decode()
    with CaptureQueriesContext(connection) as export:
        assert client.get(reverse("stations:list") + "?export=csv").status_code == 200
    assert any('"floor_area"' in q["sql"] for q in export.captured_queries)


def test_a_plan_being_redone_shows_its_goals_once_read(client, world):
    """A case back in planning: its page lists the goals and the plan form starts from
    them, from one read of the goals (the page's, prefetched, serves the form)."""
    from shegong.work.models import Case, CaseGoal

    own = world.places["own"]
    Case.objects.filter(pk=own.case.pk).update(stage=Case.Stage.PLANNING)
    for text in ("每周探访一次", "链接助餐服务"):
        CaseGoal.objects.create(case=own.case, text=text)
    client.force_login(own.worker)
    url = reverse("work:case_detail", args=[own.case.pk])
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert "<li>每周探访一次</li>" in page  # the goals listed
    assert "每周探访一次\n链接助餐服务</textarea>" in page  # the form starts from them
    goals = [q for q in queries.captured_queries if 'FROM "work_casegoal"' in q["sql"]]
    assert len(goals) == 1
