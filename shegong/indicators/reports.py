"""Reports: monthly monitoring (月度监测), quarterly dispatch (季度调度) and the annual
evaluation summary (年度评估), for any region node, as a printable page and an Excel file.

The summary sentence prints the exact figures in the shape of the Xing'an League line:
"走访入户1493户次, 建立档案231个, 开展小组活动43次, 个案服务20个, 主题活动57场,
慈善资源链接1.7万元, 累计服务群众1.36万余人次".
"""

from decimal import ROUND_DOWN, Decimal

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from shegong.core.divisions import in_subtree
from shegong.core.exporters import Sheet, workbook_bytes
from shegong.regions.models import Region

from . import compute, definitions
from .models import Aggregate, Rule
from .periods import Period

REPORT_TITLES = {
    "month": gettext_lazy("Monthly monitoring report"),
    "quarter": gettext_lazy("Quarterly dispatch report"),
    "year": gettext_lazy("Annual evaluation summary"),
}
STATUS_LABELS = {
    "met": pgettext_lazy("indicator status", "Met"),
    "at_risk": gettext_lazy("At risk"),
    "missed": gettext_lazy("Missed"),
    "none": gettext_lazy("No target"),
    "no_data": gettext_lazy("No data"),
}
# Units as a reader of the workbook expects them (the definitions keep short codes).
UNIT_LABELS = {
    "%": "%",
    "h": gettext_lazy("hours"),
    "h/p": gettext_lazy("hours per worker"),
    "¥": gettext_lazy("yuan"),
}
COUNT_UNITS = {
    "visit": gettext_lazy("household visits"),
    "file_household": gettext_lazy("households"),
    "file_person": gettext_lazy("people"),
    "people": gettext_lazy("people"),
    "request_satisfaction": gettext_lazy("points of 5"),
    "person_times": gettext_lazy("person-times"),
    "volunteers": gettext_lazy("person-times"),
    "session": gettext_lazy("sessions"),
    "activity": gettext_lazy("activities"),
    "case_entry": gettext_lazy("entries"),
    "group": gettext_lazy("groups"),
}


def unit_label(spec) -> str:
    """The unit of an indicator in words (户次, 元, 小时/人 …); counts of cases are 个."""
    if spec.unit:
        return str(UNIT_LABELS.get(spec.unit, spec.unit))
    return str(COUNT_UNITS.get(spec.code, gettext_lazy("items")))


# the columns of the region tables: the figures of the summary line, and people served
TABLE_METRICS = [
    "visit",
    "file_person",
    "case_opened",
    "session",
    "activity",
    "money",
    "person_times",
    "people",
]
WAN = Decimal(10000)


def summary_figures(board) -> dict:
    """The seven figures of the summary line, from a computed board."""
    raw = board.raw
    # cases served in the period: those open at the start, and those opened in it
    served_cases = board.get("cases_active").previous + Decimal(raw.get("case_opened", 0))
    return {
        "visits": int(raw.get("visit", 0)),
        "files": int(raw.get("file_person", 0)),
        "sessions": int(raw.get("session", 0)),
        "cases": int(served_cases),
        "activities": int(raw.get("activity", 0)),
        "resources": Decimal(raw.get("money", 0)) + Decimal(raw.get("in_kind", 0)),
        "person_times": int(raw.get("person_times", 0)),
    }


def _wan(value: Decimal, *, over: bool) -> str:
    """13612 → "1.36万余"; 17000 → "1.7万"; 985 → "985"."""
    if value < WAN:
        text = f"{value.quantize(Decimal('0.01')).normalize():f}"
        return text
    shown = (value / WAN).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    text = f"{shown.normalize():f}万"
    if over and shown * WAN != value:
        text += "余"
    return text


def summary_sentence(board) -> str:
    f = summary_figures(board)
    if (get_language() or "").startswith("zh"):
        return (
            f"走访入户{f['visits']}户次, 建立档案{f['files']}个, 开展小组活动{f['sessions']}次, "
            f"个案服务{f['cases']}个, 主题活动{f['activities']}场, "
            f"慈善资源链接{_wan(f['resources'], over=False)}元, "
            f"累计服务群众{_wan(Decimal(f['person_times']), over=True)}人次"
        )
    return (
        f"Visited {f['visits']:,} households, created {f['files']:,} files, ran "
        f"{f['sessions']:,} group sessions, served {f['cases']:,} cases, held "
        f"{f['activities']:,} theme activities, linked ¥{f['resources']:,.2f} of charity "
        f"resources and served {f['person_times']:,} person-times"
    )


