from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from shegong.core.signals import export_requested

from .services import audit_log


@receiver(export_requested)
def _export(sender, request, allowed, fmt, filters, **kwargs):
    """Every export, and every refused one, is on the record (PIPL: who took what out)."""
    if allowed:
        audit_log(
            action="shegong.export",
            request=request,
            data={"list": str(sender.title), "format": fmt, **filters},
        )
    else:
        audit_log(
            action="shegong.export.refused",
            request=request,
            success=False,
            data={"list": str(sender.title)},
        )


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_log(action="shegong.auth.login", actor=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_log(action="shegong.auth.logout", actor=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit_log(
        action="shegong.auth.login_failed",
        request=request,
        success=False,
        data={"username": str(credentials.get("username", ""))[:150]},
    )


@receiver(user_locked_out)
def _locked_out(sender, request=None, username=None, **kwargs):
    """The account is locked (django-axes): the attempt that locked it and every attempt
    refused while it stays locked."""
    audit_log(
        action="shegong.auth.locked_out",
        request=request,
        success=False,
        data={"username": str(username or "")[:150]},
    )


@receiver(connection_created)
def _audit_maintenance(sender, connection, **kwargs):
    """Tell the append-only trigger whether this connection may flush (tests only)."""
    allowed = bool(getattr(settings, "SHEGONG_AUDIT_MAINTENANCE", False))
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "shegong_audit_maintenance", 0, lambda: int(settings.SHEGONG_AUDIT_MAINTENANCE)
        )
    elif connection.vendor == "postgresql" and allowed:
        with connection.cursor() as cur:
            cur.execute("SET shegong.audit_maintenance = 'on'")
