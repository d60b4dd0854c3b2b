"""三员分立: the system, security and audit administrators stay apart (finding 2).

The security administrator once made a second security-admin account, which then made
itself the audit administrator and read the whole log. Now no web request creates an
administrator, moves an account into or out of an administrator role, or changes an
administrator account (its own included); ``manage.py admin_account`` on the server does,
with the operator and the reason in the audit log.
"""

import itertools

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from shegong.accounts.models import User
from shegong.accounts.roles import ADMIN_ROLES, Role
from shegong.audit.models import AuditEntry

from .factories import UserFactory

ADMINS = sorted(ADMIN_ROLES)


def _form(person: User, **changes) -> dict:
    data = {
        "username": person.username,
        "full_name": person.full_name or "x",
        "phone": "",
        "role": person.role,
        "scope_region": person.scope_region_id or "",
        "station": person.station_id or "",
        "agency": person.agency_id or "",
        "is_active": "on",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(("actor_role", "target_role"), list(itertools.product(ADMINS, ADMINS)))
def test_no_administrator_changes_an_administrator_account_from_the_web(
    client, world, actor_role, target_role
):
    """Every pair of the three, and each against itself (the diagonal)."""
    actor = world.actors[actor_role]
    target = actor if actor_role == target_role else world.actors[target_role]
    client.force_login(actor)
    edit = reverse("accounts:user_edit", args=[target.pk])
    for role in [*ADMINS, Role.COUNTY_OFFICER]:
        response = client.post(
            edit, _form(target, role=role, scope_region="430302" if role.endswith("er") else "")
        )
        assert response.status_code in (403, 404)
    for action in ("unlock", "reset_otp"):
        url = reverse("accounts:user_security", args=[target.pk, action])
        assert client.post(url).status_code in (403, 404)
    target.refresh_from_db()
    assert target.role == target_role and target.is_active
    assert not AuditEntry.objects.filter(action__startswith="shegong.user.").exists()


@pytest.mark.parametrize("new_role", ADMINS)
def test_the_security_admin_cannot_create_an_administrator(client, world, new_role):
    client.force_login(world.actors["security_admin"])
    page = client.get(reverse("accounts:user_create"))
    offered = {value for value, _label in page.context["form"].fields["role"].choices}
    assert not offered & ADMIN_ROLES
    response = client.post(
        reverse("accounts:user_create"),
        _form(User(username="second_admin", role=new_role), password="Strong#Pass2026"),
    )
    assert response.status_code == 200  # the form refuses the choice
    assert not User.objects.filter(username="second_admin").exists()


@pytest.mark.parametrize("new_role", ADMINS)
def test_an_ordinary_account_cannot_be_promoted_to_administrator(client, world, new_role):
    officer = world.actors["county_officer"]
    client.force_login(world.actors["security_admin"])
    client.post(reverse("accounts:user_edit", args=[officer.pk]), _form(officer, role=new_role))
    officer.refresh_from_db()
    assert officer.role == Role.COUNTY_OFFICER


def test_the_service_refuses_whatever_the_form_offered(world):
    """Defence in depth: the service itself refuses a role change into an admin role."""
    import dataclasses

    from django.core.exceptions import PermissionDenied

    from shegong.accounts.forms import UserForm
    from shegong.accounts.services import user_record

    officer = world.actors["county_officer"]
    by = world.actors["security_admin"]
    form = UserForm(_form(officer, full_name="改名"), instance=officer, user=by)
    assert form.is_valid(), form.errors
    data = dataclasses.replace(form.to_input(), role=Role.AUDIT_ADMIN)  # past the form
    with pytest.raises(PermissionDenied):
        user_record(by=by, data=data, instance=User.objects.get(pk=officer.pk))
    officer.refresh_from_db()
    assert officer.role == Role.COUNTY_OFFICER


def test_the_security_admin_still_manages_ordinary_accounts(client, world):
    officer = world.actors["county_officer"]
    client.force_login(world.actors["security_admin"])
    response = client.post(
        reverse("accounts:user_edit", args=[officer.pk]),
        _form(officer, role=Role.CITY_OFFICER, scope_region="4303"),
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.role == Role.CITY_OFFICER
    assert AuditEntry.objects.filter(action="shegong.user.role_changed").count() == 1


def test_nobody_changes_their_own_role_or_scope(world):
    """Even a role allowed to change accounts may not change its own (checked in the service,
    which every caller goes through)."""
    from django.core.exceptions import PermissionDenied

    from shegong.accounts.services import check_role_change

    for actor in world.actors.values():
        with pytest.raises(PermissionDenied):
            check_role_change(
                by=actor,
                target_pk=actor.pk,
                old_role=actor.role,
                new_role=actor.role,
                fields=["scope_region"],
            )


def test_the_server_command_manages_administrators_and_is_audited(world, monkeypatch):
    monkeypatch.setenv("SHEGONG_ADMIN_PASSWORD", "Strong#Pass2026")
    call_command("admin_account", "create", username="sec2", role="security_admin", reason="轮岗")
    sec2 = User.objects.get(username="sec2")
    assert sec2.role == Role.SECURITY_ADMIN and sec2.check_password("Strong#Pass2026")
    call_command("admin_account", "set-role", username="sec2", role="audit_admin", reason="调岗")
    sec2.refresh_from_db()
    assert sec2.role == Role.AUDIT_ADMIN
    call_command("admin_account", "revoke", username="sec2", reason="离职")
    sec2.refresh_from_db()
    assert sec2.role == "" and not sec2.is_active
    entries = AuditEntry.objects.filter(action__startswith="shegong.user.admin_").order_by("pk")
    assert [e.action for e in entries] == [
        "shegong.user.admin_create",
        "shegong.user.admin_set_role",
        "shegong.user.admin_revoke",
    ]
    assert all(e.actor_name.startswith("server:") and e.data["reason"] for e in entries)
    assert entries[1].data["from"] == "security_admin" and entries[1].data["to"] == "audit_admin"


def test_the_command_needs_a_reason_and_an_administrator_role(world):
    with pytest.raises(CommandError):
        call_command("admin_account", "create", username="x", role="security_admin", reason=" ")
    officer = UserFactory(username="plain", role=Role.COUNTY_OFFICER, scope_region_id="430302")
    with pytest.raises(CommandError):
        call_command("admin_account", "revoke", username=officer.username, reason="无")