def township_rows(node, period: Period, progress=None) -> list[dict]:
    """Every township under the node with the table figures: one range read of aggregates."""

    if len(node.code) >= 9:
        return []
    names = dict(
        Region.objects.filter(in_subtree("code", node.code), level=4).values_list("code", "name")
    )
    values: dict = {code: {} for code in names}
    rows = Aggregate.objects.filter(
        in_subtree("node", node.code), level=4, period=period.key, metric__in=TABLE_METRICS
    ).values_list("node", "metric", "value")
    for i, (code, metric, value) in enumerate(rows.iterator(chunk_size=5000)):
        if code in values:
            values[code][metric] = value
        if progress and i % 5000 == 0:
            progress()
    return [
        {
            "code": code,
            "name": names[code],
            "values": [values[code].get(m, 0) for m in TABLE_METRICS],
        }
        for code in sorted(names)
    ]


def build(node, period: Period, *, rule_set=None, townships: bool = False, progress=None) -> dict:
    board = compute.compute(node, period, rule_set=rule_set)
    if progress:
        progress(30)
    report = {
        "title": REPORT_TITLES[period.kind],
        "node": node,
        "period": period,
        "board": board,
        "sentence": summary_sentence(board),
        "metric_labels": [definitions.SPECS[m].label for m in TABLE_METRICS],
        "children": compute.children(node, period, TABLE_METRICS),
        "generated_at": timezone.localtime(),
    }
    if progress:
        progress(50)
    report["townships"] = (
        township_rows(node, period, progress=(lambda: progress(70)) if progress else None)
        if townships
        else []
    )
    if progress:
        progress(80)
    return report


def _num(value):
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def to_xlsx(report: dict, *, user) -> bytes:
    """The report as a workbook: the summary, the targets with their status, the areas
    below and every township, each sheet laid out by ``core.exporters.write_sheet`` (title
    block merged and wrapped, units, frozen headers, A4 fitted to the width)."""
    return workbook_bytes(report_sheets(report, user=user))


def report_sheets(report: dict, *, user) -> list[Sheet]:
    """The sheets of a report workbook (a multi-sheet export)."""
    title = f"{report['node'].name} {report['period'].label} {report['title']}"
    stamp = _("Exported by %(user)s at %(time)s") % {
        "user": user.display_name,
        "time": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    board = report["board"]
    rule_set = board.rule_set
    sheets = [
        Sheet(
            title=_("Summary"),
            lines=[title, stamp, report["sentence"]],
            headers=[_("Indicator"), _("This period"), _("Previous period"), _("Unit")],
            widths=[36, 14, 14, 10],
            rows=[
                [str(v.spec.label), _num(v.value), _num(v.previous or 0), unit_label(v.spec)]
                for v in board.service
            ],
        ),
        Sheet(
            title=_("Targets"),
            lines=[
                title,
                stamp,
                _("Rule set in force") + ": " + (rule_set.title if rule_set else _("none")),
            ],
            headers=[
                _("Indicator"),
                _("Value"),
                _("Target"),
                _("Unit"),
                _("Status"),
                _("Detail"),
            ],
            widths=[30, 12, 12, 8, 10, 40],
            rows=[
                [
                    str(v.spec.label),
                    None if v.value is None else _num(v.value),
                    _target(v),
                    unit_label(v.spec),
                    str(STATUS_LABELS[v.status]),
                    v.detail,
                ]
                for v in board.ruled
            ],
            landscape=True,
        ),
    ]
    metrics = [str(x) for x in report["metric_labels"]]
    children, townships = report["children"], report["townships"]
    if children:
        sheets.append(
            Sheet(
                title=_("Child regions"),
                lines=[f"{title} · {_('Child regions')}", stamp],
                headers=[_("Division code"), _("Region"), *metrics],
                widths=[14, 24] + [12] * len(metrics),
                rows=([r["code"], r["name"], *[_num(v) for v in r["values"]]] for r in children),
                landscape=True,
            )
        )
    # a county's children are its townships: the same sheet is not given twice
    same = {r["code"] for r in children} == {r["code"] for r in townships}
    if townships and not same:
        counties = dict(
            Region.objects.filter(code__in={r["code"][:6] for r in townships}).values_list(
                "code", "name"
            )
        )
        sheets.append(
            Sheet(
                title=_("Townships"),
                lines=[f"{title} · {_('Townships')}", stamp],
                headers=[_("Division code"), _("County"), _("Township"), *metrics],
                widths=[14, 14, 24] + [12] * len(metrics),
                rows=(
                    [
                        r["code"],
                        counties.get(r["code"][:6], ""),
                        r["name"],
                        *[_num(v) for v in r["values"]],
                    ]
                    for r in townships
                ),
                landscape=True,
            )
        )
    return sheets


def _target(v) -> object:
    """A target as the page shows it: a range of staff (3–8 名), or the figure."""
    rule = v.rule
    if rule is not None and rule.op == Rule.Op.BETWEEN:
        upper = f"{rule.upper.normalize():f}" if rule.upper is not None else ""
        return f"{rule.target.normalize():f}–{upper} " + str(_("staff"))
    return None if v.target is None else _num(v.target)
