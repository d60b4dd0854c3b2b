"""Dashboards, drill-down, reports and rule sets, as a county officer uses them."""

import datetime
import html
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from shegong.audit.models import AuditEntry
from shegong.core.templatetags.shegong import num
from shegong.indicators import compute, periods, rebuild, reports
from shegong.indicators.models import ReportJob, Rule, RuleSet

LINK = re.compile(r'<a[^>]*href="(/indicators/records/[^"]*)"[^>]*>([^<]*)</a>')
TOTAL = re.compile(r'data-testid="list-summary">[^<]*?([\d.]+)')


@pytest.fixture
def march(client, world):
    """The world's records plus a known month of work in 雨湖区, written through the pages."""
    own = world.places["own"]
    worker = world.actors["social_worker"]
    client.force_login(worker)
    for day, hours in (("2026-03-02", "1.5"), ("2026-03-09", "2")):
        data = {
            "date": day,
            "region": own.village,
            "recipient": own.recipient.pk,
            "workers": [worker.pk],
            "hours": hours,
            "situation": "走访",
        }
        assert client.post(reverse("work:visit_create"), data).status_code == 302
    activity = {
        "title": "重阳敬老",
        "domain": "elderly",
        "service_type": "care",
        "date": "2026-03-12",
        "region": own.village,
        "workers": [worker.pk],
        "hours": "3",
        "participants_count": "25",
        "participants": [own.recipient.pk],
        "volunteers_count": "4",
    }
    assert client.post(reverse("work:activity_create"), activity).status_code == 302
    # its charity money and goods, allocated from the ledger
    from shegong.work.models import Activity

    from .factories import allocate

    held = Activity.objects.get(title="重阳敬老", date="2026-03-12")
    allocate(worker, amount="12000", activity=held)
    allocate(worker, amount="1500.50", activity=held, kind="in_kind", donor="粮油店")
    own.group.workers.add(worker)
    session = {
        "date": "2026-03-15",
        "hours": "1.5",
        "in_village": "on",
        "attendees": [own.recipient.pk],
        "others_count": "6",
        "record": "第一节",
    }
    url = reverse("work:group_session_add", args=[own.group.pk])
    assert client.post(url, session).status_code == 302
    # the world's person was registered in March too
    from shegong.people.models import Recipient

    Recipient.objects.filter(pk=own.recipient.pk).update(
        created_at=datetime.datetime(2026, 3, 1, 10, tzinfo=datetime.UTC)
    )
    rebuild.rebuild_facts()
    client.force_login(world.actors["county_officer"])
    return client


def test_the_summary_line_prints_the_exact_counts(march, world):
    """走访入户: the world's visit and two more; 档案: one person; 小组活动: one session;
    个案: the world's case; 主题活动: the world's activity and one more; 资源: 12000 + 1500.50;
    人次: 3 visits + 10 + 25 activity participants + 1 + 6 at the session."""
    body = march.get(reverse("indicators:report"), {"node": "430302", "period": "2026-03"})
    text = body.content.decode()
    assert (
        "走访入户3户次, 建立档案1个, 开展小组活动1次, 个案服务1个, 主题活动2场, "
        "慈善资源链接1.35万元, 累计服务群众45人次"
    ) in text
    # the neighbour county has only the world's records in it
    node = world.places["neighbour"].county
    from shegong.regions.models import Region

    board = compute.compute(Region.objects.get(code=node), periods.parse("2026-03"))
    assert reports.summary_figures(board) == {
        "visits": 1,
        "files": 0,
        "sessions": 0,
        "cases": 1,
        "activities": 1,
        "resources": Decimal(0),
        "person_times": 11,
    }


def test_large_figures_read_in_wan():
    assert reports._wan(Decimal(13612), over=True) == "1.36万余"
    assert reports._wan(Decimal(13600), over=True) == "1.36万"
    assert reports._wan(Decimal(17000), over=False) == "1.7万"
    assert reports._wan(Decimal(985), over=True) == "985"


