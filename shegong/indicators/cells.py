"""The dashboard's cells, built in Python: a figure with its unit, a target, a status
badge, a service figure's card and a row of the rule table. The templates use the same
functions (the ``indicators`` template library), so a badge or a unit reads the same on
every page."""

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shegong.core.markup import conditional_escape, format_html
from shegong.core.templatetags.shegong import num


def unit_text(unit: str) -> str:
    """The words after a figure of ``unit`` ("%", "h", "h/p", "¥"; nothing for a count)."""
    if unit == "%":
        return "%"
    if unit == "h":
        return " " + _("h")
    if unit == "h/p":
        return " " + _("h per worker")
    if unit == "¥":
        return " " + _("yuan")
    return ""


_BADGES = {
    "met": ("success", lambda: pgettext("indicator status", "Met")),
    "at_risk": ("warning", lambda: _("At risk")),
    "missed": ("danger", lambda: _("Missed")),
    "no_data": ("secondary", lambda: _("No data")),
}


def status_badge(status: str) -> SafeString:
    """An indicator's status against its target, as a coloured badge."""
    colour, label = _BADGES.get(status, ("light", lambda: _("No target")))
    key = status if status in _BADGES else "none"
    return format_html(
        '<span class="badge text-bg-{}" data-status="{}">{}</span>', colour, key, label()
    )


def figure(value, url: str = "") -> SafeString:
    """A figure as the dashboard shows it (``num``), linked to its records when it has a
    link."""
    if url:
        return format_html('<a href="{}">{}</a>', url, num(value))
    return conditional_escape(num(value))


def _trend(value, partial: bool) -> str:
    if partial:
        return ""
    if value.trend == "up":
        return ' <span class="text-success">▲</span>'
    if value.trend == "down":
        return ' <span class="text-danger">▼</span>'
    return ""


def rule_row(value, *, partial: bool, labels: dict) -> SafeString:
    """One row of the table of indicators against their targets (``labels``: the columns'
    names, translated once for the page)."""
    unit = conditional_escape(unit_text(value.spec.unit))
    shown = format_html(
        "{}{}{}",
        figure(value.value, value.url),
        unit if value.value is not None else "",
        mark_safe(_trend(value, partial)),  # noqa: S308 (fixed markup)
    )
    rule = value.rule
    if not rule:
        target = "—"
    elif rule.op == "between":
        target = format_html("{}–{} {}", num(rule.target), num(rule.upper), _("staff"))
    else:
        target = format_html("{}{}{}", "≤" if rule.op == "le" else "≥", num(value.target), unit)
    return format_html(
        '<tr data-indicator="{}"><td data-label="{}">{}</td><td data-label="{}">{}</td>'
        '<td data-label="{}">{}</td><td data-label="{}">{}</td>'
        '<td data-label="{}" class="small">{}</td></tr>',
        value.spec.code,
        labels["indicator"],
        value.spec.label,
        labels["value"],
        shown,
        labels["target"],
        target,
        labels["status"],
        status_badge(value.status),
        labels["detail"],
        value.detail,
    )


def kpi_card(value, *, partial: bool, words: dict) -> SafeString:
    """One card of the dashboard's service figures: the indicator, its figure (linked to
    its records when it has a link), and the previous period's with the trend, or why
    there is no figure (``words``: "previous", "up", "down", translated once a page)."""
    code, shown = value.spec.code, num(value.value)
    if value.url:
        figure_html = format_html(
            '<a class="kpi d-block" href="{}" data-metric="{}">{}</a>', value.url, code, shown
        )
    else:
        figure_html = format_html(
            '<span class="kpi d-block" data-metric="{}">{}</span>', code, shown
        )
    if value.value is None:
        below = format_html('<div class="small text-muted">{}</div>', value.detail)
    else:
        arrow = ""
        if not partial and value.trend in ("up", "down"):
            colour, mark = ("success", "▲") if value.trend == "up" else ("danger", "▼")
            arrow = format_html(
                ' <span class="text-{}" aria-label="{}">{}</span>', colour, words[value.trend], mark
            )
        below = format_html(
            '<div class="small text-muted">{} {}{}</div>',
            words["previous"],
            num(value.previous),
            arrow,
        )
    return format_html(
        '<div class="col-6 col-md-4 col-lg-2"><div class="card h-100"><div class="card-body p-2">'
        '<div class="small text-muted">{}</div>{}{}</div></div></div>',
        value.spec.label,
        figure_html,
        below,
    )


def kpi_cards(values, *, group: str, partial: bool) -> list[SafeString]:
    """The service figures' cards, of one group of indicators or all (``group`` empty)."""
    words = {"previous": _("previous"), "up": _("up"), "down": _("down")}
    return [
        kpi_card(v, partial=partial, words=words)
        for v in values
        if not group or v.spec.group == group
    ]


def rule_rows(values, *, group: str, partial: bool) -> list[SafeString]:
    """The rule table's rows, of one group of indicators or all (``group`` empty)."""
    labels = {
        "indicator": _("Indicator"),
        "value": _("Value"),
        "target": _("Target"),
        "status": _("Status"),
        "detail": _("Detail"),
    }
    return [
        rule_row(v, partial=partial, labels=labels)
        for v in values
        if not group or v.spec.group == group
    ]
