"""Creating and editing stations and agencies through the pages, as an officer would."""

import pytest
from django.urls import reverse

from shegong.audit.models import AuditEntry
from shegong.stations.models import Agency, Station

from .factories import make_credit_code


def _station_data(**over):
    data = {
        "name": "新建社工站",
        "tier": "township",
        "region": "430302002",
        "service_version": "2.0",
        "floor_area": "150",
        "rooms": ["social_work", "case"],
        "opened_on": "2023-05-01",
        "phone": "0731-58211234",
        "is_active": "on",
    }
    data.update(over)
    return data


@pytest.fixture
def officer_client(client, world):
    client.force_login(world.actors["county_officer"])
    return client


def test_officer_creates_a_station_in_own_county(officer_client, world):
    response = officer_client.post(reverse("stations:create"), _station_data())
    station = Station.objects.get(name="新建社工站")
    assert response.status_code == 302
    assert response["Location"] == reverse("stations:detail", args=[station.pk])
    assert station.region_id == "430302002"
    assert station.rooms == ["social_work", "case"]
    entry = AuditEntry.objects.get(action="shegong.station.created")
    assert entry.actor == world.actors["county_officer"]
    assert entry.object_id == str(station.pk)


def test_region_outside_scope_is_refused_and_input_kept(officer_client):
    response = officer_client.post(
        reverse("stations:create"), _station_data(region="430304002", name="越界站")
    )
    assert response.status_code == 200
    assert not Station.objects.filter(name="越界站").exists()
    body = response.content.decode()
    assert "您的管辖范围内没有区划代码为 430304002 的区域" in body
    assert 'value="越界站"' in body  # what was typed is kept
    assert "尚未保存任何内容" in body


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"tier": "township", "region": "430302001001"}, "region", "必须设在乡镇（街道）一级"),
        ({"tier": "village_room", "region": "430302002"}, "region", "必须设在村（社区）一级"),
        ({"floor_area": "-5"}, "floor_area", ""),
        ({"phone": "12"}, "phone", "11 位手机号"),
        (
            {"is_county_general": "on", "tier": "village_room", "region": "430302002001"},
            "is_county_general",
            "只有乡镇（街道）社工站",
        ),
        ({"region": "43030200x"}, "region", "区划代码只能是数字"),
    ],
)
def test_invalid_station_is_explained_in_chinese(officer_client, over, field, message):
    response = officer_client.post(reverse("stations:create"), _station_data(**over))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert not Station.objects.filter(name="新建社工站").exists()


def test_second_county_general_station_is_refused(officer_client, world):
    # world's own station is already the county general station of 430302
    response = officer_client.post(
        reverse("stations:create"), _station_data(is_county_general="on")
    )
    assert response.status_code == 200
    assert "本县已有县级社工总站" in response.content.decode()


def test_duplicate_name_in_same_region_is_refused(officer_client, world):
    own = world.places["own"].station
    response = officer_client.post(
        reverse("stations:create"), _station_data(name=own.name, region=own.region_id)
    )
    assert response.status_code == 200
    assert "该区域已有同名社工站" in response.content.decode()


def test_station_lead_edits_own_station_only(client, world):
    client.force_login(world.actors["station_lead"])
    station = world.places["own"].station
    data = _station_data(name=station.name, region=station.region_id, floor_area="210")
    data["is_county_general"] = "on"
    response = client.post(reverse("stations:edit", args=[station.pk]), data)
    assert response.status_code == 302
    station.refresh_from_db()
    assert str(station.floor_area) == "210.0"
    assert AuditEntry.objects.filter(action="shegong.station.changed").count() == 1
    other = world.places["neighbour"].station
    assert client.post(reverse("stations:edit", args=[other.pk]), data).status_code == 404


def test_agency_with_bad_check_character_is_refused(officer_client):
    good = make_credit_code(77)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = officer_client.post(
        reverse("stations:agency_create"),
        {"name": "新机构", "credit_code": bad, "region": "430302"},
    )
    assert response.status_code == 200
    assert "校验位不正确" in response.content.decode()
    response = officer_client.post(
        reverse("stations:agency_create"),
        {"name": "新机构", "credit_code": good.lower(), "region": "430302"},
    )
    assert response.status_code == 302
    assert Agency.objects.get(name="新机构").credit_code == good


def test_duplicate_credit_code_is_refused(officer_client, world):
    existing = world.places["own"].agency.credit_code
    response = officer_client.post(
        reverse("stations:agency_create"),
        {"name": "重复机构", "credit_code": existing, "region": "430302"},
    )
    assert response.status_code == 200
    assert not Agency.objects.filter(name="重复机构").exists()


def test_station_list_filters(officer_client, world):
    url = reverse("stations:list")
    body = officer_client.get(url, {"tier": "village_room"}).content.decode()
    assert "own社工室" in body and "own社工站" not in body
    body = officer_client.get(url, {"tier": "county_general"}).content.decode()
    assert "own社工站" in body and "own社工室" not in body
    body = officer_client.get(url, {"q": "社工室"}).content.decode()
    assert "own社工室" in body and "own社工站" not in body
    # a region filter outside scope shows nothing rather than leaking
    body = officer_client.get(url, {"region": "430304"}).content.decode()
    assert "neighbour" not in body


def test_each_county_may_have_its_own_general_station(officer_client, world):
    # neighbour and other-city counties already have one; own county's is the world's.
    own = world.places["own"].station
    own.is_county_general = False
    own.save(update_fields=["is_county_general"])
    response = officer_client.post(
        reverse("stations:create"), _station_data(is_county_general="on", name="新总站")
    )
    assert response.status_code == 302
    assert Station.objects.filter(is_county_general=True).count() == 3


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_stations_tier_reads_as_its_choice_label(language):
    """``tier_label`` (the list's and export's column) is the tier's label in the reader's
    language, as ``get_tier_display`` gives it; a county general station says so."""
    from django.utils.translation import gettext, override

    with override(language):
        for tier in Station.Tier:
            station = Station(name="x", tier=tier)
            assert station.tier_label == str(station.get_tier_display())
            assert station.tier_label == str(tier.label)
        general = Station(name="x", tier=Station.Tier.TOWNSHIP, is_county_general=True)
        assert general.tier_label == gettext("County general station")
        assert general.tier_label != general.get_tier_display()
