"""core.markup: the same HTML as Django's escaping functions, for every kind of value a
page passes them (text with markup, safe text, lazy translations, numbers, None)."""

from decimal import Decimal

import pytest
from django.utils import html as django_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy, override

from shegong.core import markup

VALUES = [
    "",
    "雨湖区 <社工站> & \"引号\" 'single'",
    "<script>alert(1)</script>",
    mark_safe("<b>already safe</b>"),  # noqa: S308 (a fixed test string)
    gettext_lazy("Stations"),
    gettext_lazy("<Stations & more>"),
    42,
    Decimal("12.50"),
    None,
    "/indicators/records/?metric=visit&node=43&period=2026",
]


@pytest.mark.parametrize("value", VALUES)
def test_each_value_is_escaped_as_django_escapes_it(value):
    with override("zh-hans"):
        for ours, theirs in (
            (markup.escape, django_html.escape),
            (markup.conditional_escape, django_html.conditional_escape),
        ):
            got = ours(value)
            assert got == theirs(value)
            assert isinstance(got, SafeString)


def test_format_html_and_its_join_write_what_djangos_write():
    template = '<a href="{}" data-x="{}">{}</a>'
    rows = [tuple(VALUES[i : i + 3]) for i in range(len(VALUES) - 2)]
    for row in rows:
        got = markup.format_html(template, *row)
        assert got == django_html.format_html(template, *row)
        assert isinstance(got, SafeString)
    joined = markup.format_html_join("\n", template, rows)
    assert joined == django_html.format_html_join("\n", template, rows)
    assert isinstance(joined, SafeString)
    assert "<script>" not in joined and "&lt;script&gt;" in joined
    assert "<b>already safe</b>" in joined  # what was safe stays as it was
