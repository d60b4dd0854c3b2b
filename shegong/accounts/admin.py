from django.contrib import admin

from shegong.core.admin import SystemAdminReadOnly

from .models import User


@admin.register(User)
class UserAdmin(SystemAdminReadOnly):
    """Read-only here: roles and scopes are granted by the security administrator."""

    list_display = ["username", "full_name", "role", "scope_region", "station", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name"]
    list_select_related = ["scope_region", "station"]
    exclude = ["password", "user_permissions", "groups"]
