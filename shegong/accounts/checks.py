from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def demo_accounts_disabled(app_configs, **kwargs):
    """No demo account (known password) may be active on a production system."""
    if settings.DEBUG:
        return []
    from django.db import DatabaseError

    from shegong.core.demo import LOGINS

    from .models import User

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


@register(Tags.security, deploy=True)
def production_keys_set(app_configs, **kwargs):
    from shegong.core.keys import missing_production_keys

    missing = missing_production_keys()
    if not missing:
        return []
    return [
        Error(
            f"Not set: {', '.join(missing)} (未设置生产密钥)",
            hint="See docs/security.md, 'Key custody'.",
            id="shegong.E002",
        )
    ]
