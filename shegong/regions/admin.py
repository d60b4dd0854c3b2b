from django.contrib import admin

from shegong.core.admin import SystemAdminReadOnly

from .models import Region


@admin.register(Region)
class RegionAdmin(SystemAdminReadOnly):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["=code", "name"]
    show_full_result_count = False
