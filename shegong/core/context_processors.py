from django.conf import settings
from django.utils.translation import gettext_lazy as _

from shegong.accounts.roles import ADMIN_ROLES, Role


def navigation(request):
    """The menu a user sees: only the places their role can reach."""
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        items.append(("home", _("Home")))
        if user.role and user.role != Role.AUDIT_ADMIN:
            items.append(("regions:browse", _("Regions")))
            items.append(("stations:list", _("Stations")))
            items.append(("stations:agency_list", _("Agencies")))
        if user.role and user.role not in (Role.EVALUATOR, Role.AUDIT_ADMIN):
            items.append(("accounts:user_list", _("People")))
    return {
        "nav_items": items,
        "site_name": settings.SHEGONG_SITE_NAME,
        "is_system_admin": bool(user and getattr(user, "role", "") == Role.SYSTEM_ADMIN),
        "is_admin_role": bool(user and getattr(user, "role", "") in ADMIN_ROLES),
    }
