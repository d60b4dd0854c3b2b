"""A list counts its rows only up to a bound past the page's start (core.pagination):
beyond it the page says "more than N", links the next page, and every row is still
reached by paging, once; the last pages count exactly."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shegong.core.pagination import bounded_count
from shegong.people.models import Recipient

from .factories import RecipientFactory, make_id_number

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<tr><td data-label="[^"]*"><a href="/people/(\d+)/">')


@pytest.fixture
def many(world):
    own = world.places["own"]
    for n in range(11):
        RecipientFactory(
            name=f"名单{n}",
            region_id=own.village,
            id_number=make_id_number(own.county, "19600101", 300 + n),
        )
    return own


def test_bounded_count_stops_at_its_bound_and_is_exact_below_it(many):
    rows = Recipient.objects.restrict(many.worker).order_by("name")
    total = rows.count()
    assert total >= 12
    assert bounded_count(rows, offset=0, bound=5) == (6, 5)
    assert bounded_count(rows, offset=4, bound=5) == (10, 9)
    assert bounded_count(rows, offset=total - 3, bound=5) == (total, None)
    assert bounded_count(rows, offset=0, bound=total) == (total, None)
    with CaptureQueriesContext(connection) as queries:
        bounded_count(rows, offset=0, bound=5)
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert "LIMIT 6" in sql and "ORDER BY" not in sql


def test_a_list_past_its_bound_says_more_than_and_pages_through_every_row_once(
    client, many, settings
):
    settings.SHEGONG_PAGE_SIZE = 2
    settings.SHEGONG_LIST_COUNT_BOUND = 5
    expected = set(Recipient.objects.restrict(many.worker).values_list("pk", flat=True))
    client.force_login(many.worker)
    url = reverse("people:list")
    seen: list[int] = []
    number = 1
    while True:
        page = client.get(url, {"page": number}).content.decode()
        seen += [int(pk) for pk in LINK.findall(page)]
        counted = page.split('data-testid="record-count"')[1].split("</p>")[0]
        left = len(expected) - (number - 1) * 2
        if left > 5:
            assert f"超过 {(number - 1) * 2 + 5} 条记录" in counted
            assert f"第 {number} 页<" in page and "共" not in counted
        else:
            assert f"{len(expected)} 条记录" in counted and "超过" not in counted
        if "下一页" not in page:
            break
        number += 1
    assert sorted(seen) == sorted(expected)  # every row, once
    assert number == (len(expected) + 1) // 2
    # a page number past the end, or not a number, gives a real page
    last = client.get(url, {"page": 99999999999999999999}).content.decode()
    assert set(LINK.findall(last)) <= {str(pk) for pk in expected} and LINK.findall(last)
    assert LINK.findall(client.get(url, {"page": "x"}).content.decode())


def test_an_export_of_a_list_past_its_bound_holds_every_row(client, many, settings):
    settings.SHEGONG_LIST_COUNT_BOUND = 5
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(many.worker)
    answer = client.get(reverse("people:list"), {"export": "xlsx"})
    sheet = load_workbook(
        BytesIO(b"".join(answer.streaming_content) if answer.streaming else answer.content)
    ).active
    rows = [r for r in sheet.iter_rows(values_only=True) if any(r)]
    header = [r[0] for r in rows].index("名称")  # after the title and the exporter's line
    names = sorted(r[0] for r in rows[header + 1 :])
    expected = sorted(Recipient.objects.restrict(many.worker).values_list("name", flat=True))
    assert names == expected and len(expected) > 5  # every row, once


def test_an_api_list_counts_up_to_its_bound_and_is_paged_through_by_next_offset(
    client, many, settings
):
    settings.SHEGONG_LIST_COUNT_BOUND = 5
    expected = set(Recipient.objects.restrict(many.worker).values_list("pk", flat=True))
    assert len(expected) > 7
    client.force_login(many.worker)
    seen: list[int] = []
    offset = 0
    while offset is not None:
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/api/recipients", {"limit": 2, "offset": offset}).json()
        (counted,) = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
        assert f"LIMIT {offset + 6}" in counted and "ORDER BY" not in counted
        seen += [row["id"] for row in page["items"]]
        if len(expected) - offset > 5:  # more than the bound past the offset: a floor
            assert page["count"] == offset + 6 and page["count_exact"] is False
            assert page["next_offset"] == offset + 2
        else:
            assert page["count"] == len(expected) and page["count_exact"] is True
        offset = page["next_offset"]
    assert sorted(seen) == sorted(expected)  # every row, once, by next_offset alone
    assert page["next_offset"] is None and len(page["items"]) in (1, 2)
    # every row counted when asked, at any offset
    exact = client.get("/api/recipients", {"limit": 2, "exact_count": "true"}).json()
    assert (exact["count"], exact["count_exact"], exact["next_offset"]) == (len(expected), True, 2)
    # the schema says what the fields mean
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["PagedRecipientOut"]
    assert {"items", "count", "count_exact", "next_offset"} <= set(schema["properties"])


def test_a_concatenated_list_pages_across_its_two_parts_as_one_list(many):
    """``Concatenated``: every slice is the slice of the two parts' rows end to end; a
    slice within one part reads that part alone (one query), across both, two."""
    from shegong.core.pagination import Concatenated

    rows = Recipient.objects.restrict(many.worker).order_by("name", "pk")
    chosen = ["名单3", "名单7"]

    def parts():  # unread querysets (a queryset read once answers from its cache)
        return rows.filter(name__in=chosen), rows.exclude(name__in=chosen)

    whole = [*rows.filter(name__in=chosen), *rows.exclude(name__in=chosen)]
    both = Concatenated(*parts())
    assert len(both) == len(whole) and [r.pk for r in both] == [r.pk for r in whole]
    both = Concatenated(*parts(), first_count=2)
    for start, stop in [(0, 1), (0, 2), (1, 3), (2, 5), (0, len(whole)), (3, None), (5, 4)]:
        with CaptureQueriesContext(connection) as read:
            got = both[start:stop]
        assert [r.pk for r in got] == [r.pk for r in whole[start:stop]], (start, stop)
        if stop is not None and stop <= start:
            assert len(read) == 0
        else:
            assert len(read) == (2 if start < 2 < (stop or len(whole) + 1) else 1), (start, stop)
    assert both[2].pk == whole[2].pk
    with pytest.raises(IndexError):
        both[len(whole)]
    narrowed = both.only("pk", "name")
    assert [r.pk for r in narrowed[1:4]] == [r.pk for r in whole[1:4]]
