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


def test_the_visit_form_picks_one_person_or_household_by_search(client, world):
    """Issue #14, part 6: no page renders every person of a station into a <select>; the
    person's page pre-fills "record a visit"; the household is found by its head."""
    people = _many(world)
    own = world.places["own"]
    client.force_login(world.actors["social_worker"])
    body = client.get(reverse("work:visit_create")).content.decode()
    assert 'data-testid="picker-recipient"' in body and 'data-testid="picker-household"' in body
    assert "测试00" not in body and "<option" not in body.split('name="recipient"')[0][-200:]
    # from a person's page: the visit form has them chosen and their village set
    prefilled = client.get(reverse("work:visit_create"), {"recipient": people[3].pk})
    form_html = prefilled.content.decode()
    assert f'name="recipient" value="{people[3].pk}"' in form_html and "测试03" in form_html
    assert prefilled.context["form"].initial["region"] == own.village
    one = client.get(reverse("people:pick"), {"q": "测试01", "name": "recipient", "single": "1"})
    assert 'type="radio"' in one.content.decode()
    assert f'data-region="{own.village}"' in one.content.decode()
    # a household by its head's name; another township's not at all
    from .factories import HouseholdFactory

    household = HouseholdFactory(region_id=own.village, head=own.recipient)
    found = client.get(
        reverse("people:pick"), {"q": own.recipient.name, "name": "household", "single": "1"}
    ).content.decode()
    assert f'value="{household.pk}"' in found
    far = world.places["neighbour"].recipient.name
    assert (
        "未找到"
        in client.get(
            reverse("people:pick"), {"q": far, "name": "household", "single": "1"}
        ).content.decode()
    )
    # and the visit is saved with the person chosen
    done = client.post(
        reverse("work:visit_create"),
        {
            "date": "2026-03-02",
            "region": own.village,
            "recipient": people[3].pk,
            "workers": [world.actors["social_worker"].pk],
            "hours": "1",
            "situation": "入户",
        },
    )
    assert done.status_code == 302
