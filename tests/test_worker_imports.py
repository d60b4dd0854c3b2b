"""Importing a county's station staff: an account and a profile per row, through the
account and profile services (三员分立: the security administrator makes accounts), a dry
run that makes none, initial passwords handed over once, and a re-import that changes
nothing."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from shegong.accounts.models import User
from shegong.audit.models import AuditEntry
from shegong.imports.models import ImportJob
from shegong.workforce.models import SocialWorkerProfile

from .conftest import ROLES
from .test_imports import commit
from .test_imports import upload as import_roster
from .test_imports import xlsx as roster_file

WORKER_IMPORT_URLS = {"imports:workers", "imports:workers_template", "imports:passwords"}
HEADERS = ["用户名", "姓名", "手机号", "岗位", "社工站", "学历", "职业资格", "证书编号", "取证日期"]


def roster(station: str, n=3):
    return [
        [
            f"import_w{i}",
            f"社工{i}",
            f"1360000{i:04d}",
            "站长" if i == 0 else "驻站社工",
            station,
            "本科" if i % 2 else "大专",
            "助理社会工作师" if i % 2 else "无",
            f"2024{i:09d}" if i % 2 else "",
            "2024-06-01" if i % 2 else "",
        ]
        for i in range(n)
    ]


def xlsx(rows, name="人员.xlsx"):
    return roster_file(rows, HEADERS, name, title="")


def upload(user, file, **kw) -> ImportJob:
    return import_roster(user, file, kind="workers", region="430302", **kw)


@pytest.fixture
def admin(world):
    return world.actors["security_admin"]


@pytest.fixture
def station(world):
    return world.places["own"].station


def test_staff_become_accounts_with_profiles_and_passwords_handed_over_once(admin, station, client):
    job = upload(admin, xlsx(roster(station.name)))
    assert job.status == "checked" and job.checked["new"] == 3 and job.invalid == 0, job.problems
    assert not User.objects.filter(username__startswith="import_w").exists()  # a dry run
    job = commit(admin, job)
    assert job.status == "done" and job.committed["new"] == 3
    made = {u.username: u for u in User.objects.filter(username__startswith="import_w")}
    lead, worker = made["import_w0"], made["import_w1"]
    assert (lead.role, lead.station, lead.full_name) == ("station_lead", station, "社工0")
    assert worker.role == "social_worker" and worker.must_change_password
    profile = SocialWorkerProfile.objects.get(user=worker)
    assert (profile.education, profile.qualification, profile.certificate_no) == (
        "bachelor",
        "assistant",
        "2024000000001",
    )
    assert str(profile.certificate_date) == "2024-06-01"
    assert AuditEntry.objects.filter(action="shegong.user.created").count() == 3
    # the passwords: once, for whoever uploaded the file, and they sign in
    client.force_login(admin)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert 'data-testid="passwords-form"' in page
    sheet = load_workbook(
        io.BytesIO(client.post(reverse("imports:passwords", args=[job.pk])).content)
    ).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] and r[3]}
    assert set(rows) == set(made)
    assert worker.check_password(rows["import_w1"][3])
    assert rows["import_w1"][2] == station.name
    again = client.post(reverse("imports:passwords", args=[job.pk]))
    assert again.status_code == 302  # gone: the page says so
    job.refresh_from_db()
    assert job.passwords == ""
    entry = AuditEntry.objects.get(action="shegong.import.passwords_downloaded")
    assert entry.data["accounts"] == "3" and "import_w1" not in str(entry.data)


def test_the_same_roster_again_changes_nothing_and_an_update_changes_the_profile(admin, station):
    rows = roster(station.name)
    commit(admin, upload(admin, xlsx(rows)))
    before = list(User.objects.filter(username__startswith="import_w").values_list("version"))
    again = commit(admin, upload(admin, xlsx(rows)))
    assert again.checked["unchanged"] == 3 and again.passwords == ""
    assert list(User.objects.filter(username__startswith="import_w").values_list("version")) == (
        before
    )
    rows[2][6], rows[2][7], rows[2][8] = "社会工作师", "2025000000002", "2025-06-01"
    rows[0][2] = "13911110000"
    job = commit(admin, upload(admin, xlsx(rows)))
    assert job.committed["updated"] == 2 and job.committed["unchanged"] == 1
    assert User.objects.get(username="import_w0").phone == "13911110000"
    assert SocialWorkerProfile.objects.get(user__username="import_w2").qualification == (
        "social_worker"
    )


def test_rows_that_break_the_account_or_profile_rules_are_invalid(admin, station, world):
    rows = roster(station.name, 7)
    rows[1][4] = "不存在的社工站"  # line 3
    rows[2][3] = "主任"  # line 4: not a post
    rows[3][7] = ""  # line 5: a qualification without its number
    rows[4][2] = "1380000000012"  # line 6: not a phone
    rows[5][0] = rows[0][0]  # line 7: the username of line 2 again
    rows[6][0] = world.places["neighbour"].worker.username  # line 8: someone else's account
    job = upload(admin, xlsx(rows))
    assert {(line, column) for line, column, _t in job.problems} == {
        (3, "社工站"),
        (4, "岗位"),
        (5, "证书编号"),
        (6, "手机号"),
        (7, "用户名"),
        (8, "用户名"),
    }, job.problems
    assert job.checked["new"] == 1
    with pytest.raises(ValidationError):
        commit(admin, job)
    assert not User.objects.filter(username__startswith="import_w").exists()


def test_only_the_security_administrator_imports_staff(world, station):
    with pytest.raises(PermissionDenied):
        upload(world.actors["county_officer"], xlsx(roster(station.name)))


@pytest.mark.parametrize("role", ROLES)
def test_staff_import_pages_by_role(world, client, role, admin, station):
    job = commit(admin, upload(admin, xlsx(roster(station.name, 1))))
    client.force_login(world.actors[role])
    allowed = role == "security_admin"
    assert client.get(reverse("imports:workers")).status_code == (200 if allowed else 403)
    template = client.get(reverse("imports:workers_template"))
    assert template.status_code == (200 if allowed else 403)
    if allowed:
        book = load_workbook(io.BytesIO(template.content))
        assert book["社工站人员"]["A1"].value == "用户名*"
    # the passwords: the uploader's alone (officers above may read the report)
    got = client.post(reverse("imports:passwords", args=[job.pk])).status_code
    sees = role in {"security_admin", "county_officer", "city_officer", "province_officer"}
    assert got == (200 if allowed else 403 if sees else 404)