def test_county_dashboard_against_hunan_2022_and_every_number_drills_down(march, world):
    hunan_2022 = RuleSet.objects.get(region_code="43", year=2022)
    response = march.get(
        reverse("indicators:dashboard"),
        {"node": "430302", "period": "2026-03", "rules": hunan_2022.pk},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert hunan_2022.title in body
    # qualified staff: target 40 % in 2022 (30 % + 10 points)
    row = re.search(r'data-indicator="qualified_share".*?</tr>', body, re.S).group(0)
    assert "≥40%" in row and "data-status=" in row
    # every number on the page is a link that opens, with its list already filtered
    links = LINK.findall(body)
    assert len(links) > 20
    for url, _shown in links:
        page = march.get(html.unescape(url))
        assert page.status_code == 200, url
        assert TOTAL.search(page.content.decode()), url
    # and the list behind every KPI card adds up to exactly the number on the card
    cards = re.findall(
        r'<a class="kpi d-block" href="([^"]*)" data-metric="([^"]*)">([^<]*)</a>', body
    )
    assert {m for _u, m, _v in cards} >= {"visit", "person_times", "money", "people"}
    for url, metric, shown in cards:
        page = march.get(html.unescape(url)).content.decode()
        assert Decimal(TOTAL.search(page).group(1)) == Decimal(shown), metric
        # and the rows listed are the records counted (one page holds them all here)
        tbody = page.split("<tbody>")[1].split("</tbody>")[0]
        listed = 0 if "暂无记录" in tbody else tbody.count("<tr>")
        records = re.search(r"共 (\d+) 条记录", page)
        expected = int(records.group(1)) if records else int(Decimal(shown))
        assert listed == expected, metric


def test_drill_down_lands_on_exactly_the_visits(march, world):
    url = reverse("indicators:records")
    page = march.get(url, {"metric": "visit", "node": "430302", "period": "2026-03"})
    text = page.content.decode()
    visits = re.findall(r'href="/work/visits/(\d+)/"', text)
    from shegong.work.models import HomeVisit

    expected = HomeVisit.objects.filter(
        region__code__startswith="430302", date__range=("2026-03-01", "2026-03-31")
    )
    assert sorted(map(int, visits)) == sorted(v.pk for v in expected)
    # the neighbour's county is not the county officer's: nothing to drill into
    other = march.get(url, {"metric": "visit", "node": "430304", "period": "2026-03"})
    assert other.status_code == 404


def test_child_ranking_and_trend_read_the_aggregates(march, world):
    body = march.get(reverse("indicators:dashboard"), {"node": "430302", "period": "2026-03"})
    text = body.content.decode()
    assert 'data-testid="ranking"' in text and "data-chart-data" in text
    from shegong.regions.models import Region

    kids = compute.children(Region.objects.get(code="430302"), periods.parse("2026-03"), ["visit"])
    by_code = {k["code"]: k["values"][0] for k in kids}
    assert by_code["430302001"] == 3 and by_code["430302002"] == 0
    # each area's figures labelled for the phone, those with records linked to them
    ranking = body.context["ranking"]
    labels = [str(label) for label in body.context["rank_labels"]]
    assert ranking and any(url for child in ranking for url in child["urls"])
    for child in ranking:
        for value, url, label in zip(child["values"], child["urls"], labels, strict=True):
            shown = f'<a href="{escape(url)}">{num(value)}</a>' if url else num(value)
            assert f'<td data-label="{label}">{shown}</td>' in text


def test_a_bad_period_is_explained_and_the_current_month_shown(march):
    response = march.get(reverse("indicators:dashboard"), {"node": "430302", "period": "2026-13"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "不是有效的期间" in text
    assert periods.current().label in text


def test_excel_report_opens_with_chinese_headers(march):
    response = march.get(
        reverse("indicators:report"), {"node": "430302", "period": "2026-03", "format": "xlsx"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert sheet.title == "概要"
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "指标" in cells and "走访入户（户次）" in cells
    assert any(str(c).startswith("走访入户3户") for c in cells)
    assert "下级地区" in book.sheetnames
    assert AuditEntry.objects.filter(action="shegong.export").exists()


def test_a_city_report_is_built_in_the_background_with_progress(client, world):
    rebuild.rebuild_facts()
    client.force_login(world.actors["city_officer"])
    response = client.get(
        reverse("indicators:report"), {"node": "4303", "period": "2026-03", "format": "xlsx"}
    )
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "indicators:job", args=[job.pk]
    )
    # the test settings run tasks at once; a deployment runs `manage.py db_worker`
    assert (job.status, job.progress) == ("done", 100)
    status = client.get(reverse("indicators:job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'data-status="done"' in status.content.decode()
    download = client.get(reverse("indicators:job_download", args=[job.pk]))
    book = load_workbook(io.BytesIO(download.content))
    assert {"概要", "下级地区", "乡镇（街道）"} <= set(book.sheetnames)
    townships = book["乡镇（街道）"]
    codes = [row[0] for row in townships.iter_rows(min_row=2, values_only=True)]
    assert "430302001" in codes and "430102001" not in codes


def _rules_post(rule_set, **over):
    data = {
        "region_code": rule_set.region_code,
        "year": rule_set.year,
        "title": rule_set.title,
        "source": rule_set.source,
        "rules-TOTAL_FORMS": str(rule_set.rules.count()),
        "rules-INITIAL_FORMS": str(rule_set.rules.count()),
        "rules-MIN_NUM_FORMS": "1",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for i, rule in enumerate(rule_set.rules.all()):
        data.update(
            {
                f"rules-{i}-id": rule.pk,
                f"rules-{i}-indicator": rule.indicator,
                f"rules-{i}-op": rule.op,
                f"rules-{i}-target": rule.target,
                f"rules-{i}-upper": "" if rule.upper is None else rule.upper,
                f"rules-{i}-minimum_count": rule.minimum_count or "",
                f"rules-{i}-at_risk_margin": rule.at_risk_margin,
                f"rules-{i}-note": rule.note,
            }
        )
    data.update(over)
    return data


def test_a_province_officer_edits_targets_and_bad_input_changes_nothing(client, world):
    rule_set = RuleSet.objects.get(region_code="43", year=2022)
    client.force_login(world.actors["province_officer"])
    url = reverse("indicators:rule_set_edit", args=[rule_set.pk])
    index = list(rule_set.rules.values_list("indicator", flat=True)).index("qualified_share")
    staff = list(rule_set.rules.values_list("indicator", flat=True)).index("staff_per_station")
    bad = client.post(url, _rules_post(rule_set, **{f"rules-{staff}-upper": "2"}))
    assert bad.status_code == 200
    assert "“介于”需要不低于目标值的上限" in bad.content.decode()
    assert rule_set.rules.get(indicator="qualified_share").target == 40
    ok = client.post(url, _rules_post(rule_set, **{f"rules-{index}-target": "45"}))
    assert ok.status_code == 302
    assert rule_set.rules.get(indicator="qualified_share").target == 45
    assert AuditEntry.objects.filter(action="shegong.rule_set.changed").exists()
    # a county officer reads the targets but cannot change them
    client.force_login(world.actors["county_officer"])
    assert client.get(reverse("indicators:rule_set_detail", args=[rule_set.pk])).status_code == 200
    assert client.post(url, _rules_post(rule_set)).status_code == 403


def test_copying_a_rule_set_to_the_next_year(client, world):
    source = RuleSet.objects.get(region_code="43", year=2023)
    client.force_login(world.actors["province_officer"])
    page = client.get(reverse("indicators:rule_set_create"), {"copy": source.pk})
    text = page.content.decode()
    assert 'value="2024"' in text and "湖南省 2024 年度" in text
    data = _rules_post(source, year="2024", title="湖南省 2024 年度社工站建设指标")
    for key in list(data):
        if key.endswith("-id"):
            data[key] = ""
    data["rules-INITIAL_FORMS"] = "0"
    assert client.post(reverse("indicators:rule_set_create"), data).status_code == 302
    copy = RuleSet.objects.get(region_code="43", year=2024)
    assert copy.rules.count() == source.rules.count()
    assert source.rules.count() == Rule.objects.filter(rule_set=source).count()


@pytest.mark.django_db
def test_the_rule_set_in_force_carries_forward_and_the_city_comes_first(regions):
    assert compute.rule_set_for("430302", 2022).year == 2022
    assert compute.rule_set_for("430302", 2026).year == 2023  # latest earlier year
    assert compute.rule_set_for("330302", 2026).region_code == "3303"  # 温州 before 浙江
    assert compute.rule_set_for("110101", 2026) is None
    assert compute.rule_set_for("430302", 2020) is None


@pytest.mark.parametrize(
    ("op", "value", "target", "status"),
    [
        ("ge", "40", "40", "met"),
        ("ge", "37", "40", "at_risk"),  # within 10 % below
        ("ge", "35", "40", "missed"),
        ("le", "8", "8", "met"),
        ("le", "8.5", "8", "at_risk"),
        ("le", "12", "8", "missed"),
    ],
)
def test_status_against_a_target(op, value, target, status):
    rule = Rule(op=op, target=Decimal(target), at_risk_margin=Decimal(10))
    assert compute.status(Decimal(value), rule, Decimal(target)) == status


def test_periods_parse_and_step():
    assert periods.parse("2026Q1").previous().key == "2025Q4"
    assert periods.parse("2026-01").previous().key == "2025-12"
    assert periods.parse("2026").previous(2).key == "2024"
    assert periods.parse("2024-02").end == datetime.date(2024, 2, 29)
    assert [p.key for p in periods.parse("2026Q2").months] == ["2026-04", "2026-05", "2026-06"]
    for bad in ("2026-00", "2026Q5", "26", "", "2026-1"):
        with pytest.raises(ValueError):
            periods.parse(bad)


def test_the_api_gives_the_same_board(march):
    response = march.get("/api/indicators", {"node": "430302", "period": "2026-03"})
    assert response.status_code == 200
    data = response.json()
    values = {v["code"]: Decimal(str(v["value"])) for v in data["service"]}
    assert values["visit"] == 3 and values["person_times"] == 45
    assert data["summary"].startswith("走访入户3户")
    assert data["rule_set"] == "湖南省 2023 年度社工站建设指标"  # carried forward to 2026
    bad = march.get("/api/indicators", {"node": "430302", "period": "2026-13"})
    assert bad.status_code == 422 and "不是有效的期间" in bad.json()["detail"]
    assert march.get("/api/indicators", {"node": "430304"}).status_code == 404


def test_a_counted_drill_down_reads_one_page_and_no_count(march):
    """The first page of a count's records is a LIMIT read; the total is the aggregate."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("indicators:records")
    with CaptureQueriesContext(connection) as ctx:
        page = march.get(url, {"metric": "visit", "node": "430302", "period": "2026-03"})
    assert "合计：3" in page.content.decode()
    facts = [q["sql"] for q in ctx.captured_queries if "indicators_servicefact" in q["sql"]]
    assert facts and all("LIMIT" in sql and "COUNT(" not in sql for sql in facts)


@pytest.mark.django_db
@pytest.mark.parametrize("shared_cache", [False, True])
def test_rule_sets_for_many_places_at_once_in_one_query(
    regions, settings, shared_cache, django_assert_max_num_queries, request
):
    """The seeded sets are Hunan's (43) 2021-2023 and Wenzhou's (3303) 2021; a Zhejiang (33)
    set of 2022 shows a city's older set still comes before its province's newer one. The
    same answers from the query and from the shared cache (one query to fill it)."""
    from django.core.cache import cache

    settings.SHEGONG_SHARED_CACHE = shared_cache
    cache.clear()
    request.addfinalizer(cache.clear)  # the sets cached here are rolled back
    RuleSet.objects.create(region_code="33", year=2022, title="浙江省 2022")
    codes = ["430302", "430304", "430302001", "330302", "3303", "43", "33", "110101"]
    expected = {
        2020: dict.fromkeys(codes),
        2022: {
            **dict.fromkeys(["430302", "430304", "430302001", "43"], ("43", 2022)),
            **dict.fromkeys(["330302", "3303"], ("3303", 2021)),
            "33": ("33", 2022),
            "110101": None,
        },
        2026: {
            **dict.fromkeys(["430302", "430304", "430302001", "43"], ("43", 2023)),
            **dict.fromkeys(["330302", "3303"], ("3303", 2021)),
            "33": ("33", 2022),
            "110101": None,
        },
    }
    for year, want in expected.items():
        with django_assert_max_num_queries(1):
            many = compute.rule_sets_for(codes, year)
        got = {c: r and (r.region_code, r.year) for c, r in many.items()}
        assert got == want, year
        for code in codes:  # one at a time, the same answer
            one = compute.rule_set_for(code, year)
            assert (one and (one.region_code, one.year)) == want[code]


def test_the_registered_stocks_are_kept_a_minute_and_read_fresh_without_a_cache(
    march, world, settings
):
    """A dashboard reads what is registered (party teams, organisations, filed agencies)
    and the residents' requests of the period once a minute per region and period, like
    the workers and stations (``compute.registered``): the second view asks no provider,
    and shows the same figures. Without the minute (0), every view asks again."""
    from django.core.cache import cache

    from shegong.indicators import stocks

    asked = []
    real = stocks.read

    def counting(name, **kwargs):
        asked.append(name)
        return real(name, **kwargs)

    from shegong.regions.models import Region

    node = Region.objects.get(code=world.places["own"].county)
    period = periods.parse("2026-03")
    cache.clear()
    settings.SHEGONG_INDICATOR_CACHE_SECONDS = 60
    stocks.read = counting
    try:
        first = compute.compute(node, period)
        first_asks = list(asked)
        asked.clear()
        second = compute.compute(node, period)
        kept = list(asked)
        settings.SHEGONG_INDICATOR_CACHE_SECONDS = 0
        asked.clear()
        compute.compute(node, period)
        fresh = list(asked)
    finally:
        stocks.read = real
        cache.clear()
    assert {"organisations", "resident_requests"} <= set(first_asks)
    assert kept == [] and set(fresh) == set(first_asks)
    assert [(r.spec.code, r.value) for r in first.ruled] == [
        (r.spec.code, r.value) for r in second.ruled
    ]
