"""Issue #11, part 8: the words a user reads (labels, households, long text, saving twice)."""

import re
import uuid

from django.urls import reverse

from shegong.work.models import AdminWork


def test_a_person_has_a_name_and_a_household_its_head_and_village(client, world):
    client.force_login(world.actors["social_worker"])
    body = client.get(reverse("people:create")).content.decode()
    assert re.search(r'<label[^>]*for="id_name"[^>]*>\s*姓名', body)
    own = world.places["own"]
    household = own.recipient.household
    if household is not None:
        assert own.recipient.name in str(household) and household.region.name in str(household)


def test_saving_twice_lands_on_the_saved_record_with_a_success_message(client, world):
    client.force_login(world.actors["social_worker"])
    data = {
        "date": "2026-03-02",
        "task": "checks",
        "hours": "2",
        "region": world.places["own"].township,
        "idempotency_key": uuid.uuid4().hex,
    }
    url = reverse("work:admin_work_create")
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert AdminWork.objects.count() == 1
    messages = [str(m) for m in again.context["messages"]]
    assert any("已保存" in m for m in messages), messages


def test_long_text_is_cut_short_in_lists(client, world):
    client.force_login(world.actors["social_worker"])
    data = {
        "date": "2026-03-02",
        "task": "other",
        "hours": "1",
        "region": world.places["own"].township,
        "description": "长" * 200,
    }
    assert client.post(reverse("work:admin_work_create"), data).status_code == 302
    body = client.get(reverse("work:admin_work_list")).content.decode()
    assert "长" * 200 not in body and "长" * 100 in body


def test_every_page_has_a_favicon(client, world):
    client.force_login(world.actors["county_officer"])
    assert 'rel="icon"' in client.get(reverse("home")).content.decode()


def test_region_filters_are_pickers_by_name(client, world):
    client.force_login(world.actors["city_officer"])
    body = client.get(reverse("stations:list")).content.decode()
    assert 'data-testid="region-picker"' in body and 'list="filter-region-options"' in body
    options = client.get(reverse("regions:search"), {"q": "雨湖"}).content.decode()
    assert 'value="430302"' in options
