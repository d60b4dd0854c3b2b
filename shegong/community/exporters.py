from django.utils.translation import gettext_lazy

from shegong.core.crypto import mask_phone
from shegong.core.exporters import Column, Exporter, choice


class VolunteerExporter(Exporter):
    """Volunteers: number, name, village, status; the phone masked."""

    title = gettext_lazy("Volunteers")
    columns = [
        Column(gettext_lazy("Volunteer number"), lambda v: v.number, 16),
        Column(gettext_lazy("Name"), lambda v: v.name, 10),
        Column(gettext_lazy("Home village"), lambda v: v.region.name, 16),
        Column(gettext_lazy("Station"), lambda v: v.station.name, 20),
        Column(gettext_lazy("Political status"), choice("political_status"), 10),
        Column(gettext_lazy("Skills"), lambda v: v.skills, 20),
        Column(gettext_lazy("Phone"), lambda v: mask_phone(v.phone), 14),
        Column(gettext_lazy("Services"), lambda v: v.times or 0, 8),
        Column(gettext_lazy("Hours confirmed"), lambda v: v.hours or 0, 8),
    ]


class TeamExporter(Exporter):
    title = gettext_lazy("Volunteer teams")
    columns = [
        Column(gettext_lazy("Name"), lambda t: t.name, 20),
        Column(gettext_lazy("Kind"), choice("kind"), 20),
        Column(gettext_lazy("Station"), lambda t: t.station.name, 20),
        Column(gettext_lazy("Leader"), lambda t: t.leader.name if t.leader_id else "", 10),
        Column(gettext_lazy("Members"), lambda t: t.size, 8),
    ]


class EventExporter(Exporter):
    title = gettext_lazy("Volunteer service events")
    columns = [
        Column(gettext_lazy("Date"), lambda e: e.date, 12),
        Column(gettext_lazy("Title"), lambda e: e.title, 24),
        Column(gettext_lazy("Place"), lambda e: e.region.name, 16),
        Column(gettext_lazy("Station"), lambda e: e.station.name, 20),
        Column(gettext_lazy("Signed up"), lambda e: e.signed, 8),
        Column(gettext_lazy("Hours confirmed"), lambda e: e.hours or 0, 8),
    ]


class NationalRecordExporter(Exporter):
    """志愿服务记录 in the fields 《志愿服务记录与证明出具办法》 asks for transfer to the
    national volunteer system: the volunteer's name and number, the service's time, place,
    content and hours, the organising body and the verifier."""

    title = gettext_lazy("Volunteer service records")
    json_keys = [
        "name",
        "volunteer_number",
        "service_date",
        "service_place",
        "service_content",
        "service_hours",
        "organiser",
        "verifier",
        "verified_on",
    ]
    columns = [
        Column(gettext_lazy("Name"), lambda s: s.volunteer.name, 10),
        Column(gettext_lazy("Volunteer number"), lambda s: s.volunteer.number, 16),
        Column(gettext_lazy("Service date"), lambda s: s.event.date, 12),
        Column(gettext_lazy("Service place"), lambda s: s.event.region.name, 16),
        Column(
            gettext_lazy("Service content"), lambda s: f"{s.event.title}：{s.event.content}", 40
        ),
        Column(gettext_lazy("Service hours"), lambda s: s.hours, 8),
        Column(gettext_lazy("Organising body"), lambda s: s.event.station.name, 20),
        Column(gettext_lazy("Verified by"), lambda s: s.confirmed_by.display_name, 10),
        Column(gettext_lazy("Verified on"), lambda s: s.confirmed_at.date(), 12),
    ]


class OrganisationExporter(Exporter):
    """社区社会组织: what they are, how far along, who leads them (the phone masked)."""

    title = gettext_lazy("Community organisations")
    columns = [
        Column(gettext_lazy("Name"), lambda o: o.name, 24),
        Column(gettext_lazy("Kind"), choice("kind"), 12),
        Column(gettext_lazy("Stage"), choice("stage"), 14),
        Column(gettext_lazy("Village / place"), lambda o: o.region.name, 16),
        Column(gettext_lazy("Station"), lambda o: o.station.name, 20),
        Column(gettext_lazy("Members"), lambda o: o.members, 8),
        Column(gettext_lazy("Leader"), lambda o: o.leader, 10),
        Column(gettext_lazy("Contact phone"), lambda o: mask_phone(o.contact_phone), 14),
        Column(gettext_lazy("Services offered"), lambda o: o.services, 24),
        Column(gettext_lazy("Filed or registered"), lambda o: o.filed_on or "", 12),
    ]


class DonorExporter(Exporter):
    title = gettext_lazy("Donors")
    columns = [
        Column(gettext_lazy("Name"), lambda d: d.name, 24),
        Column(gettext_lazy("Kind"), choice("kind"), 14),
        Column(gettext_lazy("Station"), lambda d: d.station.name, 20),
        Column(gettext_lazy("Contact phone"), lambda d: mask_phone(d.contact_phone), 14),
        Column(gettext_lazy("Given (yuan)"), lambda d: d.given or 0, 12),
    ]


class LedgerExporter(Exporter):
    """慈善资源台账: each donation received, what is allocated and what is left, by donor
    and restriction."""

    title = gettext_lazy("Charity resources ledger")
    columns = [
        Column(gettext_lazy("Received"), lambda d: d.received_on, 12),
        Column(gettext_lazy("Donor"), lambda d: d.donor.name, 20),
        Column(gettext_lazy("Donor kind"), lambda d: d.donor.get_kind_display(), 12),
        Column(gettext_lazy("Kind"), choice("kind"), 10),
        Column(gettext_lazy("Goods"), lambda d: d.items, 16),
        Column(gettext_lazy("Restricted to"), lambda d: d.restriction_label, 20),
        Column(gettext_lazy("Receipt number"), lambda d: d.receipt_no, 14),
        Column(gettext_lazy("Station"), lambda d: d.station.name, 20),
        Column(gettext_lazy("Received (yuan)"), lambda d: d.amount, 12),
        Column(gettext_lazy("Allocated (yuan)"), lambda d: d.allocated, 12),
        Column(gettext_lazy("Balance (yuan)"), lambda d: d.amount - d.allocated, 12),
    ]


class AllocationExporter(Exporter):
    title = gettext_lazy("Allocations")
    columns = [
        Column(gettext_lazy("Date"), lambda a: a.date, 12),
        Column(gettext_lazy("Donor"), lambda a: a.donation.donor.name, 20),
        Column(gettext_lazy("Kind"), lambda a: a.donation.get_kind_display(), 10),
        Column(gettext_lazy("Amount (yuan)"), lambda a: a.amount, 12),
        Column(gettext_lazy("For"), lambda a: a.target_label, 24),
        Column(gettext_lazy("Place"), lambda a: a.region.name, 16),
        Column(gettext_lazy("Station"), lambda a: a.station.name, 20),
        Column(gettext_lazy("Note"), lambda a: a.note, 20),
    ]
