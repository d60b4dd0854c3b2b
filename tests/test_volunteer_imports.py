"""Importing a station's volunteer roster: each row through the volunteer form's own
service (ID number, phone, consent, home village in the township), a dry run that
registers nobody, an all-or-nothing commit, and a re-import that changes nothing."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from shegong.audit.models import AuditEntry
from shegong.community import services as community
from shegong.community.models import Volunteer
from shegong.imports.models import ImportJob

from .conftest import ROLES
from .factories import make_id_number
from .test_imports import commit
from .test_imports import upload as import_roster
from .test_imports import xlsx as roster_file

HEADERS = ["姓名", "公民身份号码", "手机号码", "村（社区）代码", "政治面貌", "特长", "是否同意"]
VOLUNTEER_IMPORT_URLS = {"imports:volunteers", "imports:volunteers_template"}
# station staff import volunteers (into their township); officers register none
VOLUNTEER_IMPORTERS = {"social_worker", "station_lead"}


def roster(n=10):
    return [
        [
            f"志愿{i:02d}",
            make_id_number("430302", f"19{70 + i % 20}0505", 300 + i) if i % 2 else "",
            f"1370000{i:04d}",
            "430302001001",
            "中共党员" if i % 3 == 0 else "群众",
            "理发" if i % 2 else "陪伴",
            "是",
        ]
        for i in range(n)
    ]


def xlsx(rows, name="志愿者.xlsx"):
    return roster_file(rows, HEADERS, name, title="")


def upload(user, file, **kw) -> ImportJob:
    return import_roster(user, file, kind="volunteers", region="430302001", **kw)


@pytest.fixture
def worker(world):
    return world.actors["social_worker"]


def test_a_roster_is_checked_then_registered_by_the_volunteer_service(worker):
    job = upload(worker, xlsx(roster(10)))
    assert job.status == "checked" and job.checked["new"] == 10 and job.invalid == 0
    assert not Volunteer.objects.exists()  # the dry run registers nobody
    assert not AuditEntry.objects.filter(action="shegong.volunteer.created").exists()
    job = commit(worker, job)
    assert job.status == "done" and job.committed["new"] == 10
    people = Volunteer.objects.order_by("name")
    assert [v.name for v in people] == [f"志愿{i:02d}" for i in range(10)]
    first = people[0]
    # what the form's service does: a number (never the ID number), the phone kept
    # encrypted with its last four digits, the station, consent dated, the audit entry
    assert first.number.startswith("ZY430302") and first.station == worker.station
    assert first.phone == "13700000000" and first.phone_last4 == "0000"
    assert first.political_status == "party" and first.consent and first.consent_date
    assert people[1].id_last4 and people[1].id_hash
    assert AuditEntry.objects.filter(action="shegong.volunteer.created").count() == 10
    assert AuditEntry.objects.get(action="shegong.import.committed").data["new"] == "10"


def test_the_same_file_again_changes_nothing(worker):
    rows = roster(6)
    commit(worker, upload(worker, xlsx(rows)))
    before = list(Volunteer.objects.order_by("pk").values_list("pk", "version", "number"))
    audited = AuditEntry.objects.latest("pk").pk
    job = commit(worker, upload(worker, xlsx(rows)))
    assert job.checked == {"new": 0, "updated": 0, "unchanged": 6, "skipped": 0, "invalid": 0}
    assert list(Volunteer.objects.order_by("pk").values_list("pk", "version", "number")) == (before)
    # the second upload and commit are audited; no volunteer is
    assert not AuditEntry.objects.filter(pk__gt=audited, action__startswith="shegong.volunteer")


def test_a_registered_volunteer_is_updated_or_skipped_never_registered_twice(worker):
    rows = roster(3)
    commit(worker, upload(worker, xlsx(rows)))
    rows[0][5] = "理发、医护"  # no ID number: found by name and phone
    rows[1][5] = "法律咨询"  # found by ID number
    job = upload(worker, xlsx(rows), on_existing="skip")
    assert job.checked["skipped"] == 3
    commit(worker, job)
    assert Volunteer.objects.get(name="志愿00").skills == "陪伴"
    job = commit(worker, upload(worker, xlsx(rows)))
    assert job.committed["updated"] == 2 and job.committed["unchanged"] == 1
    assert Volunteer.objects.count() == 3
    changed = Volunteer.objects.get(name="志愿00")
    assert changed.skills == "理发、医护" and changed.version == 2
    assert Volunteer.objects.get(name="志愿01").skills == "法律咨询"
    assert AuditEntry.objects.filter(action="shegong.volunteer.changed").count() == 2


def test_invalid_rows_say_what_is_wrong_and_nothing_is_registered(worker, world):
    rows = roster(9)  # lines 2 to 10; lines 2 and 3 stay valid
    rows[2][2] = "12345"  # line 4: not a phone
    rows[3][6] = "否"  # line 5: no consent
    rows[4][3] = world.places["neighbour"].village  # line 6: outside the township
    rows[5][4] = "无党派xyz"  # line 7: not a political status
    good = make_id_number("430302", "19800101", 901)
    rows[6][1] = good[:-1] + ("0" if good[-1] != "0" else "1")  # line 8: a wrong check digit
    rows[7][1] = rows[1][1]  # line 9: line 3's ID number again
    rows[8][0] = ""  # line 10: no name
    job = upload(worker, xlsx(rows))
    assert job.invalid == 7 and job.checked["new"] == 2, job.problems
    assert {(line, column) for line, column, _text in job.problems} == {
        (4, "手机号码"),
        (5, "是否同意"),
        (6, "村（社区）代码"),
        (7, "政治面貌"),
        (8, "公民身份号码"),
        (9, "公民身份号码"),
        (10, "姓名"),
    }
    said = dict(((line, text) for line, _column, text in job.problems))
    assert "第 3 行" in said[9]  # points at the first line
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in said.values())
    book = load_workbook(io.BytesIO(bytes(job.error_book))).active
    assert book.max_row == 1 + 7
    assert not Volunteer.objects.exists()
    with pytest.raises(ValidationError):  # all-or-nothing: refused while rows are invalid
        commit(worker, job)
    job = commit(worker, job, valid_only=True)
    assert job.committed["new"] == 2 and Volunteer.objects.count() == 2


def test_a_volunteer_changed_after_the_check_keeps_the_change(worker):
    rows = roster(2)
    commit(worker, upload(worker, xlsx(rows)))
    rows[1][5] = "书法"  # line 3, found by its ID number
    job = upload(worker, xlsx(rows))
    assert job.checked["updated"] == 1 and job.staged
    # meanwhile the worker records the volunteer's availability on the form
    v = Volunteer.objects.get(name="志愿01")
    Volunteer.objects.filter(pk=v.pk).update(version=v.version + 1)  # as the form claims it
    data = community.VolunteerInput(
        name=v.name,
        phone=v.phone,
        region=v.region_id,
        political_status=v.political_status,
        consent=True,
        id_number=v.id_number,
        skills=v.skills,
        availability="周六上午",
    )
    community.volunteer_record(by=worker, data=data, instance=Volunteer.objects.get(pk=v.pk))
    job = commit(worker, job)
    assert job.status == "done" and not job.staged
    v.refresh_from_db()
    # the commit found the volunteer changed since its check and checked again: the
    # file's skill and the form's availability are both kept, as a new version
    assert (v.skills, v.availability, v.version) == ("书法", "周六上午", 3)
    assert Volunteer.objects.count() == 2


def test_officers_do_not_import_volunteers(world):
    with pytest.raises(PermissionDenied):
        upload(world.actors["county_officer"], xlsx(roster(1)))


@pytest.mark.parametrize("role", ROLES)
def test_volunteer_import_pages_by_role(world, client, role):
    client.force_login(world.actors[role])
    upload_page = client.get(reverse("imports:volunteers"))
    template = client.get(reverse("imports:volunteers_template"))
    allowed = role in VOLUNTEER_IMPORTERS
    assert upload_page.status_code == (200 if allowed else 403)
    assert template.status_code == (200 if allowed else 403)
    if allowed:
        page = upload_page.content.decode()
        assert 'data-testid="import-kinds"' in page  # people and volunteers, both offered
        book = load_workbook(io.BytesIO(template.content))
        assert book["志愿者"]["A1"].value == "姓名*"
        assert [c.value for c in book["选项"]["A"] if c.value][:2] == ["中共党员", "中共预备党员"]


def test_the_template_imports_as_it_is_filled_in(worker, client):
    client.force_login(worker)
    book = load_workbook(io.BytesIO(client.get(reverse("imports:volunteers_template")).content))
    sheet = book["志愿者"]
    headers = [c.value.rstrip("*") for c in sheet[1]]
    row = dict.fromkeys(headers, "")
    row |= {
        "姓名": "王五",
        "联系电话": "13600001234",
        "村（社区）代码": "430302001001",
        "政治面貌": "群众",
        "同意记录服务": "是",
    }
    sheet.append([row[h] for h in headers])
    out = io.BytesIO()
    book.save(out)
    response = client.post(
        reverse("imports:volunteers"),
        {
            "region": "430302001",
            "on_existing": "update",
            "file": SimpleUploadedFile("模板.xlsx", out.getvalue()),
        },
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.kind == "volunteers"
    assert job.checked["new"] == 1 and job.invalid == 0, job.problems  # the example skipped
