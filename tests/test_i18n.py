"""Simplified Chinese is complete, and the compiled catalogue matches its source."""

from pathlib import Path

import polib
from django.conf import settings

PO = Path(settings.BASE_DIR) / "shegong/locale/zh_Hans/LC_MESSAGES/django.po"


def test_every_string_is_translated():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


def test_compiled_catalogue_matches_source():
    po = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural
        for e in polib.pofile(str(PO))
        if not e.obsolete
    }
    mo = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural
        for e in polib.mofile(str(PO.with_suffix(".mo")))
    }
    mo.pop((None, ""), None)
    assert mo == po, "run `make messages` to recompile django.mo"
