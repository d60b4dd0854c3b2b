"""The rule table's rows, built in Python (indicators.cells): the same figures, units,
targets, badges and links the template printed, escaped once."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from shegong.indicators import cells


def _value(**over):
    spec = SimpleNamespace(
        code="qualified_share", label="社工专业或持证人员占比", unit="%", group="g"
    )
    base = {
        "spec": spec,
        "value": Decimal("64.06"),
        "url": "/indicators/records/?metric=workers&node=43",
        "trend": "up",
        "rule": SimpleNamespace(op="ge", target=Decimal(50), upper=None),
        "target": Decimal(50),
        "status": "met",
        "detail": "64 名社工中 41 名 <b>",
    }
    return SimpleNamespace(**{**base, **over})


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def _row(value, partial=False) -> str:
    return str(cells.rule_rows([value], group="", partial=partial)[0])


def test_a_figure_with_its_link_unit_trend_target_and_badge():
    row = _row(_value())
    assert (
        '<a href="/indicators/records/?metric=workers&amp;node=43">64.06</a>%'
        ' <span class="text-success">▲</span>' in row
    )
    assert '<td data-label="目标">≥50%</td>' in row
    assert '<span class="badge text-bg-success" data-status="met">达标</span>' in row
    assert "64 名社工中 41 名 &lt;b&gt;" in row  # text escaped once
    assert 'data-indicator="qualified_share"' in row


def test_no_figure_is_a_linked_dash_without_a_unit():
    row = _row(_value(value=None, status="no_data", trend=""))
    assert '<a href="/indicators/records/?metric=workers&amp;node=43">—</a></td>' in row
    assert "&lt;a" not in row
    assert 'data-status="no_data">无数据</span>' in row


def test_a_range_target_a_ceiling_and_no_target():
    staff = _row(_value(rule=SimpleNamespace(op="between", target=3, upper=8), url=""))
    assert '<td data-label="目标">3–8 名</td>' in staff
    assert "<a " not in staff.split('data-label="数值">')[1].split("</td>")[0]
    ceiling = _row(_value(rule=SimpleNamespace(op="le", target=5, upper=None), target=5))
    assert '<td data-label="目标">≤5%</td>' in ceiling
    none = _row(_value(rule=None, status=""))
    assert '<td data-label="目标">—</td>' in none
    assert 'data-status="none">无目标</span>' in none


def test_a_period_under_way_shows_no_trend_and_a_group_filters():
    assert "▲" not in _row(_value(), partial=True)
    hours = _value(spec=SimpleNamespace(code="h", label="时数", unit="h/p", group="hours"))
    kept = cells.rule_rows([_value(), hours], group="hours", partial=False)
    assert len(kept) == 1 and "64.06</a> 小时/人" in str(kept[0])


def _card(value, partial=False, group="") -> str:
    shown = cells.kpi_cards([value], group=group, partial=partial)
    return str(shown[0]) if shown else ""


def test_a_service_card_links_its_figure_and_says_the_previous_and_the_trend():
    card = _card(_value(previous=Decimal("40.50")))
    assert (
        '<a class="kpi d-block" href="/indicators/records/?metric=workers&amp;node=43" '
        'data-metric="qualified_share">64.06</a>'
    ) in card
    assert "社工专业或持证人员占比" in card
    assert '上期 40.5 <span class="text-success" aria-label="上升">▲</span>' in card
    down = _card(_value(previous=Decimal(70), trend="down"))
    assert 'aria-label="下降">▼</span>' in down
    # a period not over yet: no arrow (a part of a month is not a trend)
    assert "▲" not in _card(_value(previous=Decimal(1)), partial=True)


def test_a_card_without_a_figure_says_why_escaped_and_a_figure_without_records_is_not_a_link():
    card = _card(_value(value=None, url="", previous=None))
    assert '<span class="kpi d-block" data-metric="qualified_share">—</span>' in card
    assert "64 名社工中 41 名 &lt;b&gt;" in card and "<b>" not in card
    assert "上期" not in card


def test_the_cards_of_one_group_only():
    assert _card(_value(previous=None), group="other") == ""
    assert _card(_value(previous=None), group="g") != ""
