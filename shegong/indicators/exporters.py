from django.utils.translation import gettext_lazy as _

from shegong.core.exporters import Column, Exporter, choice


class FactExporter(Exporter):
    title = _("Records behind the figure")
    base = [
        Column(_("Date"), lambda f: f.date, 12),
        Column(_("Record"), choice("kind"), 16),
        Column(_("Division code"), lambda f: f.place, 14),
        Column(_("Station"), lambda f: f.station.name if f.station else "", 24),
        Column(_("Worker"), lambda f: f.worker.display_name if f.worker else "", 10),
        Column(_("Person"), lambda f: f.recipient.name if f.recipient else "", 10, private="name"),
    ]
    columns = base

    @classmethod
    def for_metric(cls, column: str):
        label = {
            "n": _("Count"),
            "person_times": _("Person-times"),
            "money": _("Money (yuan)"),
            "in_kind": _("In kind (yuan)"),
            "volunteers": _("Volunteers"),
            "volunteer_hours": _("Volunteer hours"),
            "hours": _("Hours"),
        }[column]
        return type(
            "FactExporter",
            (cls,),
            {"columns": [*cls.base, Column(label, lambda f: getattr(f, column), 10)]},
        )


class VillageExporter(Exporter):
    title = _("Villages")
    columns = [
        Column(_("Division code"), lambda r: r.code, 14),
        Column(_("Village / community"), lambda r: r.name, 20),
        Column(_("Township"), lambda r: r.parent.name if r.parent else "", 16),
        Column(_("Designated workers"), lambda r: r.n_designated, 10),
    ]


def _figure(metric: str):
    return lambda s: getattr(s, metric) if getattr(s, metric) is not None else 0


class StationBoardExporter(Exporter):
    """Each township station with its figures for a period (the agency's board)."""

    title = _("Stations board")
    columns = [
        Column(_("Station"), lambda s: s.name, 24),
        Column(_("Township"), lambda s: s.region.name, 14),
        Column(_("Contracted agency"), lambda s: s.agency.name if s.agency else "", 24),
        Column(_("Households visited (户次)"), _figure("visit"), 10),
        Column(_("Person-times served (人次)"), _figure("person_times"), 10),
        Column(_("People served (人数)"), _figure("people"), 10),
        Column(_("Cases opened"), _figure("case_opened"), 8),
        Column(_("Theme / community activities"), _figure("activity"), 8),
        Column(_("Hours worked"), _figure("hours"), 10),
        Column(_("Professional service hours"), _figure("hours_prof"), 10),
    ]


def _month_status(station) -> str:
    from .models import MonthApproval

    if station.approval_status is None:
        return str(_("Not submitted"))
    return str(MonthApproval.Status(station.approval_status).label)


class MonthBoardExporter(Exporter):
    title = _("Monthly sign-off")
    columns = [
        Column(_("Station"), lambda s: s.name, 24),
        Column(_("Region"), lambda s: s.region.name, 12),
        Column(_("Agency"), lambda s: s.agency.name if s.agency_id else "—", 20),
        Column(_("Status"), _month_status, 12),
        Column(_("Submitted at"), lambda s: s.approval_at, 16),
        Column(_("Overdue"), lambda s: getattr(s, "overdue", False), 6),
    ]
