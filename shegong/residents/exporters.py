from django.utils.translation import gettext_lazy

from shegong.core.exporters import Column, Exporter, choice


class RequestExporter(Exporter):
    """Residents' requests, with no contact and no description (personal data stays on
    the request's own page)."""

    title = gettext_lazy("Residents' requests")
    columns = [
        Column(gettext_lazy("Tracking code"), lambda r: r.code, 12),
        Column(gettext_lazy("Submitted"), lambda r: r.submitted_at.date(), 12),
        Column(gettext_lazy("Kind"), choice("kind"), 8),
        Column(gettext_lazy("About"), choice("topic"), 12),
        Column(gettext_lazy("Village / community"), lambda r: r.region.name, 16),
        Column(gettext_lazy("Station"), lambda r: r.station.name if r.station else "", 20),
        Column(
            gettext_lazy("Assigned to"), lambda r: r.assignee.display_name if r.assignee else "", 10
        ),
        Column(gettext_lazy("Status"), choice("status"), 8),
        Column(gettext_lazy("First response due"), lambda r: r.due_on, 12),
        Column(
            gettext_lazy("First response"),
            lambda r: r.responded_at.date() if r.responded_at else "",
            12,
        ),
        Column(gettext_lazy("Satisfaction"), lambda r: r.satisfaction or "", 6),
    ]


class MatchExporter(Exporter):
    """Needs matched (供需对接): with whom, why, by whom and how soon."""

    title = gettext_lazy("Matches")
    columns = [
        Column(gettext_lazy("Tracking code"), lambda m: m.request.code, 12),
        Column(gettext_lazy("Village / community"), lambda m: m.request.region.name, 16),
        Column(gettext_lazy("Matched with"), choice("party"), 10),
        Column(
            gettext_lazy("Who or what"),
            lambda m: m.party_label,
            16,
        ),
        Column(gettext_lazy("Why"), lambda m: m.reasons, 40),
        Column(gettext_lazy("Confirmed by"), lambda m: m.confirmed_by.display_name, 10),
        Column(gettext_lazy("Submitted"), lambda m: m.request.submitted_at.date(), 12),
        Column(gettext_lazy("Confirmed"), lambda m: m.confirmed_at.date(), 12),
    ]


class ResourceExporter(Exporter):
    """资源清单: who could take a need, and how busy they are."""

    title = gettext_lazy("Resources")
    columns = [
        Column(gettext_lazy("Name"), lambda u: u.display_name, 10),
        Column(gettext_lazy("Role"), choice("role"), 10),
        Column(gettext_lazy("Station"), lambda u: u.station.name if u.station_id else "", 20),
        Column(
            gettext_lazy("Qualification"),
            lambda u: (
                u.worker_profile.get_qualification_display() if hasattr(u, "worker_profile") else ""
            ),
            16,
        ),
        Column(gettext_lazy("Designated villages"), lambda u: u.villages, 8),
        Column(gettext_lazy("Open cases"), lambda u: u.open_cases, 8),
        Column(gettext_lazy("Open requests"), lambda u: u.busy, 8),
    ]


class ProjectExporter(Exporter):
    """项目清单: the groups open to members."""

    title = gettext_lazy("Projects")
    columns = [
        Column(gettext_lazy("Group number"), lambda g: g.number, 14),
        Column(gettext_lazy("Name"), lambda g: g.name, 20),
        Column(gettext_lazy("Station"), lambda g: g.station.name, 20),
        Column(gettext_lazy("Service domain"), choice("domain"), 12),
        Column(gettext_lazy("Target members"), lambda g: g.target, 20),
        Column(gettext_lazy("Stage"), choice("stage"), 8),
        Column(gettext_lazy("Planned sessions"), lambda g: g.planned_sessions, 8),
    ]
