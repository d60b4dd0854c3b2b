"""Issue #17: a county officer uploads a roster, reads the check and commits it (Chromium,
on a phone)."""

import io
import re

import pytest
from openpyxl import load_workbook

from shegong.imports.models import ImportJob
from shegong.people.models import Recipient

from .conftest import build_world
from .test_browser import browser  # noqa: F401 - the fixture
from .test_browser_station_work import _fits, _login
from .test_imports import roster_rows, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_world(regions):
    return build_world()


def test_a_county_officer_uploads_reads_the_check_and_commits(
    browser,  # noqa: F811
    live_server,
    browser_world,
    tmp_path,
):
    rows = roster_rows(12)
    rows[4][3] = "12"  # not a phone
    path = tmp_path / "雨湖区低保花名册.xlsx"
    path.write_bytes(xlsx(rows).read())
    before = Recipient.objects.count()

    page = _login(browser, live_server, browser_world.actors["county_officer"])
    page.goto(live_server.url + "/imports/")
    _fits(page)
    page.click("[data-testid=create]")
    page.wait_for_url(re.compile(r"/imports/people/$"))
    with page.expect_download() as template:
        page.click("[data-testid=template]")
    book = load_workbook(io.BytesIO(template.value.path().read_bytes()))
    assert book.active["A1"].value == "姓名*"
    page.select_option("#id_region", "430302")
    page.set_input_files("#id_file", str(path))
    page.click("[data-testid=upload]")
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    _fits(page)

    # the check: 11 new, 1 invalid, with its line, column and message
    counts = page.locator("[data-testid=checked] td").all_text_contents()
    assert counts == ["11", "0", "0", "0", "1"]
    problem = page.locator("[data-testid=problems] tbody tr").first
    assert problem.locator("td").all_text_contents()[:2] == ["7", "联系电话"]
    with page.expect_download() as marked:
        page.click("[data-testid=error-book]")
    sheet = load_workbook(io.BytesIO(marked.value.path().read_bytes())).active
    assert sheet.max_row == 2 and sheet["A2"].value == 7

    # all-or-nothing needs the choice: the box is required before the button works
    page.click("[data-testid=commit]")
    assert ImportJob.objects.get().status == "checked"
    page.check("#id_valid_only")
    page.click("[data-testid=commit]")
    page.wait_for_selector("[data-testid=committed]")
    assert page.locator("[data-testid=committed] td").first.text_content() == "11"
    assert Recipient.objects.count() == before + 11
    page.goto(live_server.url + "/imports/")
    assert "雨湖区低保花名册.xlsx" in page.content()
