"""Widgets the stock ones lack."""

import json

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _


class SearchSelectMultiple(forms.SelectMultiple):
    """Many records chosen by search, not from a list of every one of them.

    The chosen records are checked boxes (untick one to drop it); a search box asks
    ``search_url`` (htmx, ``GET ?q=…&name=…``) for matching records, rendered as unticked
    boxes of the same name; ticking one moves it to the chosen (``app.js``). Only the
    chosen records are read to render the field, so a township of thousands of people
    costs one query of a few rows. The field (a ``ModelMultipleChoiceField``) still
    validates every submitted id against its queryset.
    """

    def __init__(self, *, search_url, attrs=None):
        super().__init__(attrs)
        self.search_url = search_url

    def _chosen(self, value) -> list[tuple[str, str]]:
        ids = [str(v) for v in value or () if str(v).isascii() and str(v).isdigit()]
        queryset = getattr(self.choices, "queryset", None)
        if not ids or queryset is None:
            return []
        label = self.choices.field.label_from_instance
        return [(str(obj.pk), label(obj)) for obj in queryset.filter(pk__in=ids[:500])]

    def render(self, name, value, attrs=None, renderer=None):
        base = (attrs or {}).get("id") or f"id_{name}"
        boxes = format_html_join(
            "",
            '<div class="form-check"><input class="form-check-input" type="checkbox" '
            'name="{}" value="{}" id="{}_{}" checked><label class="form-check-label" '
            'for="{}_{}">{}</label></div>',
            ((name, pk, base, pk, base, pk, label) for pk, label in self._chosen(value)),
        )
        return format_html(
            '<div class="picker" data-testid="picker-{}">'
            '<div class="picker-chosen" id="{}">{}</div>'
            '<input type="search" class="form-control form-control-sm mt-1" name="q" '
            'placeholder="{}" aria-label="{}" autocomplete="off" hx-get="{}" hx-vals="{}" '
            'hx-trigger="input changed delay:300ms, search" hx-target="#{}-results" '
            'data-testid="picker-search-{}">'
            '<div class="picker-results mt-1" id="{}-results" aria-live="polite"></div></div>',
            name,
            base,
            boxes,
            _("Search by name or pinyin initials"),
            _("Search by name or pinyin initials"),
            self.search_url,
            json.dumps({"name": name}),
            base,
            name,
            base,
        )

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)


class SearchSelect(forms.Select):
    """One record chosen by search (a person, a household), not from a list of every one.

    As ``SearchSelectMultiple``, with radio buttons: the chosen record is a checked radio,
    a search result chosen replaces it (``app.js``); a result that carries ``data-region``
    also sets the form's village (``select[name=region]``). The endpoint is asked with
    ``single=1``. Only the chosen record is read to render the field.
    """

    def __init__(self, *, search_url, attrs=None):
        super().__init__(attrs)
        self.search_url = search_url

    def _chosen(self, value) -> list[tuple[str, str]]:
        pk = str(value or "")
        queryset = getattr(self.choices, "queryset", None)
        if not (pk.isascii() and pk.isdigit()) or queryset is None:
            return []
        label = self.choices.field.label_from_instance
        return [(str(obj.pk), label(obj)) for obj in queryset.filter(pk=pk)[:1]]

    def render(self, name, value, attrs=None, renderer=None):
        base = (attrs or {}).get("id") or f"id_{name}"
        chosen = format_html_join(
            "",
            '<div class="form-check"><input class="form-check-input" type="radio" '
            'name="{}" value="{}" id="{}_{}" checked><label class="form-check-label" '
            'for="{}_{}">{}</label></div>',
            ((name, pk, base, pk, base, pk, label) for pk, label in self._chosen(value)),
        )
        return format_html(
            '<div class="picker picker-single" data-testid="picker-{}">'
            '<div class="picker-chosen" id="{}">{}</div>'
            '<input type="search" class="form-control form-control-sm mt-1" name="q" '
            'placeholder="{}" aria-label="{}" autocomplete="off" hx-get="{}" hx-vals="{}" '
            'hx-trigger="input changed delay:300ms, search" hx-target="#{}-results" '
            'data-testid="picker-search-{}">'
            '<div class="picker-results mt-1" id="{}-results" aria-live="polite"></div></div>',
            name,
            base,
            chosen,
            _("Search by name, pinyin initials or the last 4 ID digits"),
            _("Search by name, pinyin initials or the last 4 ID digits"),
            self.search_url,
            json.dumps({"name": name, "single": 1}),
            base,
            name,
            base,
        )
