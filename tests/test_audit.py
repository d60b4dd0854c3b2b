"""The audit log: append-only in the database, six months' retention, the audit admin's alone."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shegong.audit.models import AppendOnlyError, AuditEntry
from shegong.audit.services import audit_log


@pytest.fixture
def no_maintenance(settings):
    """The production state: the test-only flush switch is off on this connection."""
    settings.SHEGONG_AUDIT_MAINTENANCE = False
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET LOCAL shegong.audit_maintenance = 'off'")


def _refused(sql, params=()):
    with (
        pytest.raises((DatabaseError, IntegrityError)),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(sql, params)


def test_entries_cannot_be_changed_or_deleted(db, no_maintenance):
    entry = audit_log(action="shegong.test.event", data={"x": 1})
    entry.action = "shegong.test.forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    _refused("UPDATE audit_auditentry SET action = 'forged' WHERE id = %s", [entry.pk])
    _refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "shegong.test.event"


def _insert_old(days: int) -> int:
    at = timezone.now() - datetime.timedelta(days=days)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO audit_auditentry (at, actor_name, action, object_type, object_id,"
            " object_repr, success, data) VALUES (%s, '', 'shegong.test.old', '', '', '', %s, %s)",
            [at, True, "{}"],
        )
    return AuditEntry.objects.filter(action="shegong.test.old").latest("pk").pk


def test_purge_keeps_six_months(db, no_maintenance):
    old = _insert_old(400)
    recent = audit_log(action="shegong.test.recent").pk
    with pytest.raises(CommandError, match="180"):
        call_command("purge_audit", older_than_days=30, stdout=io.StringIO())
    call_command("purge_audit", older_than_days=365, stdout=io.StringIO())
    assert not AuditEntry.objects.filter(pk=old).exists()
    assert AuditEntry.objects.filter(pk=recent).exists()
    assert AuditEntry.objects.filter(action="shegong.audit.purged").exists()


def test_only_the_audit_admin_reads_and_exports_the_log(client, world):
    audit_log(action="shegong.test.marker", data={"username": "someone"})
    for role, user in world.actors.items():
        client.force_login(user)
        status = client.get(reverse("audit:list")).status_code
        assert status == (200 if role == "audit_admin" else 404), role
    client.force_login(world.actors["audit_admin"])
    body = client.get(reverse("audit:list"), {"action": "shegong.test"}).content.decode()
    assert "shegong.test.marker" in body
    response = client.get(reverse("audit:list"), {"export": "xlsx", "action": "shegong.test"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert any("shegong.test.marker" in str(c) for r in rows for c in r)
    assert AuditEntry.objects.filter(
        action="shegong.export", actor=world.actors["audit_admin"]
    ).exists()


def test_every_export_is_logged_and_personal_ones_need_permission(client, world):
    client.force_login(world.actors["province_officer"])
    assert client.get(reverse("stations:list"), {"export": "csv"}).status_code == 200
    assert client.get(reverse("people:list"), {"export": "csv"}).status_code == 403
    actions = list(AuditEntry.objects.values_list("action", "success"))
    assert ("shegong.export", True) in actions and ("shegong.export.refused", False) in actions
