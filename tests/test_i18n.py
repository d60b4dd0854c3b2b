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


# ----- no raw codes in the Chinese UI -------------------------------------------------------

import io  # noqa: E402
import re  # noqa: E402

import pytest  # noqa: E402
from django.urls import reverse  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from shegong.work.models import CaseEvent  # noqa: E402

RAW = [
    re.compile(r"\bshegong\.[a-z_]+(\.[a-z_]+)+\b"),  # an action code
    re.compile(r"\b(?:" + "|".join(CaseEvent.KINDS) + r")\b"),  # a case step's code
    re.compile(r"\b(?:regions|stations|agencies|users)\b"),  # a tile's key
    re.compile(r"\(seed \d+\)"),
    re.compile(r"\b(?:county_officer|social_worker|station_lead|security_admin)\b"),  # a role
]


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def _raw_codes(text: str) -> list[str]:
    return [m.group(0) for pattern in RAW for m in pattern.finditer(text)]


@pytest.mark.parametrize(
    ("role", "page"),
    [
        ("social_worker", lambda w: reverse("work:case_detail", args=[w.places["own"].case.pk])),
        ("security_admin", lambda w: reverse("home")),
        ("system_admin", lambda w: reverse("home")),
        ("audit_admin", lambda w: reverse("home")),
        ("audit_admin", lambda w: reverse("audit:list")),
        ("province_officer", lambda w: reverse("indicators:rule_set_list")),
        ("county_officer", lambda w: reverse("indicators:dashboard")),
    ],
)
def test_no_raw_code_is_shown_in_the_chinese_ui(client, world, role, page):
    from tests.casework import assess_and_plan

    worker = world.actors["social_worker"]
    client.force_login(worker)
    assess_and_plan(client, world.places["own"].case)  # a case with steps on its timeline
    client.get(reverse("people:detail", args=[world.places["own"].recipient.pk]))  # an entry
    client.force_login(world.actors[role])
    response = client.get(page(world))
    assert response.status_code == 200
    assert _raw_codes(_visible(response.content.decode())) == []


def test_the_report_workbook_has_unit_words_not_symbols(client, world):
    client.force_login(world.actors["county_officer"])
    response = client.get(reverse("indicators:report"), {"format": "xlsx", "period": "2026"})
    book = load_workbook(io.BytesIO(response.content))
    cells = [
        str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
    ]
    assert "单位" in cells and "小时" in cells  # the unit column, in words
    assert [c for c in cells if c in ("h", "¥", "h/p")] == []


def test_workers_who_did_the_work_are_not_a_head_count(client, world):
    """“Workers” names the staff who made a visit (服务社工) on its page, in its list and
    export; the employment check's column of how many workers an agency has is 人数."""
    from shegong.work.models import HomeVisit

    client.force_login(world.actors["social_worker"])
    visit = HomeVisit.objects.filter(station=world.places["own"].station).first()
    page = client.get(reverse("work:visit_detail", args=[visit.pk])).content.decode()
    assert '<dt class="col-4">服务社工</dt>' in page
    listing = client.get(reverse("work:visit_list")).content.decode()
    assert 'data-label="服务社工"' in listing and 'data-label="人数"' not in listing
    client.force_login(world.actors["county_officer"])
    check = client.get(reverse("purchase:compliance")).content.decode()
    assert '<th class="text-end">人数</th>' in check
