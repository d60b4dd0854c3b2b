"""Nothing personal is cached, and the API's map is not public (finding 10)."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    "url",
    [
        "/people/",
        "/people/?export=csv",
        "/people/?export=xlsx",
        "/work/visits/",
        "/api/recipients",
        "/indicators/",
        "/regions/search/?q=4303",
        "/",
    ],
)
def test_every_response_to_a_logged_in_user_is_no_store(client, world, url):
    client.force_login(world.actors["social_worker"])
    response = client.get(url)
    assert response.status_code == 200, url
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_a_persons_page_is_no_store(client, world):
    person = world.places["own"].recipient
    client.force_login(world.actors["social_worker"])
    response = client.get(reverse("people:detail", args=[person.pk]))
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/api/docs", "/api/openapi.json"])
def test_the_api_docs_need_a_login(client, world, path, settings):
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]
    client.force_login(world.actors["county_officer"])
    assert client.get(path).status_code == 200
    client.logout()
    settings.SHEGONG_API_DOCS_PUBLIC = True
    assert client.get(path).status_code == 200
