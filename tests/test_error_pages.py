"""Issue #11, part 5: every error page is Chinese and in the site's layout (JSON on the API)."""

from django.test import Client, RequestFactory
from django.urls import reverse

from shegong.core import errors


def test_not_found_is_chinese_in_the_layout(client, world):
    client.force_login(world.actors["county_officer"])
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in body and 'data-testid="whoami"' in body and "Not Found" not in body


def test_a_refusal_says_why_in_chinese(client, world):
    client.force_login(world.actors["evaluator"])
    response = client.get(reverse("indicators:rule_set_create"))
    body = response.content.decode()
    assert response.status_code == 403 and "403 Forbidden" not in body
    assert 'data-testid="error-page"' in body and ("无权" in body or "只有" in body)


def test_the_api_answers_errors_in_json_in_chinese(client, world):
    client.force_login(world.actors["social_worker"])
    missing = client.get("/api/visits/999999")
    assert missing.status_code == 404 and "未找到" in missing.json()["detail"]
    nowhere = client.get("/api/no-such-endpoint")
    assert nowhere.status_code == 404 and "未找到" in nowhere.json()["detail"]


def test_a_stale_form_is_explained_not_a_django_page(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.actors["social_worker"])
    response = browser.post(reverse("work:visit_create"), {"situation": "x"})
    body = response.content.decode()
    assert response.status_code == 403 and "表单" in body and "CSRF" not in body


def test_a_server_error_page_needs_nothing_but_itself():
    response = errors.server_error(RequestFactory().get("/work/visits/"))
    assert response.status_code == 500 and "服务器出错了" in response.content.decode()
    api = errors.server_error(RequestFactory().get("/api/visits"))
    assert api.status_code == 500 and api["Content-Type"] == "application/json"


def test_a_debugging_server_says_so_on_every_page(client, world, settings):
    client.force_login(world.actors["county_officer"])
    assert 'data-testid="development-server"' not in client.get(reverse("home")).content.decode()
    settings.DEBUG = True
    body = client.get(reverse("home")).content.decode()
    assert 'data-testid="development-server"' in body and "开发服务器" in body
