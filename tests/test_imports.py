"""Importing people from Excel or CSV: the same rules as the form, a dry run with a
preview and an error workbook, all-or-nothing commits, re-imports that change nothing,
and the aggregates exact afterwards."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from shegong.audit.models import AuditEntry
from shegong.core import crypto
from shegong.imports import services
from shegong.imports.models import ImportJob
from shegong.indicators.models import Aggregate
from shegong.indicators.rebuild import rebuild_aggregates, rebuild_facts
from shegong.people.models import Category, Recipient

from .conftest import ROLES
from .factories import make_id_number

IMPORT_URLS = {
    "imports:list",
    "imports:upload",
    "imports:template",
    "imports:detail",
    "imports:commit",
    "imports:errors",
}
# who may import people: station staff into their township, county officers into theirs
IMPORTERS = {"social_worker", "station_lead", "county_officer"}

HEADERS = ["姓名", "公民身份号码", "村（社区）代码", "联系电话", "人员类别", "住址", "出生日期"]
VILLAGES = ["430302001001", "430302001002", "430302002001", "430302002002"]


def roster_rows(n=100):
    """``n`` valid people of 雨湖区, born 1940–1959 (no guardian needed)."""
    return [
        [
            f"导入{i:03d}",
            make_id_number("430302", f"19{40 + i % 20}0101", 500 + i),
            VILLAGES[i % 4],
            f"1380000{i:04d}",
            "低保对象" if i % 3 else "低保对象、独居老人",
            f"{i}号",
            "",
        ]
        for i in range(n)
    ]


def xlsx(rows, headers=HEADERS, name="roster.xlsx", title="雨湖区低保人员花名册"):
    """The rows as an uploaded .xlsx, under a title row (as exported rosters have) unless
    ``title`` is empty."""
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def upload(user, file, kind="people", region="430302", **kw) -> ImportJob:
    job = services.import_upload(by=user, kind=kind, region=region, upload=file, **kw)
    job.refresh_from_db()
    return job


def commit(user, job, **kw) -> ImportJob:
    services.import_commit(by=user, job=job, **kw)
    job.refresh_from_db()
    return job


@pytest.fixture
def officer(world):
    return world.actors["county_officer"]


def test_a_valid_roster_is_checked_then_imported_with_its_categories_and_facts(officer):
    rebuild_facts()  # the world's records, made by factories, counted
    rebuild_aggregates()
    before = Recipient.objects.count()
    job = upload(officer, xlsx(roster_rows(30)))
    assert job.status == "checked" and job.checked["new"] == 30 and job.invalid == 0
    assert Recipient.objects.count() == before  # the dry run writes nothing
    job = commit(officer, job)
    assert job.status == "done" and job.committed["new"] == 30
    people = Recipient.objects.filter(name__startswith="导入")
    assert people.count() == 30
    first = people.get(name="导入000")
    assert set(first.categories.values_list("code", flat=True)) == {"dibao", "elder_alone"}
    assert first.sex == "F" and first.birth_date.year == 1940  # from the ID number (…500X)
    assert first.id_hash == crypto.keyed_hash(make_id_number("430302", "19400101", 500))
    assert first.created_by == officer
    # the aggregates are those a rebuild from the records gives
    live = set(Aggregate.objects.values_list("node", "period", "metric", "value"))
    rebuild_facts()
    rebuild_aggregates()
    assert live == set(Aggregate.objects.values_list("node", "period", "metric", "value"))
    entry = AuditEntry.objects.get(action="shegong.import.committed")
    assert entry.data["new"] == "30" and entry.data["sha256"] == job.file_sha256


def test_a_file_with_seven_kinds_of_error_gives_the_error_workbook_and_imports_nothing(
    officer, world
):
    rows = roster_rows(100)
    bad = {
        5: (1, make_id_number()[:-1] + ("0" if make_id_number()[-1] != "0" else "1")),  # check
        12: (2, world.places["neighbour"].village),  # a village outside the scope
        20: (4, "低保户口"),  # not a category
        33: (6, "1960-13-45"),  # not a date
        47: (3, "1234"),  # not a phone
        58: (1, rows[57][1]),  # the same ID number as the line before
        71: (1, make_id_number("430302", "20150101", 901)),  # a child without a guardian
    }
    for i, (column, value) in bad.items():
        rows[i][column] = value
    rows[33][1] = ""  # a birth date is read only without an ID number
    before = Recipient.objects.count()
    job = upload(officer, xlsx(rows))
    assert job.status == "checked"
    assert job.checked == {"new": 93, "updated": 0, "unchanged": 0, "skipped": 0, "invalid": 7}
    book = load_workbook(io.BytesIO(bytes(job.error_book)))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[0] == "行号" and header[-1] == "问题"  # the importer's language
    assert header[1:-1] == HEADERS
    marked = {}
    for row in sheet.iter_rows(min_row=2):
        red = [header[c.column - 1] for c in row if c.fill and c.fill.fgColor.rgb == "00FFC7CE"]
        marked[row[0].value] = (red, row[-1].value)
    expected_columns = {
        5: "公民身份号码",
        12: "村（社区）代码",
        20: "人员类别",
        33: "出生日期",
        47: "联系电话",
        58: "公民身份号码",
        71: "监护人",  # not a column of the file: the message says it
    }
    # the file's line: a title row and a header row come first
    assert {line - 3: cols for line, (cols, _t) in marked.items()} == {
        i: ([c] if c in HEADERS else []) for i, c in expected_columns.items()
    }
    assert all(text for _c, text in marked.values())
    assert [p[0] - 3 for p in job.problems] == sorted(expected_columns)
    assert "71" not in str(job.problems[-2])  # lines, not indices
    said = {p[0] - 3: p[2] for p in job.problems}
    assert "不是在用的人员类别：低保户口" in said[20] and "不是日期" in said[33]
    assert "第 60 行" in said[58]  # the first line with that ID number
    with pytest.raises(ValidationError):
        commit(officer, job)
    assert Recipient.objects.count() == before


def test_the_check_speaks_the_importers_language(officer):
    rows = roster_rows(2)
    rows[1][4] = "低保户口"
    job = upload(officer, xlsx(rows), language="en")
    assert job.problems == [[4, "人员类别", "Not a category in use: 低保户口"]]
    assert load_workbook(io.BytesIO(bytes(job.error_book))).active["A1"].value == "Line"


def test_only_the_valid_rows_when_the_importer_chooses(officer):
    rows = roster_rows(10)
    rows[3][3] = "12"
    job = commit(officer, upload(officer, xlsx(rows)), valid_only=True)
    assert job.status == "done" and job.committed["new"] == 9 and job.committed["invalid"] == 1
    assert not Recipient.objects.filter(name="导入003").exists()


def test_importing_the_same_file_twice_changes_nothing(officer):
    file = xlsx(roster_rows(20))
    commit(officer, upload(officer, file))
    versions = dict(Recipient.objects.values_list("pk", "version"))
    aggregates = set(Aggregate.objects.values_list("node", "period", "metric", "value"))
    file.seek(0)
    again = commit(officer, upload(officer, file))
    assert again.committed["unchanged"] == 20 and again.committed["new"] == 0
    assert dict(Recipient.objects.values_list("pk", "version")) == versions
    assert set(Aggregate.objects.values_list("node", "period", "metric", "value")) == aggregates


def test_a_person_already_registered_is_updated_or_skipped_never_doubled(officer):
    rows = roster_rows(3)
    commit(officer, upload(officer, xlsx(rows)))
    rows[0][3] = "13911112222"  # a new phone
    rows[1][4] = "特困人员"  # a category added
    rows[2][5] = ""  # an empty cell keeps the address
    job = commit(officer, upload(officer, xlsx(rows)))
    assert job.committed == {"new": 0, "updated": 2, "unchanged": 1, "skipped": 0, "invalid": 0}
    people = {p.name: p for p in Recipient.objects.filter(name__startswith="导入")}
    assert len(people) == 3
    assert people["导入000"].phone == "13911112222"
    assert set(people["导入001"].categories.values_list("code", flat=True)) == {"dibao", "tekun"}
    assert people["导入002"].address == "2号"
    rows[0][3] = "13933334444"
    job = commit(officer, upload(officer, xlsx(rows), on_existing="skip"))
    assert job.committed["skipped"] == 3
    assert Recipient.objects.get(name="导入000").phone == "13911112222"


def test_headers_in_any_order_and_by_their_synonyms_and_csv_in_gbk(officer):
    rows = roster_rows(4)
    headers = ["手机号码", "身份证号码", "名字", "区划代码", "类别", "家庭住址", "生日"]
    shuffled = [[r[3], r[1], r[0], r[2], r[4], r[5], r[6]] for r in rows]
    text = "\n".join(",".join(r) for r in [headers, *shuffled])
    job = upload(officer, SimpleUploadedFile("名单.csv", text.encode("gbk")))
    assert job.status == "checked" and job.checked["new"] == 4, job.problems
    job = commit(officer, job)
    assert Recipient.objects.get(name="导入002").phone == rows[2][3]
    utf8 = SimpleUploadedFile("名单.csv", ("\ufeff" + text).encode("utf-8"))
    assert upload(officer, utf8).checked["unchanged"] == 4


def test_an_xls_workbook_with_dates_and_numbers_as_excel_stores_them(officer):
    """Excel 97-2003 (.xls, what older systems and WPS export): calamine reads it; a date
    cell and a phone typed as a number come back as the text a person sees."""
    import datetime

    import xlwt

    rows = roster_rows(3)
    rows[0][1] = ""  # no ID number: the birth date is read from the date cell
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("名单")
    for c, header in enumerate(HEADERS):
        sheet.write(0, c, header)
    date = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row[:6]):
            sheet.write(r, c, int(value) if c == 3 else value)  # the phone as a number
        # the ID number's own birth date, or (without one) the person's
        born = datetime.date(1942, 3, 5) if r == 1 else datetime.date(1939 + r, 1, 1)
        sheet.write(r, 6, born, date)
    out = io.BytesIO()
    book.save(out)
    job = upload(officer, SimpleUploadedFile("名单.xls", out.getvalue()))
    assert job.status == "checked" and job.checked["new"] == 3, (job.message, job.problems)
    commit(officer, job)
    first = Recipient.objects.get(name="导入000")
    assert first.birth_date == datetime.date(1942, 3, 5) and first.phone == rows[0][3]


def test_a_village_by_name_and_township(officer):
    rows = [["王五", "", "", "", "低保对象", "", "1950-02-03", "城正街街道", "熙春路社区居委会"]]
    job = upload(officer, xlsx(rows, headers=[*HEADERS, "乡镇（街道）", "村（社区）"]))
    assert job.checked["new"] == 1, job.problems
    commit(officer, job)
    assert Recipient.objects.get(name="王五").region_id == "430302002001"


def test_a_file_that_is_not_a_table_or_lacks_a_column_fails_with_a_message(officer):
    job = upload(officer, SimpleUploadedFile("x.xlsx", b"PK\x03\x04garbage"))
    assert job.status == "failed" and job.message
    job = upload(officer, xlsx(roster_rows(2), headers=["编号", "身份证号", "电话"]))
    assert job.status == "failed" and "姓名" in job.message


def test_who_may_import_and_see_the_report(officer, world, client):
    job = upload(officer, xlsx(roster_rows(2)))
    # a worker imports into their own township only
    worker = world.places["own"].worker
    with pytest.raises(ValidationError):
        services.import_upload(by=worker, kind="people", region="430302", upload=xlsx([]))
    for role in ("agency_admin", "evaluator", "system_admin", "city_officer"):
        with pytest.raises(PermissionDenied):
            services.import_upload(
                by=world.actors[role], kind="people", region="430302", upload=xlsx([])
            )
    # only its importer commits it or reads its invalid rows; officers of the area see it
    with pytest.raises(PermissionDenied):
        services.import_commit(by=world.actors["province_officer"], job=job)
    client.force_login(world.actors["province_officer"])
    assert client.get(reverse("imports:detail", args=[job.pk])).status_code == 200
    assert client.get(reverse("imports:errors", args=[job.pk])).status_code == 404
    client.force_login(world.places["neighbour"].worker)
    assert client.get(reverse("imports:detail", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_import_pages_by_role(officer, world, client, role):
    rows = roster_rows(2)
    rows[0][1] = "1"  # one invalid row, so the job has an error workbook
    job = upload(officer, xlsx(rows))
    client.force_login(world.actors[role])
    got = {
        "list": client.get(reverse("imports:list")).status_code,
        "upload": client.get(reverse("imports:upload")).status_code,
        "template": client.get(reverse("imports:template")).status_code,
        "detail": client.get(reverse("imports:detail", args=[job.pk])).status_code,
        "errors": client.get(reverse("imports:errors", args=[job.pk])).status_code,
        "commit": client.post(reverse("imports:commit", args=[job.pk])).status_code,
    }
    mine = role == "county_officer"
    # the county's import is seen by the officers above it, not by a township's staff
    sees = role in {"county_officer", "city_officer", "province_officer"}
    assert got == {
        "list": 200,
        "upload": 200 if role in IMPORTERS else 403,
        "template": 200 if role in IMPORTERS else 403,
        "detail": 200 if sees else 404,
        "errors": 200 if mine else 404,
        "commit": 302 if mine else 403 if sees else 404,
    }


def test_the_pages_upload_check_preview_and_commit(officer, client):
    client.force_login(officer)
    page = client.get(reverse("imports:upload"))
    assert page.status_code == 200
    rows = roster_rows(5)
    rows[1][1] = "430302"
    response = client.post(
        reverse("imports:upload"),
        {"region": "430302", "on_existing": "update", "file": xlsx(rows)},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:detail", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert 'data-testid="problems"' in page and 'data-testid="commit-form"' in page
    errors = client.get(reverse("imports:errors", args=[job.pk]))
    assert (
        errors.status_code == 200 and load_workbook(io.BytesIO(errors.content)).active.max_row == 2
    )
    # all-or-nothing is refused while rows are invalid; the importer then opts in
    client.post(reverse("imports:commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "checked"
    client.post(reverse("imports:commit", args=[job.pk]), {"valid_only": "on"})
    job.refresh_from_db()
    assert job.status == "done" and job.committed["new"] == 4
    listing = client.get(reverse("imports:list")).content.decode()
    assert "roster.xlsx" in listing


def test_the_template_has_drop_downs_and_its_example_row_is_skipped(officer, client):
    client.force_login(officer)
    response = client.get(reverse("imports:template"))
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["服务对象"]
    assert sheet["A1"].value == "姓名*"
    assert len(sheet.data_validations.dataValidation) >= 6
    options = [c.value for c in book["选项"]["G"] if c.value]
    assert options == list(Category.current().values_list("name", flat=True))
    sheet.append(["李四", make_id_number("430302", "19520303", 77), "", "", "430302001002"])
    out = io.BytesIO()
    book.save(out)
    job = upload(officer, SimpleUploadedFile("模板.xlsx", out.getvalue()))
    assert job.checked["new"] == 1 and job.invalid == 0, job.problems


def test_the_operators_command_checks_and_imports(officer, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx(roster_rows(5)).read())
    call_command("import_people", str(path), "--region", "430302", "--dry-run")
    assert not Recipient.objects.filter(name__startswith="导入").exists()
    call_command("import_people", str(path), "--region", "430302")
    assert Recipient.objects.filter(name__startswith="导入").count() == 5
    job = ImportJob.objects.order_by("pk").last()
    assert job.created_by is None and job.committed["new"] == 5
    with pytest.raises(CommandError):
        call_command("import_people", str(path), "--region", "999999")


def test_old_files_are_deleted_and_the_report_kept(officer):
    import datetime

    from django.utils import timezone

    job = upload(officer, xlsx(roster_rows(1)))
    path = job.file.path
    later = timezone.now() + datetime.timedelta(days=31)
    assert services.imports_purge(now=later) == 1
    job.refresh_from_db()
    assert not job.file and job.file_deleted_at and job.checked["new"] == 1
    import os

    assert not os.path.exists(path)
    with pytest.raises(ValidationError):
        commit(officer, job)


def test_the_demo_has_a_committed_import_and_one_awaiting_a_decision(officer):
    from shegong.demo.imports import demo_imports_load

    officer.username = "yuhu"
    officer.save(update_fields=["username"])
    got = demo_imports_load()
    assert got["imports"] == 4 and got["people imported"] == 40
    assert got["staff accounts imported"] == 3  # by the security administrator
    assert got["invalid rows marked"] == 3 and got["rows awaiting a decision"] == 22
    assert got["volunteers imported"] == 12  # by the township station's worker
    done, waiting, volunteers, staff = ImportJob.objects.order_by("pk")
    assert staff.kind == "workers" and staff.status == "done" and staff.passwords
    assert volunteers.kind == "volunteers" and volunteers.status == "done"
    assert volunteers.created_by.role == "social_worker"
    assert done.status == "done" and done.created_by == officer
    assert waiting.status == "checked" and waiting.error_book
    assert {p[1] for p in waiting.problems} == {"公民身份号码", "村（社区）代码", "人员类别"}
    assert demo_imports_load() == {"imports": 0}


def test_insert_rows_sets_the_keys_and_stores_what_an_insert_would(world, monkeypatch):
    from shegong.core import bulk
    from shegong.core.bulk import insert_rows

    monkeypatch.setattr(bulk, "COPY_FROM", 1)  # COPY on PostgreSQL even for a few rows
    from shegong.people.models import RecipientCategory

    people = [
        Recipient(name=f"批量{i}", region_id=VILLAGES[i], phone=f"1390000000{i}", address="x号")
        for i in range(3)
    ]
    got = insert_rows(Recipient, people)
    assert got == people and all(p.pk for p in people) and len({p.pk for p in people}) == 3
    for p in people:
        stored = Recipient.objects.get(pk=p.pk)
        assert (stored.name, stored.phone, stored.address) == (p.name, p.phone, "x号")
        assert stored.created_at is not None and stored.version == p.version
    # the phone is stored encrypted, as a form's save stores it
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM people_recipient WHERE id = %s", [people[0].pk])
        raw = cursor.fetchone()[0]
    assert raw and "13900000000" not in raw and crypto.decrypt(raw) == "13900000000"
    category = Category.current().first()
    links = insert_rows(
        RecipientCategory, [RecipientCategory(recipient=people[0], category=category)]
    )
    assert RecipientCategory.objects.get(pk=links[0].pk).recipient_id == people[0].pk
    # a new row after them takes the next key (the sequence moved on)
    later = Recipient.objects.create(name="后来", region_id=VILLAGES[0])
    assert later.pk > max(p.pk for p in people)
    assert insert_rows(Recipient, []) == []


def test_insert_prepared_and_update_prepared_store_what_a_save_would(world):
    import datetime

    from shegong.core.bulk import insert_prepared, prepare, update_prepared

    people = [
        Recipient(
            name=f"预备{i}",
            region_id=VILLAGES[i],
            phone=f"1390000001{i}",
            birth_date=datetime.date(1950, 1, i + 1),
        )
        for i in range(3)
    ]
    rows = [prepare(p) for p in people]
    assert "id" not in rows[0] and "created_at" not in rows[0]
    assert "1390000010" not in str(rows[0])  # the phone is kept encrypted
    ids = insert_prepared(Recipient, rows)
    assert len(set(ids)) == 3
    for pk, p in zip(ids, people, strict=True):
        stored = Recipient.objects.get(pk=pk)
        assert (stored.name, stored.phone, stored.birth_date) == (p.name, p.phone, p.birth_date)
        assert stored.created_at is not None and stored.version == 1
    later = Recipient.objects.create(name="后来", region_id=VILLAGES[0])
    assert later.pk > max(ids)
    # an update at the version read; one read at an older version is left alone
    people[0].phone = "13700000000"
    change = prepare(people[0], only=["phone"])
    assert update_prepared(Recipient, [(ids[0], 1, change), (ids[1], 7, change)]) == 1
    first, second = Recipient.objects.filter(pk__in=ids[:2]).order_by("pk")
    assert first.phone == "13700000000" and first.version == 2
    assert second.phone == "13900000011" and second.version == 1


def test_the_commit_writes_what_the_check_kept_and_keeps_no_plain_id_numbers(officer):
    import gzip

    rows = roster_rows(5)
    job = upload(officer, xlsx(rows))
    assert job.staged
    with job.staged.open("rb") as f:
        kept = gzip.decompress(f.read()).decode()
    assert len(kept.splitlines()) == 5
    assert rows[0][1] not in kept and rows[0][3] not in kept  # ID number, phone: encrypted
    path = job.staged.path
    job = commit(officer, job)
    assert job.status == "done" and job.committed["new"] == 5
    assert not job.staged and not __import__("os").path.exists(path)  # deleted once used
    assert Recipient.objects.get(name="导入002").phone == rows[2][3]


def test_a_person_registered_between_check_and_commit_is_not_doubled(officer):
    rebuild_facts()  # the world's records, made by factories, counted
    rebuild_aggregates()
    rows = roster_rows(4)
    job = upload(officer, xlsx(rows))
    assert job.checked["new"] == 4
    # someone registers the second person before the commit
    from shegong.indicators import engine

    engine.sync(
        Recipient.objects.create(
            name=rows[1][0],
            id_number=rows[1][1],
            id_hash=crypto.keyed_hash(rows[1][1]),
            region_id=VILLAGES[1],
        )
    )
    job = commit(officer, job)
    assert job.status == "done"
    assert job.committed["new"] == 3 and job.committed["unchanged"] + job.committed["updated"] == 1
    assert Recipient.objects.filter(id_hash=crypto.keyed_hash(rows[1][1])).count() == 1
    live = set(Aggregate.objects.values_list("node", "period", "metric", "value"))
    rebuild_facts()
    rebuild_aggregates()
    assert live == set(Aggregate.objects.values_list("node", "period", "metric", "value"))


def test_an_update_meets_an_edit_made_since_the_check_and_keeps_both(officer):
    rows = roster_rows(2)
    commit(officer, upload(officer, xlsx(rows)))
    rows[0][3] = "13911113333"  # the file gives a new phone
    job = upload(officer, xlsx(rows))
    assert job.checked["updated"] == 1
    person = Recipient.objects.get(name="导入000")
    person.guardian_name = "李四"  # someone edits the person meanwhile
    person.version += 1
    person.save()
    job = commit(officer, job)
    assert job.status == "done" and job.committed["updated"] == 1
    person.refresh_from_db()
    assert (person.phone, person.guardian_name) == ("13911113333", "李四")
    assert person.version == 3  # the import's update is a version too: a form open is told


HOUSEHOLD_HEADERS = [
    "姓名",
    "公民身份号码",
    "村（社区）代码",
    "人员类别",
    "与户主关系",
    "户主身份证号",
]


def _family_rows():
    """Two households of 430302001001: 王 (head, spouse, child) and 李 (head by her own ID
    number in the head's column, and a grandchild); a single person with no household."""
    ids = [make_id_number("430302", f"19{50 + i}0202", 600 + i) for i in range(6)]
    v = VILLAGES[0]
    return ids, [
        ["王户主", ids[0], v, "低保对象", "户主", ""],
        ["王配偶", ids[1], v, "低保对象", "妻", ids[0]],
        ["王子女", ids[2], v, "低保对象", "子女", ids[0]],
        ["李户主", ids[3], v, "低保对象", "", ids[3]],
        ["李孙女", ids[4], v, "低保对象", "孙女", ids[3]],
        ["单身", ids[5], v, "低保对象", "", ""],
    ]


@pytest.mark.parametrize("staged", [True, False], ids=["kept-check", "checked-again"])
def test_a_roster_starts_households_and_joins_their_members(officer, staged):
    from shegong.people.models import Household

    rebuild_facts()
    rebuild_aggregates()
    ids, rows = _family_rows()
    job = upload(officer, xlsx(rows, HOUSEHOLD_HEADERS))
    assert job.checked["new"] == 6 and job.invalid == 0, job.problems
    assert not Household.objects.exists()  # the dry run starts none
    if not staged:  # the commit then checks every row again and writes what it finds
        job.staged.delete()
    job = commit(officer, job)
    assert job.status == "done" and job.committed["new"] == 6
    wang, li = Household.objects.order_by("pk")
    assert wang.head.name == "王户主" and li.head.name == "李户主"
    assert wang.region_id == VILLAGES[0]
    members = {p.name: (p.household_id, p.relation) for p in Recipient.objects.all()}
    assert members["王户主"] == (wang.pk, "head") and members["王配偶"] == (wang.pk, "spouse")
    assert members["王子女"] == (wang.pk, "child") and members["李孙女"] == (li.pk, "grandchild")
    assert members["单身"] == (None, "")
    # the households are counted, as a rebuild from the records counts them
    live = set(Aggregate.objects.values_list("node", "period", "metric", "value"))
    rebuild_facts()
    rebuild_aggregates()
    assert live == set(Aggregate.objects.values_list("node", "period", "metric", "value"))
    # a later roster joins a registered head's household; the same file again changes nothing
    again = commit(officer, upload(officer, xlsx(rows, HOUSEHOLD_HEADERS)))
    assert again.committed["unchanged"] == 6 and Household.objects.count() == 2
    late = [["王孙子", make_id_number("430302", "19750303", 611), VILLAGES[0], "", "孙子", ids[0]]]
    late = commit(officer, upload(officer, xlsx(late, HOUSEHOLD_HEADERS)))
    assert late.committed["new"] == 1
    assert Recipient.objects.get(name="王孙子").household_id == wang.pk


def test_household_rows_that_do_not_fit_are_invalid(officer):
    ids, rows = _family_rows()
    stranger = make_id_number("430302", "19600606", 699)
    rows[1][5] = stranger  # a head neither registered nor on the roster
    rows[2][4] = "表兄"  # not a relation
    rows[4][5] = ids[4]  # her own ID number as the head's, but she is 孙女
    rows[5][4] = "配偶"  # a relation without the head's ID number
    rows.insert(0, ["先到", make_id_number("430302", "19700707", 698), VILLAGES[0], "", "子女"])
    rows[0].append(ids[0])  # line 3 names 王户主, who comes only on line 4
    rows.append(
        ["隔壁", make_id_number("430302", "19700808", 697), VILLAGES[1], "", "子女", ids[0]]
    )
    job = upload(officer, xlsx(rows, HOUSEHOLD_HEADERS))
    assert {(line, column) for line, column, _text in job.problems} == {
        (3, "户主身份证号"),  # the head comes later (the header is on line 2)
        (5, "户主身份证号"),  # unknown head
        (6, "与户主关系"),  # 表兄
        (8, "与户主关系"),  # own ID number, not 户主
        (9, "户主身份证号"),  # a relation without the head
        (10, "户主身份证号"),  # another village
    }, job.problems
    assert job.checked["new"] == 2  # 王户主 and 李户主
