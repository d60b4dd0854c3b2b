from django.utils.translation import gettext_lazy as _

from shegong.core.exporters import Column, Exporter


class StationExporter(Exporter):
    title = _("Stations")
    columns = [
        Column(_("Division code"), lambda s: s.region_id, 14),
        Column(_("Region"), lambda s: s.region.name, 16),
        Column(_("Name"), lambda s: s.name, 30),
        Column(_("Tier"), lambda s: s.tier_label, 20),
        Column(_("Contracted agency"), lambda s: s.agency.name if s.agency else "", 30),
        Column(_("Service version"), lambda s: s.service_version, 10),
        Column(_("Star rating"), lambda s: s.star_rating, 8),
        Column(_("Star rating date"), lambda s: s.star_rated_on, 12),
        Column(_("Floor area (m²)"), lambda s: s.floor_area, 10),
        Column(_("Functional rooms"), lambda s: "、".join(s.room_labels()), 40),
        Column(_("Opening date"), lambda s: s.opened_on, 12),
        Column(_("Staff"), lambda s: s.staff_count, 8),
        Column(_("Public contact phone"), lambda s: s.phone, 16),
        Column(_("Active"), lambda s: s.is_active, 8),
    ]
    page_columns = [
        Column(_("Name"), lambda s: s.name),
        Column(
            _("Region"),
            lambda s: (
                f"{s.region.parent.name} · {s.region.name}" if s.region.parent else s.region.name
            ),
        ),
        Column(_("Tier"), lambda s: s.tier_label),
        Column(_("Contracted agency"), lambda s: s.agency.name if s.agency else "—"),
        Column(_("Version"), lambda s: s.service_version or "—"),
        Column(_("Stars"), lambda s: "★" * s.star_rating if s.star_rating else "—"),
        Column(_("Staff"), lambda s: s.staff_count),
    ]
    page_fields = (
        "name",
        "tier",
        "is_county_general",
        "region__name",
        "region__parent__name",
        "agency__name",
        "service_version",
        "star_rating",
    )


class AgencyExporter(Exporter):
    title = _("Agencies")
    columns = [
        Column(_("Name"), lambda a: a.name, 30),
        Column(_("Unified social credit code"), lambda a: a.credit_code, 22),
        Column(_("Registered in"), lambda a: a.region.name, 16),
        Column(_("Legal representative"), lambda a: a.legal_representative, 12),
        Column(_("Contact person"), lambda a: a.contact_person, 12),
        Column(_("Phone"), lambda a: a.phone, 16),
        Column(_("Stations"), lambda a: a.station_count, 8),
        Column(_("Registered on"), lambda a: a.registered_on, 12),
    ]
    page_columns = [
        Column(_("Name"), lambda a: a.name),
        Column(_("Unified social credit code"), lambda a: a.credit_code),
        Column(_("Registered in"), lambda a: a.region.name),
        Column(_("Stations"), lambda a: a.station_count),
    ]
