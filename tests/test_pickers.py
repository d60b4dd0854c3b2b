"""Issue #11, part 8: group members and activity participants are chosen by search.

The form renders only the people already chosen (not a box for every person of the
township); a search returns matching people the worker may record work for; the server
still refuses anyone outside that set.
"""

import re

from django.urls import reverse

from shegong.work.models import Group

from .factories import RecipientFactory, make_id_number


def _group(world, **over):
    own = world.places["own"]
    return {
        "name": "银龄互助小组",
        "nature": "support",
        "goals": "互助",
        "target": "老年人",
        "planned_sessions": "6",
        "region": own.township,
        "workers": [world.actors["social_worker"].pk],
        "stage": "preparation",
        **over,
    }


def _many(world, n=30):
    village = world.places["own"].village
    return [
        RecipientFactory(
            name=f"测试{i:02d}", region_id=village, id_number=make_id_number("430302", seq=400 + i)
        )
        for i in range(n)
    ]


def test_the_form_shows_the_chosen_not_everyone(client, world):
    _many(world)
    client.force_login(world.actors["social_worker"])
    body = client.get(reverse("work:group_create")).content.decode()
    assert 'data-testid="picker-members"' in body
    assert "测试00" not in body  # no box for every person
    assert len(re.findall(r'name="members"', body)) == 0


def test_a_search_returns_people_the_worker_may_record_for(client, world):
    people = _many(world)
    client.force_login(world.actors["social_worker"])
    page = client.get(reverse("people:pick"), {"q": "测试0", "name": "members"})
    body = page.content.decode()
    assert page.status_code == 200
    assert len(re.findall(r'name="members"', body)) == 10  # 测试00 … 测试09
    assert f'value="{people[0].pk}"' in body
    by_initials = client.get(reverse("people:pick"), {"q": "cs", "name": "participants"})
    assert len(re.findall(r'name="participants"', by_initials.content.decode())) == 20  # capped
    other = world.places["neighbour"].recipient
    far = client.get(reverse("people:pick"), {"q": other.name, "name": "members"})
    assert other.name not in far.content.decode() and "未找到" in far.content.decode()
    assert client.get(reverse("people:pick"), {"q": "测试", "name": "x"}).status_code == 404
    client.force_login(world.actors["county_officer"])  # sees people, records nothing
    officer = client.get(reverse("people:pick"), {"q": "测试", "name": "members"})
    assert "测试00" not in officer.content.decode()


def test_chosen_members_are_saved_and_shown_again_and_strangers_refused(client, world):
    people = _many(world, 3)
    client.force_login(world.actors["social_worker"])
    chosen = [people[0].pk, people[2].pk]
    saved = client.post(reverse("work:group_create"), _group(world, members=chosen))
    assert saved.status_code == 302
    group = Group.objects.latest("pk")
    assert sorted(group.members.values_list("pk", flat=True)) == sorted(chosen)
    edit = client.get(reverse("work:group_edit", args=[group.pk])).content.decode()
    assert "测试00" in edit and "测试02" in edit and "测试01" not in edit
    assert len(re.findall(r'name="members"[^>]*checked', edit)) == 2
    stranger = world.places["neighbour"].recipient.pk
    refused = client.post(reverse("work:group_create"), _group(world, members=[stranger]))
    assert refused.status_code == 200
    assert "members" in refused.context["form"].errors
