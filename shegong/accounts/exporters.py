from django.utils.translation import gettext_lazy as _

from shegong.core.exporters import Column, Exporter, choice


class UserExporter(Exporter):
    title = _("People")
    columns = [
        Column(_("Username"), lambda u: u.username, 16),
        Column(_("Full name"), lambda u: u.full_name, 12),
        Column(_("Role"), choice("role"), 20),
        Column(_("Scope region"), lambda u: u.scope_region.name if u.scope_region else "", 16),
        Column(_("Division code"), lambda u: u.scope_region_id or "", 14),
        Column(_("Station"), lambda u: u.station.name if u.station else "", 24),
        Column(_("Agency"), lambda u: u.agency.name if u.agency else "", 24),
        Column(_("Active"), lambda u: u.is_active, 8),
    ]
    page_columns = [
        Column(_("Name"), lambda u: f"{u.display_name} ({u.username})"),
        Column(_("Role"), choice("role") or "—"),
        Column(_("Scope region"), lambda u: u.scope_region.name if u.scope_region else "—"),
        Column(_("Station"), lambda u: u.station.name if u.station else "—"),
        Column(_("Active"), lambda u: u.is_active),
    ]
