"""Issue #15, part 1: public station pages (no login), the QR poster and the public API.

A resident finds the station and the designated worker of a village, reads the station's
board (上墙公开) and prints its poster; nothing of anyone served, and of the staff only
what they agreed to show. Pages are cached; the public API is rate-limited per address.
"""

import pytest
import segno
from django.test.utils import override_settings
from django.urls import reverse

from shegong.accounts.roles import Role
from shegong.stations.models import Station
from shegong.workforce.models import CertificateStatus

PUBLIC_URLS = {
    "public:finder",
    "public:board",
    "public:poster",
    "api:public_station_list",
    "api:public_station_board",
}


@pytest.fixture
def shown(world):
    """The own station publishes its board; its worker agreed to be shown, its lead not."""
    own = world.places["own"]
    Station.objects.filter(pk=own.station.pk).update(
        opening_hours="周一至周五 8:30–17:30",
        public_services="老人关爱\n儿童关爱",
        complaint_phone="0731-5030200",
        address="雨湖路1号",
    )
    own.worker.full_name, own.lead.full_name = "李公开", "王不公开"
    own.worker.save(update_fields=["full_name"])
    own.lead.save(update_fields=["full_name"])
    profile = own.worker.worker_profile
    profile.on_public_board = True
    profile.qualification = "social_worker"
    profile.certificate_status = CertificateStatus.VERIFIED
    profile.save()
    profile.designated_villages.set([own.village])
    lead_profile = own.lead.worker_profile
    lead_profile.designated_villages.set([own.village])
    return own


def _staff(place) -> int:
    from shegong.accounts.models import User

    roles = (Role.SOCIAL_WORKER, Role.STATION_LEAD)
    return User.objects.filter(station=place.station, is_active=True, role__in=roles).count()


def _private_values(world):
    """What no public page may ever show: people served, and staff's logins and phones."""
    values = []
    for place in world.places.values():
        values += [place.recipient.name, place.recipient.id_number, place.visit.situation]
        values += [place.worker.username, place.lead.username, place.case.presenting_problem]
        values += [u.phone for u in (place.worker, place.lead) if u.phone]
    return values


def test_a_resident_finds_the_station_and_worker_of_their_village(client, world, shown):
    top = client.get(reverse("public:finder"))
    assert top.status_code == 200 and "湖南省" in top.content.decode()
    found = client.get(reverse("public:finder"), {"region": shown.village}).content.decode()
    assert shown.station.name in found and "周一至周五 8:30–17:30" in found
    assert "李公开" in found and "社会工作师" in found  # the designated worker, shown
    assert "王不公开" not in found  # the lead did not agree to be shown
    township = client.get(reverse("public:finder"), {"region": shown.township}).content.decode()
    assert "雨湖路社区居委会" in township and "关圣殿社区居委会" in township
    assert shown.room.name in township  # the village room of the township too
    by_name = client.get(reverse("public:finder"), {"q": "关圣殿"}).content.decode()
    assert "关圣殿社区居委会" in by_name and "雨湖区" in by_name
    assert client.get(reverse("public:finder"), {"region": "4303xx"}).status_code == 404
    assert client.get(reverse("public:finder"), {"region": "439999"}).status_code == 404


def test_the_board_shows_what_the_station_publishes_and_nothing_else(
    client, world, shown, django_assert_num_queries
):
    url = reverse("public:board", args=[shown.station.pk])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    for text in ("雨湖路1号", "老人关爱", "儿童关爱", "0731-5030200", "李公开", "雨湖路社区居委会"):
        assert text in body, text
    unlisted = _staff(shown) - 1  # the lead and the rest are counted, not named
    assert f"还有 {unlisted} 名社工" in body
    for value in _private_values(world) + ["王不公开"]:
        assert value not in body, value
    assert "public" in page["Cache-Control"] and "max-age=300" in page["Cache-Control"]
    assert not page.cookies  # no session, no CSRF cookie: a page any proxy may keep
    with django_assert_num_queries(0):  # the second visitor is served from the cache
        assert client.get(url).content.decode() == body


