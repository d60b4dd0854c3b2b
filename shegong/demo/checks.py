"""Deploy checks of the demo: its accounts have a published password."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError

from shegong.accounts.models import User

from .province import LOGINS


@register(Tags.security, deploy=True)
def demo_accounts_disabled(app_configs, **kwargs):
    """No demo account (known password) may be active on a production system."""
    if settings.DEBUG:
        return []

    names = [username for username, *_rest in LOGINS]
    try:
        active = list(
            User.objects.filter(username__in=names, is_active=True).values_list(
                "username", flat=True
            )
        )
    except DatabaseError:  # no tables yet: nothing to check
        return []
    if not active:
        return []
    return [
        Error(
            f"Demo accounts are active: {', '.join(sorted(active))} (演示账号未停用)",
            hint="Deactivate them (is_active=False) or delete them before going live.",
            id="shegong.E001",
        )
    ]
