"""``{% load i18n_once %}``: Django's ``i18n`` library, with ``{% translate "literal" %}``
rendered once per language in each process. The project's templates load it instead of
``i18n`` (``tests/test_translate_once.py`` fails on a template that loads Django's).

Django's tag looks the text up in the catalog, localizes and escapes it on every render:
a county's home page renders some 60 of them, a dashboard 50, and they were 3–6 % of
those pages' CPU. A literal's output depends only on the active language and on whether
the template escapes (``autoescape``), so each tag keeps what it rendered for each pair.
A tag with a variable, a filter, a message context or ``noop`` is Django's own node.
``{% blocktranslate %}`` and every other tag and filter of the library are Django's.
(Loading it under the name ``i18n`` through ``TEMPLATES["OPTIONS"]["libraries"]`` would
spare the templates the other name, but ``check --deploy`` warns of two modules for one
library name, templates.W003.)
"""

from django import template
from django.template.base import Variable
from django.templatetags import i18n as django_i18n
from django.utils.translation import get_language

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


class TranslateOnceNode(django_i18n.TranslateNode):
    """A ``{% translate "literal" %}``: Django's rendering, kept per language and
    escaping (a node belongs to one compiled template, so the kept values are as many as
    the templates' literals times the languages)."""

    def __init__(self, node: django_i18n.TranslateNode):
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        self._rendered: dict[tuple[str | None, bool], str] = {}

    def render(self, context):
        key = (get_language(), context.autoescape)
        value = self._rendered.get(key)
        if value is None:
            asvar, self.asvar = self.asvar, None
            try:
                value = super().render(context)
            finally:
                self.asvar = asvar
            self._rendered[key] = value
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


def is_literal(node: django_i18n.TranslateNode) -> bool:
    """Whether what ``node`` renders is a literal alone (no variable, filter, message
    context or ``noop``): then it depends only on the language and the escaping."""
    expression = node.filter_expression
    return (
        not node.noop
        and node.message_context is None
        and not expression.filters
        and isinstance(expression.var, Variable)
        and expression.var.literal is not None
    )


def once(node: django_i18n.TranslateNode):
    """``node`` as a ``TranslateOnceNode`` when it renders a literal alone."""
    return TranslateOnceNode(node) if is_literal(node) else node


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    return once(django_i18n.do_translate(parser, token))
