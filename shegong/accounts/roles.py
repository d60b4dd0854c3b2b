"""Roles, and which region level each officer role is bound to."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shegong.regions.models import Level


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", _("Resident social worker")
    STATION_LEAD = "station_lead", _("Station lead")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    COUNTY_OFFICER = "county_officer", _("County civil-affairs officer")
    CITY_OFFICER = "city_officer", _("City civil-affairs officer")
    PROVINCE_OFFICER = "province_officer", _("Province civil-affairs officer")
    EVALUATOR = "evaluator", _("Evaluator")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


OFFICER_LEVELS = {
    Role.COUNTY_OFFICER: Level.COUNTY,
    Role.CITY_OFFICER: Level.CITY,
    Role.PROVINCE_OFFICER: Level.PROVINCE,
}
OFFICER_ROLES = frozenset(OFFICER_LEVELS)
STATION_ROLES = frozenset({Role.SOCIAL_WORKER, Role.STATION_LEAD})
# 等保 三员分立: the three administrators are kept apart; none holds another role.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
