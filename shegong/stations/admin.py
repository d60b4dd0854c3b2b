from django.contrib import admin

from shegong.core.admin import SystemAdminOnly

from .models import Agency, Station


@admin.register(Station)
class StationAdmin(SystemAdminOnly):
    list_display = ["name", "tier", "region", "agency", "service_version", "star_rating"]
    list_filter = ["tier", "service_version", "star_rating"]
    search_fields = ["name", "=region__code"]
    raw_id_fields = ["region", "agency"]
    list_select_related = ["region", "agency"]


@admin.register(Agency)
class AgencyAdmin(SystemAdminOnly):
    list_display = ["name", "credit_code", "region"]
    search_fields = ["name", "=credit_code"]
    raw_id_fields = ["region"]
    list_select_related = ["region"]
