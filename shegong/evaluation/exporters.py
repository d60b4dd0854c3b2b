"""Columns of the evaluation lists (pages, xlsx, CSV alike) and the round summary
workbook: every station with every item, totals and grades, and the counties' averages."""

from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from shegong.core.exporters import Column, Exporter, Sheet, choice

from .models import Grade
from .scoring import _num


def _stars(n) -> str:
    return "★" * n if n else "—"


class TreeExporter(Exporter):
    title = _("Indicator trees")
    columns = [
        Column(_("Title"), lambda t: t.title, 36),
        Column(_("Province or city code"), lambda t: t.region_code, 10),
        Column(_("Service year"), lambda t: t.year, 8),
        Column(_("Items"), lambda t: t.items, 6),
        Column(_("Total score"), lambda t: t.total, 8),
        Column(_("Status"), choice("status"), 8),
    ]


class EvaluationAgencyExporter(Exporter):
    title = _("Evaluation agencies")
    columns = [
        Column(_("Name"), lambda a: a.name, 28),
        Column(_("Unified social credit code"), lambda a: a.credit_code, 20),
        Column(_("Registered in"), lambda a: a.region.name, 12),
        Column(_("Contact person"), lambda a: a.contact_person, 10),
        Column(_("Phone"), lambda a: a.phone, 14),
    ]


class RoundExporter(Exporter):
    title = _("Evaluation rounds")
    columns = [
        Column(_("Title"), lambda r: r.title, 32),
        Column(_("Region"), lambda r: r.region.name, 12),
        Column(_("Service year"), lambda r: r.year, 8),
        Column(_("Kind"), choice("kind"), 8),
        Column(_("Stations"), lambda r: r.n_stations, 6),
        Column(_("Opens on"), lambda r: r.opens_on, 12),
        Column(_("Closes on"), lambda r: r.closes_on, 12),
        Column(_("Status"), choice("status"), 10),
    ]


class ResultExporter(Exporter):
    title = _("Evaluation results")
    columns = [
        Column(_("Station"), lambda r: r.station.name, 24),
        Column(_("Region"), lambda r: r.region.name, 12),
        Column(_("Round"), lambda r: r.round.title, 28),
        Column(_("Score"), lambda r: r.score, 8),
        Column(_("Grade"), choice("grade"), 8),
        Column(_("Star level"), lambda r: _stars(r.stars), 8),
        Column(_("Appeal until"), lambda r: r.appeal_until, 12),
    ]


class AppealExporter(Exporter):
    title = _("Appeals")
    columns = [
        Column(_("Station"), lambda a: a.result.station.name, 24),
        Column(_("Round"), lambda a: a.result.round.title, 28),
        Column(_("Filed at"), lambda a: a.filed_at, 16),
        Column(_("Status"), choice("status"), 10),
        Column(_("Reasons"), lambda a: a.reasons, 40),
        Column(_("Answer"), lambda a: a.answer, 40),
    ]


class RectificationExporter(Exporter):
    title = _("Rectification tasks")
    columns = [
        Column(_("Station"), lambda t: t.station.name, 24),
        Column(_("Problem"), lambda t: t.problem, 40),
        Column(_("Owner"), choice("owner"), 8),
        Column(_("Deadline"), lambda t: t.deadline, 12),
        Column(_("Status"), choice("status"), 10),
        Column(_("Overdue"), lambda t: t.is_overdue(), 6),
        Column(_("Round"), lambda t: t.result.round.title, 28),
    ]


class StarExporter(Exporter):
    title = _("Star ratings")
    columns = [
        Column(_("Station"), lambda d: d.station.name, 24),
        Column(_("Region"), lambda d: d.region.name, 12),
        Column(_("Stars"), lambda d: _stars(d.stars), 8),
        Column(_("Status"), choice("status"), 16),
        Column(_("Valid from"), lambda d: d.valid_from, 12),
        Column(_("Revoked on"), lambda d: d.ended_on, 12),
        Column(_("Basis"), lambda d: d.basis, 30),
    ]


def summary_sheets(summary) -> list[Sheet]:
    """The round summary: one sheet of stations × items, one of the counties' averages."""
    rnd = summary.round
    grade_words = dict(Grade.choices)
    headers = [
        _g("County"),
        _g("Station"),
        *[f"{i.code} {i.title}（{_num(i.max_score)}）" for i in summary.items],
        _g("Total"),
        _g("Grade"),
        _g("Star level"),
    ]
    county_names = {code: name for code, name, _n, _m, _g in summary.counties}
    rows = []
    for station, result, sheet, scores in summary.rows:
        total = result.score if result else (sheet.total if sheet else None)
        rows.append(
            [
                county_names.get(station.region_id[:6], station.region_id[:6]),
                station.name,
                *[scores.get(i.pk) for i in summary.items],
                total,
                str(grade_words.get(result.grade, "")) if result else _g("Not published"),
                _stars(result.stars) if result else "",
            ]
        )
    lines = [
        str(rnd.title),
        _g("%(region)s · %(year)s · %(kind)s · %(n)s stations · tree: %(tree)s")
        % {
            "region": rnd.region.name,
            "year": rnd.year,
            "kind": rnd.get_kind_display(),
            "n": len(summary.rows),
            "tree": rnd.tree.title,
        },
    ]
    stations = Sheet(
        title=_g("Stations"),
        lines=lines,
        headers=headers,
        widths=[10, 20, *[8] * len(summary.items), 8, 8, 8],
        rows=rows,
        landscape=True,
    )
    counties = Sheet(
        title=_g("Counties"),
        lines=lines,
        headers=[
            _g("Division code"),
            _g("County"),
            _g("Stations"),
            _g("Average score"),
            *[str(label) for _v, label in Grade.choices],
        ],
        widths=[10, 14, 8, 10, 8, 8, 8, 8],
        rows=[
            [
                code,
                name,
                n,
                round(mean, 1) if mean is not None else None,
                *[grades.get(g, 0) for g, _l in Grade.choices],
            ]
            for code, name, n, mean, grades in summary.counties
        ],
    )
    return [stations, counties]
