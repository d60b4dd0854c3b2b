"""Django admin is the system administrator's tool only (三员分立)."""

from django.contrib import admin


def is_system_admin(request) -> bool:
    """``is_staff`` is the system administrator's role and no other's (``User.save``)."""
    user = request.user
    return user.is_active and user.is_authenticated and user.is_staff


admin.site.has_permission = is_system_admin
admin.site.site_header = "Shegong 社工 — 系统管理"


class SystemAdminOnly(admin.ModelAdmin):
    def has_module_permission(self, request):
        return is_system_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_system_admin(request)

    def has_add_permission(self, request):
        return is_system_admin(request)

    def has_change_permission(self, request, obj=None):
        return is_system_admin(request)

    def has_delete_permission(self, request, obj=None):
        return False


class SystemAdminReadOnly(SystemAdminOnly):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
