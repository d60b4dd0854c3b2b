"""Issue #11, part 3: an audit log an auditor can read, and that is true."""

import io
import json

from django.urls import reverse
from openpyxl import load_workbook

from shegong.accounts.models import User
from shegong.audit.describe import ACTIONS, snapshot
from shegong.audit.models import AuditEntry
from shegong.stations.models import Station
from shegong.work.models import HomeVisit


def _api(client, path, payload):
    return client.post(path, json.dumps(payload), content_type="application/json")


def test_every_action_the_code_writes_has_a_label():
    """An action code written anywhere in the code is named in words (an unknown one would
    show as a code)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "shegong"
    written = set()
    for path in root.rglob("*.py"):
        text = path.read_text()
        written |= set(re.findall(r'action="(shegong\.[a-z_.]+)"', text))
    for entity in ("visit", "activity", "admin_work", "training", "recipient", "station", "agency"):
        written.add(f"shegong.{entity}.created")
    missing = sorted(code for code in written if code not in ACTIONS)
    assert missing == []


def test_the_log_reads_in_chinese_and_filters_by_label(client, world):
    client.force_login(world.actors["social_worker"])
    client.get(reverse("people:detail", args=[world.places["own"].recipient.pk]))
    client.force_login(world.actors["audit_admin"])
    page = client.get(reverse("audit:list"), {"action": "shegong.recipient.viewed"})
    body = page.content.decode()
    assert "查看服务对象" in body and ">shegong.recipient.viewed<" not in body
    assert (
        page.context["page"].paginator.count
        == AuditEntry.objects.filter(action="shegong.recipient.viewed").count()
    )
    # the filter offers labels and categories, not codes to type
    options = dict(page.context["filters"][1].choices)
    assert options["shegong.recipient.viewed"] == "查看服务对象"
    personal = next(k for k, v in options.items() if "个人信息" in str(v))
    by_category = client.get(reverse("audit:list"), {"action": personal})
    assert by_category.context["page"].paginator.count >= 1


def test_details_are_words_and_equal_what_was_saved(client, world):
    """A county officer's account posted with a station is saved without one (officers have
    no station): the entry says what was saved."""
    client.force_login(world.actors["security_admin"])
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "newofficer",
            "full_name": "新干部",
            "role": "county_officer",
            "scope_region": "430302",
            "station": world.places["own"].station.pk,
            "password": "Xk9#mP2$vQ7!",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newofficer")
    assert user.station_id is None
    entry = AuditEntry.objects.get(action="shegong.user.created", object_id=str(user.pk))
    assert "station" not in entry.data  # not the station that was posted
    assert entry.data["role"] == "县级民政干部"  # a label, not county_officer
    assert entry.data["scope_region"] == "雨湖区"
    assert "QuerySet" not in json.dumps(entry.data, ensure_ascii=False)


def test_every_audited_write_logs_the_saved_state(client, world):
    client.force_login(world.actors["social_worker"])
    own = world.places["own"]
    visit = {
        "date": "2026-03-02",
        "region": own.village,
        "recipient": own.recipient.pk,
        "workers": [world.actors["social_worker"].pk, own.worker.pk],
        "hours": "1.50",
        "situation": "独居",
    }
    pk = _api(client, "/api/visits", visit).json()["id"]
    saved = HomeVisit.objects.get(pk=pk)
    entry = AuditEntry.objects.get(action="shegong.visit.created", object_id=str(pk))
    expected = snapshot(saved, entry.data.keys())
    assert entry.data == expected
    assert entry.data["workers"] == "、".join(sorted(str(w) for w in saved.workers.all()))
    assert entry.data["hours"] == "1.5"
    # an edit logs "old → new" of what changed, as saved
    client.force_login(world.actors["county_officer"])
    station = own.station
    form = client.get(reverse("stations:edit", args=[station.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, "")}
    data.update(
        {
            "region": station.region_id,
            "agency": station.agency_id,
            "phone": "0731-52223333",
            "is_active": "on",
            "version": station.version,
        }
    )
    data.pop("rooms", None)
    response = client.post(reverse("stations:edit", args=[station.pk]), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    entry = AuditEntry.objects.filter(action="shegong.station.changed").latest("pk")
    assert entry.data["phone"].endswith("→ 0731-52223333")
    assert Station.objects.get(pk=station.pk).phone == "0731-52223333"


def test_the_export_carries_the_labels(client, world):
    client.force_login(world.actors["social_worker"])
    client.get(reverse("people:detail", args=[world.places["own"].recipient.pk]))
    client.force_login(world.actors["audit_admin"])
    response = client.get(reverse("audit:list"), {"export": "xlsx"})
    cells = [
        str(c)
        for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        for c in row
    ]
    assert "查看服务对象" in cells and "个人信息" in cells


def test_labels_are_in_the_readers_language_each_time():
    """The log's field and action labels, kept once per process, follow the language of
    each request: Chinese, then English, then Chinese again."""
    from django.utils.translation import override

    from shegong.audit.describe import ACTIONS, DETAIL_LABELS, action_choices, field_label
    from shegong.work.models import HomeVisit

    seen = {}
    for language in ("zh-hans", "en", "zh-hans"):
        with override(language):
            label = field_label("homevisit", "hours")
            assert label == str(HomeVisit._meta.get_field("hours").verbose_name)
            assert field_label("homevisit", "long_day") == str(DETAIL_LABELS["long_day"])
            choices = dict(action_choices())
            assert choices["shegong.auth.login"] == str(ACTIONS["shegong.auth.login"][0])
            seen.setdefault(language, (label, choices["shegong.auth.login"]))
            assert seen[language] == (label, choices["shegong.auth.login"])
    assert seen["zh-hans"] != seen["en"]
    assert seen["en"][1] == "Signed in"
