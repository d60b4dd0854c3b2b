"""Issue #14, part 2: a household is corrected on its page and through the API.

Its address and its head (one of its own members) change; the members' relations follow,
each a new version of the person; the address is never in the audit log or the API.
"""

import json

from django.urls import reverse

from shegong.audit.models import AuditEntry
from shegong.people.models import Recipient

from .factories import HouseholdFactory, RecipientFactory, make_id_number

HOUSEHOLD_URLS = {"people:household_edit", "api:household_get", "api:household_update"}


def _household(place):
    """The place's person as head, their spouse, and a person of another household."""
    head = place.recipient
    household = HouseholdFactory(region_id=place.village, address="老屋1号", head=head)
    Recipient.objects.filter(pk=head.pk).update(household=household, relation="head")
    spouse = RecipientFactory(
        name="配偶",
        region_id=place.village,
        household=household,
        relation="spouse",
        id_number=make_id_number(place.county, "19520202", 301),
    )
    stranger = RecipientFactory(
        name="邻居",
        region_id=place.village,
        id_number=make_id_number(place.county, "19600303", 302),
    )
    return household, head, spouse, stranger


def test_the_head_changes_on_the_page_and_relations_follow(client, world):
    own = world.places["own"]
    household, head, spouse, stranger = _household(own)
    url = reverse("people:household_edit", args=[household.pk])
    client.force_login(own.worker)
    page = client.get(url)
    assert page.status_code == 200 and "老屋1号" in page.content.decode()
    assert AuditEntry.objects.filter(action="shegong.household.opened_for_edit").count() == 1
    before = {p.pk: p.version for p in (head, spouse)}
    base = {"address": "新屋2号", "version": household.version, "idempotency_key": "a" * 32}
    # someone outside the household cannot be its head: nothing saved
    refused = client.post(url, base | {"head": stranger.pk})
    assert refused.status_code == 200 and "head" in refused.context["form"].errors
    household.refresh_from_db()
    assert household.address == "老屋1号" and household.head_id == head.pk
    done = client.post(
        url,
        base | {"head": spouse.pk, "former_head_relation": "spouse", "idempotency_key": "b" * 32},
    )
    assert done.status_code == 302
    household.refresh_from_db()
    head.refresh_from_db()
    spouse.refresh_from_db()
    assert household.address == "新屋2号" and household.head_id == spouse.pk
    assert household.version == 2
    assert (spouse.relation, head.relation) == ("head", "spouse")
    assert spouse.version == before[spouse.pk] + 1 and head.version == before[head.pk] + 1
    entry = AuditEntry.objects.get(action="shegong.household.changed")
    assert "新屋" not in json.dumps(entry.data, ensure_ascii=False)  # the address is personal
    # who may not: a county officer sees people but corrects none; another township's
    # worker does not see this household at all
    client.force_login(world.actors["county_officer"])
    assert client.get(url).status_code == 403
    client.force_login(world.places["neighbour"].worker)
    assert client.get(url).status_code == 404


def _put(client, url, body, version=None):
    headers = {"If-Match": f'"{version}"'} if version is not None else {}
    return client.put(url, json.dumps(body), content_type="application/json", headers=headers)


def test_a_household_is_corrected_through_the_api_with_its_version(client, world):
    own = world.places["own"]
    household, head, spouse, stranger = _household(own)
    url = f"/api/households/{household.pk}"
    client.force_login(own.worker)
    read = client.get(url).json()
    assert read["head_id"] == head.pk and sorted(read["members"]) == sorted([head.pk, spouse.pk])
    assert "address" not in read
    assert _put(client, url, {"head": spouse.pk}).status_code == 428
    outsider = _put(client, url, {"head": stranger.pk}, version=read["version"])
    assert outsider.status_code == 422 and "head" in outsider.json()["errors"]
    ok = _put(client, url, {"head": spouse.pk, "address": "新屋"}, version=read["version"])
    assert ok.status_code == 200 and ok.json()["version"] == read["version"] + 1
    spouse.refresh_from_db()
    head.refresh_from_db()
    assert (spouse.relation, head.relation) == ("head", "other")  # 其他 when not given
    stale = _put(client, url, {"head": head.pk}, version=read["version"])
    assert stale.status_code == 409 and stale.json()["current"]["head_id"] == spouse.pk
    client.force_login(world.actors["county_officer"])
    assert client.get(url).status_code == 200
    assert _put(client, url, {"head": head.pk}, version=2).status_code == 403
    client.force_login(world.places["neighbour"].worker)
    assert client.get(url).status_code == 404
    assert _put(client, url, {"head": head.pk}, version=2).status_code == 404
