"""The logged-in user from the shared cache (``accounts.usercache``), and never a stale one.

With a shared cache every request loaded the user with scope region and station from the
database, a fifteenth of the CPU under load. Now the loaded user is kept a minute and
forgotten the moment it, its station or its scope region changes, however it changes:
saved, updated through a query set, deactivated, its password changed. The tests run with
the setting on (the suite's cache is one process's memory, so it is off by default here,
as it is in any deployment without Redis).
"""

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shegong.accounts.backends import ShegongBackend
from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.accounts.usercache import _key
from shegong.regions.models import Region

HOME = "/"


@pytest.fixture
def cached(settings):
    settings.SHEGONG_USER_CACHE_SECONDS = 60
    yield
    cache.clear()


def _user_loads(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT")
        and 'FROM "accounts_user" LEFT OUTER JOIN' in q["sql"]
        and 'WHERE "accounts_user"."id" =' in q["sql"]
    ]


def _logged_in(client, user):
    client.force_login(user)
    assert client.get(HOME).status_code == 200  # warm: the session's first write
    return client


def test_a_second_request_reads_no_user_from_the_database(client, world, cached, settings):
    worker = world.places["own"].worker
    _logged_in(client, worker)
    with CaptureQueriesContext(connection) as on:
        assert client.get(HOME).status_code == 200
    settings.SHEGONG_USER_CACHE_SECONDS = 0
    with CaptureQueriesContext(connection) as off:
        assert client.get(HOME).status_code == 200
    assert _user_loads(on.captured_queries) == []
    assert len(_user_loads(off.captured_queries)) == 1
    assert len(off.captured_queries) == len(on.captured_queries) + 1
    kept = cache.get(_key(worker.pk))
    # kept with what every page reads: the station and scope region, no query to reach them
    with CaptureQueriesContext(connection) as reach:
        assert kept.station.name == worker.station.name
        assert kept.scope_region.code == worker.station.region_id
    assert reach.captured_queries == []


def test_off_by_default_without_a_shared_cache(client, world, settings):
    assert settings.SHEGONG_USER_CACHE_SECONDS == 0  # the suite has no Redis
    worker = world.places["own"].worker
    _logged_in(client, worker)
    assert cache.get(_key(worker.pk)) is None


@pytest.mark.parametrize("how", ["save", "queryset update", "bulk_update"])
def test_a_deactivated_user_is_out_at_the_next_request(client, world, cached, how):
    worker = world.places["own"].worker
    _logged_in(client, worker)
    assert cache.get(_key(worker.pk)) is not None
    if how == "save":
        worker.is_active = False
        worker.save()
    elif how == "queryset update":
        User.objects.filter(username=worker.username).update(is_active=False)
    else:
        worker.is_active = False
        User.objects.bulk_update([worker], ["is_active"])
    assert cache.get(_key(worker.pk)) is None
    response = client.get(HOME)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_changed_password_ends_the_other_sessions(client, world, cached):
    worker = world.places["own"].worker
    _logged_in(client, worker)
    worker.set_password("Changed0ne!")
    worker.save()
    response = client.get(HOME)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_new_role_applies_at_the_next_request(client, world, cached):
    officer = world.actors[Role.COUNTY_OFFICER.value]
    _logged_in(client, officer)
    assert client.get(reverse("audit:list")).status_code == 404  # not a place for this role
    officer.role = Role.AUDIT_ADMIN
    officer.scope_region = None
    officer.save()
    assert client.get(reverse("audit:list")).status_code == 200


def test_a_renamed_station_or_region_is_read_again(world, cached):
    worker = world.places["own"].worker
    officer = world.actors[Role.COUNTY_OFFICER.value]
    backend = ShegongBackend()
    assert backend.get_user(worker.pk).station.name == worker.station.name
    assert backend.get_user(officer.pk).scope_region.name != "改名区"
    station = worker.station
    station.name = "改名社工站"
    station.save()
    region = Region.objects.get(pk=officer.scope_region_id)
    region.name = "改名区"
    region.save()
    assert backend.get_user(worker.pk).station.name == "改名社工站"
    assert backend.get_user(officer.pk).scope_region.name == "改名区"


def test_a_row_read_while_the_change_was_written_is_dropped_at_commit(
    world, cached, django_capture_on_commit_callbacks
):
    """A request that loaded the old row between the save and the commit cached it: the
    commit forgets it again."""
    worker = world.places["own"].worker
    old = ShegongBackend().get_user(worker.pk)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        worker.full_name = "新名字"
        worker.save()
        assert cache.get(_key(worker.pk)) is None
        cache.set(_key(worker.pk), old, 60)  # another request, reading before the commit
    assert cache.get(_key(worker.pk)) is None
    assert ShegongBackend().get_user(worker.pk).full_name == "新名字"


def test_an_unreachable_cache_reads_the_database(client, world, cached, monkeypatch):
    worker = world.places["own"].worker
    _logged_in(client, worker)

    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    response = client.get(HOME)
    assert response.status_code == 200
    assert worker.display_name in response.content.decode()
