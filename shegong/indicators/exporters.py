from django.utils.translation import gettext_lazy as _

from shegong.core.exporters import Column, Exporter


class FactExporter(Exporter):
    title = _("Records behind the figure")
    base = [
        Column(_("Date"), lambda f: f.date, 12),
        Column(_("Record"), lambda f: f.get_kind_display(), 16),
        Column(_("Division code"), lambda f: f.place, 14),
        Column(_("Station"), lambda f: f.station.name if f.station else "", 24),
        Column(_("Worker"), lambda f: f.worker.display_name if f.worker else "", 10),
        Column(_("Person"), lambda f: f.recipient.name if f.recipient else "", 10),
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
