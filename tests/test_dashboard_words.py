"""Issue #11, part 8: a dashboard that reads right (partial periods, carried-forward
targets, no data versus no target, the counties that fall short)."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from shegong.indicators import compute, periods
from shegong.indicators.models import Rule, RuleSet


def test_a_running_period_is_marked_so_far_and_shows_no_drop(client, world):
    client.force_login(world.actors["county_officer"])
    now = periods.current()
    body = client.get(reverse("indicators:dashboard"), {"period": now.key}).content.decode()
    assert 'data-testid="partial"' in body and "截至今日" in body
    assert "▼" not in body.split('data-testid="kpi-cards"')[1].split("</div>\n</div>")[0]
    past = client.get(reverse("indicators:dashboard"), {"period": "2025-03"}).content.decode()
    assert 'data-testid="partial"' not in past


def test_a_carried_forward_rule_set_is_named_so(client, world):
    client.force_login(world.actors["county_officer"])
    year = timezone.localdate().year
    body = client.get(reverse("indicators:dashboard"), {"period": str(year)}).content.decode()
    latest = RuleSet.objects.filter(region_code="43").order_by("-year").first()
    if latest.year != year:
        assert f"{year} 年沿用 {latest.year} 年指标" in body


def test_no_data_is_not_no_target():
    rule = Rule(op=Rule.Op.AT_LEAST, target=Decimal(60), at_risk_margin=Decimal(10))
    assert compute.status(None, rule, Decimal(60)) == "no_data"
    assert compute.status(Decimal(70), None, None) == "none"
    assert compute.status(Decimal(70), rule, Decimal(60)) == "met"


def test_the_five_star_detail_names_the_counties_that_fall_short(world):
    st = [("430302001", 5, 4), ("430304001", 3, 4), ("430102001", None, 4)]
    assert compute._counties_short(st, 1) == ["430102", "430304"]
    period = periods.parse("2025")
    rule_set = RuleSet.objects.create(region_code="4303", year=2025, title="测试", source="")
    Rule.objects.create(
        rule_set=rule_set, indicator="five_star_share", target=Decimal(10), minimum_count=1
    )
    from shegong.regions.models import Region

    board = compute.compute(
        Region.objects.get(code="4303"),
        period,
        rule_set=rule_set,
        today=datetime.date(2025, 12, 31),
    )
    detail = board.get("five_star_share").detail
    assert "个县少于" in detail and ("雨湖区" in detail or "岳塘区" in detail), detail
