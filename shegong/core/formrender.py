"""Form widgets written out in Python: the project's ``FORM_RENDERER``.

Django renders every widget through its template engine: an ``<input>`` is three
templates (``text.html`` includes ``input.html``, which includes ``attrs.html``), and a
``<select>`` one more per option. A form of a few fields costs little, but an evaluator's
score sheet has four fields for each of its 40 items, 160 widgets, and rendering them was
about half of that page's time. This renderer writes the commonest widgets (the inputs,
``<select>`` with its options, check boxes and radio buttons in a list, ``<textarea>``,
a file input with no file yet) as those templates would, character for
character, and leaves every other template, and any template an app overrides, to the
engine. ``tests/test_formrender.py`` renders each kind both ways and compares them.
"""

from functools import cached_property
from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils.html import escape
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"
# the templates that are ``{% include "django/forms/widgets/input.html" %}`` and no more
INPUTS = {
    f"{WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "password",
        "hidden",
        "checkbox",
        "date",
        "datetime",
        "time",
        "url",
        "tel",
        "search",
        "file",
        "color",
    )
}
SELECT, OPTION = f"{WIDGETS}select.html", f"{WIDGETS}select_option.html"
TEXTAREA, CLEARABLE = f"{WIDGETS}textarea.html", f"{WIDGETS}clearable_file_input.html"
# boxes and buttons in a list: ``{% include "…/multiple_input.html" %}`` and its options
CHOICE_LISTS = {f"{WIDGETS}{name}.html" for name in ("checkbox_select", "radio", "multiple_input")}
CHOICE_OPTIONS = {
    f"{WIDGETS}{name}.html" for name in ("checkbox_option", "radio_option", "input_option")
}
BUILT_IN = Path(django.forms.__file__).resolve().parent / "templates"

# ``{{ value }}`` in the forms engine: autoescaped, localized as the templates are
_CONTEXT = Context(autoescape=True)


def _out(value) -> str:
    if type(value) is str:  # plain text, the commonest: what the engine does to it
        return escape(value)
    return render_value_in_context(value, _CONTEXT)


def _formatted(value):
    """``value|stringformat:'s'`` (safe text stays safe, as the filter keeps it)."""
    if isinstance(value, tuple):
        value = str(value)
    try:
        text = "%s" % value  # noqa: UP031 (the filter formats so: "%" + "s")
    except (ValueError, TypeError):
        return ""
    return mark_safe(text) if isinstance(value, SafeData) else text  # noqa: S308 (already safe)


def _attrs(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html``."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(" " + _out(name))
        if value is not True:
            out.append('="' + _out(_formatted(value)) + '"')
    return "".join(out)


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = ' value="' + _out(_formatted(value)) + '"' if value != None else ""  # noqa: E711 (as the template compares)
    return (
        f'<input type="{_out(widget["type"])}" name="{_out(widget["name"])}"{shown}'
        f"{_attrs(widget['attrs'])}>"
    )


def _option(option: dict) -> str:
    return (
        f'<option value="{_out(_formatted(option["value"]))}"{_attrs(option["attrs"])}>'
        f"{_out(option['label'])}</option>\n"
    )


def _select(widget: dict) -> str | None:
    parts = [f'<select name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_out(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION:
                return None  # an option of its own template: the engine renders the select
            parts.append("\n  " + _option(option))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _choice_option(option: dict) -> str:
    """``input_option.html`` as ``checkbox_option.html``/``radio_option.html`` include it
    (``input.html`` and each of them end in a line break)."""
    html = _input(option) + "\n"
    if option["wrap_label"]:
        box = option["attrs"].get("id")
        label_for = f' for="{_out(box)}"' if box else ""
        html = f"<label{label_for}>{html} {_out(option['label'])}</label>"
    return html + "\n\n"


def _choice_list(widget: dict) -> str | None:
    """``multiple_input.html``: each option in its ``<div>``, a group in its own."""
    box, css = widget["attrs"].get("id"), widget["attrs"].get("class")
    parts = ["<div"]
    if box:
        parts.append(f' id="{_out(box)}"')
    if css:
        parts.append(f' class="{_out(css)}"')
    parts.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_out(group)}</label>")
        for option in options:
            if option["template_name"] not in CHOICE_OPTIONS:
                return None
            parts.append("<div>\n    " + _choice_option(option) + "</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


def _textarea(widget: dict) -> str:
    value = _out(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


class FormRenderer(DjangoTemplates):
    """Django's template renderer, with the commonest widgets written in Python."""

    @cached_property
    def _own(self) -> dict:
        """Which widget templates are still Django's own (an app may override one)."""
        found = {}
        for name in (*INPUTS, SELECT, OPTION, TEXTAREA, CLEARABLE, *CHOICE_LISTS, *CHOICE_OPTIONS):
            origin = Path(self.get_template(name).origin.name).resolve()
            found[name] = origin.is_relative_to(BUILT_IN)
        return found

    def render(self, template_name, context, request=None):
        if self._own.get(template_name) and "widget" in context:
            widget = context["widget"]
            if template_name in INPUTS:
                return _input(widget)
            if template_name == TEXTAREA:
                return _textarea(widget)
            if template_name == CLEARABLE and not widget["is_initial"]:  # no file yet
                return (
                    f'<input type="{_out(widget["type"])}" name="{_out(widget["name"])}"'
                    f"{_attrs(widget['attrs'])}>"
                )
            if template_name in CHOICE_LISTS and all(self._own[o] for o in CHOICE_OPTIONS):
                html = _choice_list(widget)
                if html is not None:
                    return html
            if template_name == SELECT and self._own[OPTION]:
                html = _select(widget)
                if html is not None:
                    return html.strip()
        return super().render(template_name, context, request=request)
