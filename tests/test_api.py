import pytest


def test_openapi_schema_lists_the_endpoints(client, world):
    client.force_login(world.actors["social_worker"])
    schema = client.get("/api/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/api/stations",
        "/api/stations/{station_id}",
        "/api/agencies",
        "/api/regions/{code}",
        "/api/regions/{code}/children",
    } <= paths


def test_station_list_paginates_and_filters(client, world):
    client.force_login(world.actors["province_officer"])
    page = client.get("/api/stations", {"limit": 2}).json()
    assert page["count"] == 6 and len(page["items"]) == 2
    rooms = client.get("/api/stations", {"tier": "village_room"}).json()
    assert {s["name"] for s in rooms["items"]} == {
        "own社工室",
        "neighbour社工室",
        "other_city社工室",
    }
    scoped = client.get("/api/stations", {"region": "4303"}).json()
    assert scoped["count"] == 4


def test_region_children_carry_counts(client, world):
    client.force_login(world.actors["city_officer"])
    rows = client.get("/api/regions/4303/children").json()
    by_code = {r["code"]: r for r in rows}
    assert by_code["430302"]["stations"] == 2  # township station and village room
    assert by_code["430302"]["staff"] == 4  # worker and lead of own, and the actors there
    assert by_code["430304"]["stations"] == 2


@pytest.mark.parametrize("bad", ["/api/stations/abc", "/api/stations/999999"])
def test_bad_ids_are_client_errors(client, world, bad):
    client.force_login(world.actors["province_officer"])
    assert client.get(bad).status_code in (404, 422)
