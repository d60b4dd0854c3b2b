"""``{% load indicators %}``: an indicator's unit and status badge, the same functions the
dashboard's Python-built rows use (``indicators.cells``)."""

from django import template

from shegong.indicators import cells

register = template.Library()


@register.filter
def unit_text(unit: str) -> str:
    return cells.unit_text(unit)


@register.filter
def status_badge(status: str):
    return cells.status_badge(status)
