"""Cases open at a period's end: every case opened up to then, less every one closed, read
from the aggregates of the years before and the months of its year; a board's period and
the one before are read in one query and give what each read alone gives."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shegong.indicators import periods as P
from shegong.indicators.compute import cases_active, cases_active_at
from shegong.indicators.models import Aggregate

NODE = "430302"

# (period, metric, value) of one county; the quarter and the other county are not read
ROWS = [
    ("2019", "case_opened", 4),  # a year long before
    ("2024", "case_opened", 10),
    ("2024", "case_closed", 3),
    ("2025-11", "case_opened", 5),
    ("2025-12", "case_opened", 2),
    ("2025-12", "case_closed", 4),
    ("2025", "case_opened", 7),  # the year's own total: read only for the years after it
    ("2025", "case_closed", 4),
    ("2025Q4", "case_opened", 7),  # a quarter is never added up
    ("2026-01", "case_opened", 6),
    ("2026-02", "case_closed", 1),
    ("2026-03", "case_opened", 9),
]


@pytest.fixture
def aggregates(db):
    Aggregate.objects.bulk_create(
        [Aggregate(node=NODE, level=3, period=p, metric=m, value=v) for p, m, v in ROWS]
        + [Aggregate(node="430304", level=3, period="2026-01", metric="case_opened", value=50)]
    )


@pytest.mark.parametrize(
    "period, expected",
    [
        ("2025-11", 4 + 10 - 3 + 5),  # 2019 and 2024, then 2025's months up to November
        ("2025-12", 4 + 10 - 3 + 5 + 2 - 4),
        ("2025", 4 + 10 - 3 + 5 + 2 - 4),  # a year ends in December
        ("2026-01", 4 + 10 - 3 + 7 - 4 + 6),  # 2025 by its year's row, then January
        ("2026-02", 4 + 10 - 3 + 7 - 4 + 6 - 1),
        ("2026Q1", 4 + 10 - 3 + 7 - 4 + 6 - 1 + 9),  # a quarter ends in March
        ("2026", 4 + 10 - 3 + 7 - 4 + 6 - 1 + 9),
    ],
)
def test_open_at_the_end_of_a_period(aggregates, period, expected):
    assert cases_active(NODE, P.parse(period)) == Decimal(expected)


def test_a_period_and_the_one_before_in_one_read_across_a_year(aggregates):
    periods = [P.parse("2026-01"), P.parse("2025-12"), P.parse("2026"), P.parse("2025")]
    with CaptureQueriesContext(connection) as queries:
        together = cases_active_at(NODE, periods)
    assert len(queries) == 1
    assert together == [cases_active(NODE, p) for p in periods]
    assert together == [Decimal(20), Decimal(14), Decimal(28), Decimal(14)]


def test_a_node_without_cases_has_none_open(aggregates):
    assert cases_active_at("430321", [P.parse("2026-03"), P.parse("2026-02")]) == [0, 0]