def test_an_unqualified_or_unverified_level_is_not_claimed(client, world, shown):
    profile = shown.worker.worker_profile
    profile.certificate_status = CertificateStatus.SUBMITTED
    profile.save()
    body = client.get(reverse("public:board", args=[shown.station.pk])).content.decode()
    assert "李公开" in body and "社会工作师" not in body


def test_an_inactive_or_missing_station_has_no_board(client, world, shown):
    Station.objects.filter(pk=shown.station.pk).update(is_active=False)
    assert client.get(reverse("public:board", args=[shown.station.pk])).status_code == 404
    assert client.get(reverse("public:poster", args=[shown.station.pk])).status_code == 404
    assert client.get(reverse("public:board", args=[10**12])).status_code == 404
    assert client.get(f"/api/public/stations/{10**15}").status_code == 404


def test_the_poster_carries_a_qr_code_of_the_board(client, world, shown):
    page = client.get(reverse("public:poster", args=[shown.station.pk]))
    body = page.content.decode()
    board = "http://testserver" + reverse("public:board", args=[shown.station.pk])
    qr = segno.make(board, error="m")
    assert qr.svg_data_uri(scale=8, border=2) in body
    assert qr.version <= 4  # short enough to scan from across a room
    assert shown.station.name in body and "0731-5030200" in body


def test_every_role_sees_the_same_public_page(client, world, shown):
    """Signed in or not, the public pages show the same thing (never the viewer's data)."""
    url = reverse("public:board", args=[shown.station.pk])
    anonymous = client.get(url).content.decode()
    for role in (Role.SOCIAL_WORKER, Role.COUNTY_OFFICER, Role.SYSTEM_ADMIN):
        client.force_login(world.actors[role.value])
        page = client.get(url)
        assert page.status_code == 200
        assert "no-store" in page["Cache-Control"]  # a signed-in response is never kept
        for value in _private_values(world):
            assert value not in page.content.decode()
        assert "李公开" in page.content.decode()
        client.logout()
    assert "李公开" in anonymous


def test_the_public_api_lists_stations_by_region_without_login(client, world, shown):
    listed = client.get("/api/public/stations", {"region": "4303"}).json()
    ids = {s["id"] for s in listed["items"]}
    assert shown.station.pk in ids and world.places["neighbour"].station.pk in ids
    assert world.places["other_city"].station.pk not in ids
    assert client.get("/api/public/stations", {"region": "abc"}).json()["items"] == []
    board = client.get(f"/api/public/stations/{shown.station.pk}").json()
    assert (
        board["complaint_phone"] == "0731-5030200" and board["unlisted_staff"] == _staff(shown) - 1
    )
    assert [w["name"] for w in board["staff"]] == ["李公开"]
    text = str(board)
    for value in _private_values(world):
        assert value not in text


@override_settings(SHEGONG_PUBLIC_API_RATE="3/m")
def test_the_public_api_is_rate_limited_per_address(client, world, shown):
    codes = [client.get("/api/public/stations").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other = client.get("/api/public/stations", REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 200  # another address has its own allowance


def test_only_the_county_sets_the_supervision_phone(client, world, shown):
    url = reverse("stations:edit", args=[shown.station.pk])
    client.force_login(shown.lead)
    form = client.get(url).context["form"]
    assert form.fields["complaint_phone"].disabled
    assert not form.fields["opening_hours"].disabled
    client.force_login(world.actors["county_officer"])
    form = client.get(url).context["form"]
    assert not form.fields["complaint_phone"].disabled


def test_the_board_reads_as_many_rows_for_five_staff_as_for_one(client, world, shown):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .factories import ProfileFactory, UserFactory

    url = reverse("public:board", args=[shown.station.pk])
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    cache.clear()
    for i in range(5):
        worker = UserFactory(role=Role.SOCIAL_WORKER, station=shown.station, full_name=f"社工{i}")
        profile = ProfileFactory(user=worker, on_public_board=True)
        profile.designated_villages.set([shown.village])
    with CaptureQueriesContext(connection) as six:
        body = client.get(url).content.decode()
    assert "社工4" in body
    assert len(six) == len(one) <= 6
