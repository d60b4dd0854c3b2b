import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.audit.models import AuditEntry


def test_station_roles_take_scope_from_station(world):
    worker = world.places["own"].worker
    assert worker.scope_region_id == "430302001"
    assert worker.agency_id is None
    agency_admin = world.actors["agency_admin"]
    assert agency_admin.scope_region_id == "430302"


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"role": Role.COUNTY_OFFICER, "scope_region_id": "4303"}, "scope_region"),
        ({"role": Role.COUNTY_OFFICER}, "scope_region"),
        ({"role": Role.SOCIAL_WORKER}, "station"),
        ({"role": Role.AGENCY_ADMIN}, "agency"),
        ({"role": Role.EVALUATOR}, "scope_region"),
    ],
)
def test_role_needs_the_right_scope(regions, fields, error_field):
    user = User(username="x", **fields)
    with pytest.raises(ValidationError) as exc:
        user.full_clean(exclude=["password"])
    assert error_field in exc.value.message_dict


def test_no_one_is_a_django_superuser(world):
    sysadmin = world.actors["system_admin"]
    assert sysadmin.is_staff and not sysadmin.is_superuser
    assert not User.objects.filter(is_superuser=True).exists()
    assert set(User.objects.filter(is_staff=True).values_list("role", flat=True)) == {
        Role.SYSTEM_ADMIN
    }


def test_security_admin_creates_an_officer_and_it_is_audited(client, world):
    client.force_login(world.actors["security_admin"])
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "newofficer",
            "full_name": "新干部",
            "role": "county_officer",
            "scope_region": "430304",
            "password": "Xk9#mPq2vL",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newofficer")
    assert user.check_password("Xk9#mPq2vL")
    assert user.scope_region_id == "430304"
    assert AuditEntry.objects.filter(action="shegong.user.created", object_id=str(user.pk)).exists()


def test_weak_password_is_refused(client, world):
    client.force_login(world.actors["security_admin"])
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "weak",
            "role": "county_officer",
            "scope_region": "430304",
            "password": "12345678",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="weak").exists()
    assert "password" in response.context["form"].errors


def test_role_change_is_audited_as_such(client, world):
    client.force_login(world.actors["security_admin"])
    target = world.actors["county_officer"]
    response = client.post(
        reverse("accounts:user_edit", args=[target.pk]),
        {
            "username": target.username,
            "full_name": "升任",
            "role": "city_officer",
            "scope_region": "4303",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.CITY_OFFICER
    assert AuditEntry.objects.filter(action="shegong.user.role_changed").count() == 1


def test_system_admin_cannot_grant_roles(client, world):
    client.force_login(world.actors["system_admin"])
    target = world.actors["county_officer"]
    response = client.post(
        reverse("accounts:user_edit", args=[target.pk]),
        {"username": target.username, "role": "province_officer", "scope_region": "43"},
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.role == Role.COUNTY_OFFICER


def test_login_and_failed_login_are_audited(client, world):
    user = world.actors["county_officer"]
    bad = client.post(reverse("accounts:login"), {"username": user.username, "password": "no"})
    assert bad.status_code == 200
    assert "请输入一个正确的用户名和密码" in bad.content.decode() or bad.context["form"].errors
    ok = client.post(
        reverse("accounts:login"), {"username": user.username, "password": "Passw0rd!"}
    )
    assert ok.status_code == 302
    actions = list(AuditEntry.objects.order_by("at", "pk").values_list("action", "success"))
    assert actions == [("shegong.auth.login_failed", False), ("shegong.auth.login", True)]


def test_pages_default_to_chinese_even_for_english_browsers(client, world):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in response.content.decode()
    client.cookies["django_language"] = "en"
    response = client.get(reverse("accounts:login"))
    assert "Log in" in response.content.decode()


def test_a_password_an_administrator_set_is_changed_at_first_login(client, world):
    """等保: an account made (or reset) by the security administrator must choose its own
    password before anything else, on the pages and on the API."""
    client.force_login(world.actors["security_admin"])
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "firstlogin",
            "full_name": "新人",
            "role": "county_officer",
            "scope_region": "430302",
            "password": "Xk9#mP2$vQ7!",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="firstlogin")
    assert user.must_change_password
    client.logout()
    client.force_login(user)
    page = client.get(reverse("stations:list"))
    assert page.status_code == 302 and page["Location"] == reverse("accounts:password_change")
    api = client.get("/api/stations")
    assert api.status_code == 403 and "初始密码" in api.json()["detail"]
    changed = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "Xk9#mP2$vQ7!",
            "new_password1": "Wq4&nR8%zT1@",
            "new_password2": "Wq4&nR8%zT1@",
        },
    )
    assert changed.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(reverse("stations:list")).status_code == 200
