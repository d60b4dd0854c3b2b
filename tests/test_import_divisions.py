"""The division importer: real data in seconds, idempotent, and all-or-nothing."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from shegong.regions.models import Level, Region
from shegong.regions.services import DivisionImportError, divisions_import

from .conftest import FIXTURE_DIVISIONS


@pytest.fixture
def divisions_copy(tmp_path) -> Path:
    target = tmp_path / "divisions"
    shutil.copytree(FIXTURE_DIVISIONS, target)
    return target


def _snapshot():
    return sorted(Region.objects.values_list("code", "name", "level", "parent_id"))


@pytest.mark.django_db
def test_shipped_hunan_tree_imports_completely():
    result = divisions_import(directory=settings.SHEGONG_DIVISIONS_DIR, only=["43"])
    assert result.created == 31691
    counts = {lv: Region.objects.filter(level=lv).count() for lv in Level.values}
    assert counts == {1: 1, 2: 14, 3: 134, 4: 2008, 5: 29534}
    village = Region.objects.select_related("parent__parent").get(code="430302001001")
    assert village.parent.code == "430302001"
    assert village.parent.parent.name == "雨湖区"
    # a second run changes nothing
    again = divisions_import(directory=settings.SHEGONG_DIVISIONS_DIR, only=["43"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 31691)


@pytest.mark.django_db
def test_only_keeps_ancestors_and_descendants():
    divisions_import(directory=settings.SHEGONG_DIVISIONS_DIR, only=["3303"])
    assert Region.objects.filter(code__in=["33", "3303"]).count() == 2
    assert not Region.objects.filter(code="3301").exists()
    assert Region.objects.filter(level=Level.VILLAGE).count() == 3685


@pytest.mark.django_db
def test_changed_name_is_updated_not_duplicated(divisions_copy):
    divisions_import(directory=divisions_copy)
    path = divisions_copy / "areas.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("雨湖区", "雨湖新区"), encoding="utf-8"
    )
    result = divisions_import(directory=divisions_copy)
    assert result.updated == 1 and result.created == 0
    assert Region.objects.get(code="430302").name == "雨湖新区"


def _append(path: Path, line: str) -> int:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + "\n" + line + "\n", encoding="utf-8")
    return len(text.rstrip("\n").splitlines()) + 1  # the new line's number


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file", "line", "message"),
    [
        ("streets.csv", "43030200,坏代码,430302,43,4303", "9 位"),  # bad code length
        ("streets.csv", "439999001,孤儿街道,439999,43,4399", "不存在"),  # orphan parent
        ("streets.csv", "430302001,重复街道,430302,43,4303", "重复"),  # duplicate code
        ("villages.csv", "430304001099,错挂村,430302001,43,4303,430302", "不符"),  # wrong parent
        ("cities.csv", "4309,,43", "名称为空"),  # empty name
    ],
)
def test_malformed_file_is_rejected_whole_with_line_number(divisions_copy, file, line, message):
    divisions_import(directory=divisions_copy)
    # a valid new row in another file must not be written either
    _append(divisions_copy / "areas.csv", "430321,湘潭县,4303,43")
    before = _snapshot()
    lineno = _append(divisions_copy / file, line)
    with pytest.raises(DivisionImportError) as exc:
        divisions_import(directory=divisions_copy)
    text = "\n".join(exc.value.errors)
    assert f"{file} 第 {lineno} 行" in text
    assert message in text
    assert _snapshot() == before


@pytest.mark.django_db
def test_command_reports_and_fails_on_bad_input(divisions_copy):
    out = StringIO()
    call_command("import_divisions", dir=str(divisions_copy), stdout=out)
    assert "created 24" in out.getvalue()
    _append(divisions_copy / "villages.csv", "4303020010,短,430302001,43,4303,430302")
    with pytest.raises(CommandError, match="数据库未改变"):
        call_command("import_divisions", dir=str(divisions_copy))


@pytest.mark.django_db
def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(DivisionImportError, match="目录不存在"):
        divisions_import(directory=tmp_path / "nope")
