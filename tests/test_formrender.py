"""The project's form renderer (core.formrender) writes the commonest widgets in Python:
each must come out exactly as Django's templates write it, whatever the value."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from shegong.core.formrender import FormRenderer

pytestmark = pytest.mark.django_db

ODD = ["<b>&\"'</b>", "", "0", "名称 · 社工站", mark_safe("<i>safe</i>"), " spaced "]

CHOICES = [
    ("", "---------"),
    ("a", gettext_lazy("Draft")),
    ("<x>", '<危险> & "quote"'),
    ("分组", [("1", "一"), ("2", mark_safe("<b>二</b>"))]),
    (3, 4),
]


class Every(forms.Form):
    text = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"class": "form-control"}))
    optional = forms.CharField(required=False)
    number = forms.DecimalField(max_digits=6, decimal_places=2, min_value=0)
    count = forms.IntegerField(required=False, widget=forms.NumberInput(attrs={"step": 1}))
    email = forms.EmailField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    flag = forms.BooleanField(required=False)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    when = forms.DateTimeField(required=False)
    link = forms.URLField(required=False, assume_scheme="https")
    upload = forms.FileField(required=False)
    kept = forms.FileField(required=False, widget=forms.ClearableFileInput)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(choices=CHOICES, required=False)
    kinds = forms.MultipleChoiceField(choices=CHOICES, required=False)
    picks = forms.MultipleChoiceField(
        choices=CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    boxed = forms.MultipleChoiceField(
        choices=CHOICES[1:3],
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "list-unstyled <x>"}),
    )
    one = forms.ChoiceField(choices=CHOICES, required=False, widget=forms.RadioSelect)
    disabled = forms.CharField(required=False, disabled=True)
    odd = forms.CharField(
        required=False,
        widget=forms.TextInput(
            attrs={"data-x": True, "data-off": False, "data-n": 0, "aria-label": "<"}
        ),
    )


def _both(form) -> list[tuple[str, str, str]]:
    fast, plain = FormRenderer(), DjangoTemplates()
    out = []
    for name, field in form.fields.items():
        bound = form[name]
        widget, attrs = field.widget, bound.build_widget_attrs({})
        if bound.auto_id and "id" not in widget.attrs:
            attrs.setdefault("id", bound.auto_id)
        value = bound.value()
        out.append(
            (
                name,
                widget.render(bound.html_name, value, attrs, renderer=fast),
                widget.render(bound.html_name, value, attrs, renderer=plain),
            )
        )
    return out


def _values(odd):
    return {
        "text": odd,
        "optional": odd,
        "number": "12.50",
        "count": "7",
        "email": odd,
        "secret": odd,
        "hidden": odd,
        "flag": "on",
        "day": "2026-12-06",
        "when": "2026-12-06 08:30",
        "link": odd,
        "note": odd,
        "kind": "<x>",
        "kinds": ["a", "2"],
        "picks": ["<x>", "1"],
        "boxed": ["a"],
        "one": "2",
        "odd": odd,
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_widget_comes_out_as_djangos_templates_write_it(language, monkeypatch):
    engine = []  # what the project's renderer still leaves to the template engine
    plain_render = DjangoTemplates.render

    def spy(self, template_name, context, request=None):
        if isinstance(self, FormRenderer):
            engine.append(template_name)
        return plain_render(self, template_name, context, request)

    monkeypatch.setattr(DjangoTemplates, "render", spy)
    with override(language):
        cases = [Every(), Every(data={}), Every(initial={"number": Decimal("3.10"), "flag": True})]
        cases += [Every(data=_values(odd)) for odd in ODD]
        cases.append(
            Every(
                initial={
                    "day": datetime.date(2026, 1, 2),
                    "when": datetime.datetime(2026, 1, 2, 3, 4),
                    "count": 10**9,
                    "kind": 3,
                    "kinds": [3, "1"],
                }
            )
        )
        compared = 0
        for form in cases:
            form.is_valid()
            for name, fast, plain in _both(form):
                assert fast == plain, (name, fast, plain)
                compared += 1
    assert compared == len(cases) * len(Every.base_fields)
    assert engine == []  # every one of them written in Python


def _plain_pages():
    """Every page that takes no argument (its URL name and path)."""
    from django.urls import NoReverseMatch, get_resolver, reverse

    found = []

    def walk(patterns, namespace):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                inner = f"{namespace}:{p.namespace}" if namespace and p.namespace else p.namespace
                walk(p.url_patterns, inner or namespace)
            elif p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
                try:
                    found.append(reverse(name))
                except NoReverseMatch:
                    pass

    walk(get_resolver().url_patterns, "")
    return sorted({u for u in found if "logout" not in u and not u.startswith("/api/")})


@pytest.mark.parametrize("role", ["social_worker", "county_officer", "agency_admin"])
def test_every_page_renders_the_same_with_djangos_renderer(client, world, settings, role):
    """Whole pages through the real forms (create pages, filters, settings): each page a
    role may open, the same HTML with the project's renderer as with Django's."""
    from django.forms.renderers import get_default_renderer

    client.force_login(world.actors[role])

    def page(url: str, renderer: str) -> str | None:
        settings.FORM_RENDERER = renderer
        get_default_renderer.cache_clear()
        answer = client.get(url)
        if answer.status_code != 200 or answer.streaming:
            return None
        if not answer.get("Content-Type", "").startswith("text/html"):
            return None
        return _without_tokens(answer.content.decode())

    fast, plain = "shegong.core.formrender.FormRenderer", "django.forms.renderers.DjangoTemplates"
    compared = []
    for url in _plain_pages():
        first = page(url, plain)  # a page that makes something when first opened has made it
        if first is None or not any(tag in first for tag in ("<input", "<select", "<textarea")):
            continue
        ours, theirs, again = page(url, fast), page(url, plain), page(url, plain)
        if ours is None or theirs != again:
            continue  # not a page for this role, or one that changes by itself (a log)
        assert ours == theirs, url
        compared.append((url, "<input" in ours))
    get_default_renderer.cache_clear()
    assert sum(1 for _url, fields in compared if fields) >= 10, compared


def _without_tokens(html: str) -> str:
    import re

    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'<meta name="csrf-token" content="[^"]+"', "", html)
    html = re.sub(r'nonce="[^"]+"', "", html)
    return re.sub(r'name="idempotency_key" value="[^"]+"', "", html)
