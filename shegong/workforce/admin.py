from django.contrib import admin

from shegong.core.admin import SystemAdminReadOnly

from .models import SocialWorkerProfile


@admin.register(SocialWorkerProfile)
class SocialWorkerProfileAdmin(SystemAdminReadOnly):
    list_display = ["user", "education", "qualification", "hire_date"]
    list_filter = ["education", "qualification"]
    list_select_related = ["user"]
