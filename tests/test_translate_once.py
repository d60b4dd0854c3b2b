"""``{% translate "literal" %}`` rendered once per language (shegong/core/templatetags/
i18n_once.py): the project's templates load ``i18n_once``, never Django's ``i18n``; every such
tag of theirs is the kept node, and renders what Django's own node renders, in each
language, escaping or not, the first time and after."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template, engines
from django.templatetags.i18n import TranslateNode
from django.utils import translation

from shegong.core.templatetags.i18n_once import TranslateOnceNode

ROOT = Path(__file__).resolve().parent.parent / "shegong"
LANGUAGES = ("zh-hans", "en")


def _template_files() -> list[tuple[str, Path]]:
    """(name as the loader knows it, path) of every template of the project."""
    return [
        (str(path.relative_to(folder)), path)
        for folder in ROOT.rglob("templates")
        if folder.is_dir()
        for path in folder.rglob("*.html")
    ]


def _template_names() -> list[str]:
    return sorted({name for name, _path in _template_files()})


def _translate_nodes(name: str) -> list[TranslateNode]:
    compiled = engines["django"].get_template(name).template
    return compiled.nodelist.get_nodes_by_type(TranslateNode)


def _django_node(node: TranslateOnceNode) -> TranslateNode:
    return TranslateNode(node.filter_expression, node.noop, node.asvar, node.message_context)


def _render(node, context: Context) -> str:
    shown = node.render(context)
    return f"{shown}|{context.get(node.asvar, '')}" if node.asvar else shown


def test_no_template_loads_djangos_i18n():
    """``{% load i18n %}`` would give a template Django's tag, every literal looked up again
    on every render: the project's templates load ``i18n_once`` (the same tags)."""
    loads = re.compile(r"{%\s*load\s+([^%]*?)\s*%}")
    plain = [
        str(path.relative_to(ROOT))
        for _name, path in _template_files()
        for libraries in loads.findall(path.read_text(encoding="utf-8"))
        if "i18n" in libraries.split()
    ]
    assert plain == []


def test_every_literal_of_the_templates_is_kept_and_renders_as_django_does():
    names = _template_names()
    assert len(names) > 100  # every app's templates were found
    literals = 0
    for name in names:
        for node in _translate_nodes(name):
            expression = node.filter_expression
            literal = not (expression.filters or node.message_context or node.noop) and (
                expression.var.literal is not None
            )
            if not literal:  # a variable, a filter, a context or noop: Django's node
                assert not isinstance(node, TranslateOnceNode), (name, node.token.contents)
                continue
            assert isinstance(node, TranslateOnceNode), (name, node.token.contents)
            literals += 1
            for language in LANGUAGES:
                for autoescape in (True, False):
                    with translation.override(language):
                        expected = _render(_django_node(node), Context(autoescape=autoescape))
                        for _ in range(2):  # rendered, then kept
                            got = _render(node, Context(autoescape=autoescape))
                            assert got == expected, (name, node.token.contents, language)
    assert literals > 1000


def test_the_kept_text_follows_the_language_each_time():
    page = Template(
        '{% load i18n_once %}{% translate "Stations" %}/{% translate "Stations" as t %}[{{ t }}]'
    )
    seen = {}
    for language in ("zh-hans", "en", "zh-hans", "en"):
        with translation.override(language):
            shown = page.render(Context())
        seen.setdefault(language, shown)
        assert shown == seen[language]
    assert seen["en"] == "Stations/[Stations]"
    assert seen["zh-hans"] != seen["en"]
    assert "Stations" not in seen["zh-hans"]


@pytest.mark.parametrize(
    "tag",
    [
        "{% translate name %}",
        '{% translate "May" context "month name" %}',
        '{% translate "Stations" noop %}',
        '{% translate "Stations"|upper %}',
    ],
)
def test_a_tag_that_is_not_a_literal_alone_is_djangos_own(tag):
    page = Template("{% load i18n_once %}" + tag)
    [node] = page.nodelist.get_nodes_by_type(TranslateNode)
    assert type(node) is TranslateNode
    with translation.override("en"):
        assert page.render(Context({"name": "a <b>"})) in (
            "a &lt;b&gt;",
            "May",
            "Stations",
            "STATIONS",
        )


def test_markup_and_percent_signs_as_django_renders_them():
    """A literal in a template is the template's own text (Django marks it safe, so it is
    not escaped), and ``%`` comes out single: the kept node says the same as Django's."""
    for tag, shown in [('{% translate "<b>&" %}', "<b>&"), ('{% translate "100%" %}', "100%")]:
        for autoescape in (True, False):
            page = Template("{% load i18n_once %}" + tag)
            [node] = page.nodelist.get_nodes_by_type(TranslateOnceNode)
            with translation.override("en"):
                expected = _django_node(node).render(Context(autoescape=autoescape))
                assert page.render(Context(autoescape=autoescape)) == expected == shown
