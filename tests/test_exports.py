import io

from django.urls import reverse
from openpyxl import load_workbook


def _sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


def test_station_export_has_chinese_headers_stamp_and_only_scoped_rows(client, world):
    client.force_login(world.actors["city_officer"])
    rows = _sheet(client.get(reverse("stations:list"), {"export": "xlsx"}))
    assert rows[0][0] == "社工站"
    assert rows[1][0].startswith("导出人：") and "导出时间：" in rows[1][0]
    assert rows[2][:4] == ["区划代码", "区域", "名称", "层级"]
    names = {r[2] for r in rows[3:]}
    assert names == {"own社工站", "own社工室", "neighbour社工站", "neighbour社工室"}
    general = next(r for r in rows[3:] if r[2] == "own社工站")
    assert general[3] == "县级社工总站"


def test_export_follows_the_filters(client, world):
    client.force_login(world.actors["province_officer"])
    rows = _sheet(client.get(reverse("stations:list"), {"export": "xlsx", "tier": "village_room"}))
    assert {r[2] for r in rows[3:]} == {"own社工室", "neighbour社工室", "other_city社工室"}


def test_people_export_in_english_when_chosen(client, world):
    client.cookies["django_language"] = "en"
    client.force_login(world.actors["county_officer"])
    rows = _sheet(client.get(reverse("accounts:user_list"), {"export": "xlsx"}))
    assert rows[2][:3] == ["Username", "Full name", "Role"]


def test_csv_export_starts_with_bom_for_excel(client, world):
    client.force_login(world.actors["county_officer"])
    response = client.get(reverse("stations:agency_list"), {"export": "csv"})
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert "统一社会信用代码" in text
    assert world.places["own"].agency.credit_code in text
    assert world.places["neighbour"].agency.credit_code not in text
