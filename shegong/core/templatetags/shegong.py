from datetime import date
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext

from shegong.core.links import id_url, url_of

register = template.Library()


@register.filter
def stars(value) -> str:
    """★ repeated by the rating, or an em dash when unrated."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return "—"
    return "★" * n if 1 <= n <= 5 else "—"


@register.filter
def get(mapping, key):
    """mapping[key], or "" when absent."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def index(sequence, i):
    try:
        return sequence[i]
    except (IndexError, TypeError):
        return ""


@register.filter
def cell(value):
    """A table cell: dates as YYYY-MM-DD, booleans as 是/否, empty as an em dash."""

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, date):
        return value.isoformat()
    return value


@register.filter
def num(value):
    """A figure for people: 1493.00 → 1493, 12.50 → 12.5, None → an em dash."""

    if value is None or value == "":
        return "—"
    try:
        d = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return value
    if d == d.to_integral_value():
        return f"{d.quantize(Decimal(1)):f}"
    return f"{d.normalize():f}"


@register.filter
def yuan(value):
    """An amount of money: 120000 → 120,000.00 (grouped by thousands, two decimals, as on a
    Chinese financial statement); None → an em dash."""
    if value is None or value == "":
        return "—"
    try:
        d = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return value
    return f"{d:,.2f}"


@register.filter
def field_of(form, key):
    """The bound fields named ``<name>_<key>`` of a form, by ``name``: one row of a form
    that has a row of fields per item (a score sheet's score_12, comment_12 …)."""
    rows = form.__dict__.get("_rows_by_key")
    if rows is None:  # grouped once per form, not once per row (a sheet: 40 rows × 160 fields)
        rows = {}
        for name in form.fields:
            field, _sep, suffix = name.rpartition("_")
            if field:
                rows.setdefault(suffix, {})[field] = name
        form.__dict__["_rows_by_key"] = rows
    return {field: form[name] for field, name in rows.get(str(key), {}).items()}


@register.simple_tag
def link(name: str) -> str:
    """``{% url name %}`` for a URL without arguments, resolved once per process
    (``core.links.url_of``): the links every page's frame repeats."""
    return url_of(name)


@register.simple_tag
def id_link(name: str, pk) -> str:
    """``{% url name pk %}`` for a URL that takes one integer id, reversed once per process
    (``core.links.id_url``), not once per row: a table's link in every row."""
    return id_url(name)(pk)
