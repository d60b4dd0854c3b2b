"""Exports and reports: no formulas, and workbooks that read as well as the page (#10, 4a/4c).

A person registered as ``=HYPERLINK("http://x","点我")`` came out of the people export as a
live formula in the xlsx and a formula cell in the CSV. And the monthly report's title
block overlapped when opened in LibreOffice or WPS: one unwrapped cell, no row height, no
units, no status. Every exporter and the report workbook now go through one layout
(``core.exporters.write_sheet``) and one cell rule (``xlsx_cell``/``csv_text``).
"""

import csv
import importlib
import io
import pkgutil

import pytest
from django.urls import reverse
from openpyxl import load_workbook

import shegong
from shegong.core.exporters import FORMULA_STARTS, Exporter

from .factories import RecipientFactory

FORMULA = '=HYPERLINK("http://x","点我")'
DANGEROUS = [FORMULA, "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]


def _all_exporters() -> list[type[Exporter]]:
    for module in pkgutil.walk_packages(shegong.__path__, "shegong."):
        if module.name.endswith((".exporters", ".views", ".reports", ".api")):
            importlib.import_module(module.name)
    found, todo = [], list(Exporter.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__qualname__)


EXPORTERS = _all_exporters()


def _no_formula_cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    return [
        (ws.title, c.coordinate)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]


def test_the_walk_finds_every_exporter():
    names = {c.__name__ for c in EXPORTERS}
    assert {"RecipientExporter", "AuditExporter", "TrainingExporter", "FactExporter"} <= names
    assert len(EXPORTERS) >= 14
    # one place for each app's exporters (not views, not services)
    outside = [c.__qualname__ for c in EXPORTERS if not c.__module__.endswith(".exporters")]
    assert outside == []


@pytest.mark.parametrize("exporter_cls", EXPORTERS, ids=lambda c: c.__name__)
def test_every_exporter_writes_formula_like_text_as_text(exporter_cls, world):
    """Whatever its rows hold, an exporter's xlsx has no formula and its CSV no formula cell."""

    class Probe(exporter_cls):
        def rows(self):
            n = len(self.columns)
            for text in DANGEROUS:
                yield [text] * n

    probe = Probe([], user=world.actors["county_officer"])
    content = probe.to_xlsx()
    assert _no_formula_cells(content) == []
    book = load_workbook(io.BytesIO(content))
    values = [c.value for row in book.worksheets[0].iter_rows() for c in row]
    for text in DANGEROUS:  # kept as typed, only inert (XML stores a lone CR as a newline)
        assert text in values or text.replace("\r", "\n") in values
    for row in csv.reader(io.StringIO(probe.to_csv().lstrip("\ufeff"))):
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell


def test_a_formula_typed_as_a_name_comes_out_inert(client, world):
    person = RecipientFactory(name=FORMULA, region_id=world.places["own"].village)
    client.force_login(world.actors["social_worker"])
    xlsx = client.get(reverse("people:list"), {"export": "xlsx"})
    assert _no_formula_cells(xlsx.content) == []
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == FORMULA]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    text = client.get(reverse("people:list"), {"export": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert any("'" + FORMULA in row for row in rows)
    assert not any(cell.startswith("=") for row in rows for cell in row)
    assert person.name == FORMULA  # the record itself is untouched


def _check_layout(ws, *, title_lines: int):
    """Merged and wrapped title rows with a height, a frozen header repeated in print."""
    header = title_lines + 1
    merged = {str(r) for r in ws.merged_cells.ranges}
    ncols = max(len([c for c in ws[header] if c.value is not None]), 1)
    for n in range(1, title_lines + 1):
        cell = ws.cell(row=n, column=1)
        assert cell.alignment.wrap_text, (ws.title, n)
        assert ws.row_dimensions[n].height and ws.row_dimensions[n].height >= 16
        if ncols > 1:
            assert any(r.startswith(f"A{n}:") for r in merged), (ws.title, n, merged)
    assert all(c.font.bold for c in ws[header] if c.value is not None)
    assert ws.freeze_panes == f"A{header + 1}"
    assert ws.print_title_rows == f"${header}:${header}"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)  # 9: A4
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage


@pytest.mark.parametrize("exporter_cls", EXPORTERS, ids=lambda c: c.__name__)
def test_every_list_workbook_is_laid_out_for_reading_and_print(exporter_cls, world):
    content = exporter_cls([], user=world.actors["county_officer"]).to_xlsx()
    _check_layout(load_workbook(io.BytesIO(content)).worksheets[0], title_lines=2)


def test_the_report_workbook_reads_like_the_page(client, world):
    client.force_login(world.actors["county_officer"])
    response = client.get(
        reverse("indicators:report"), {"node": "430302", "period": "2026-03", "format": "xlsx"}
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:2] == ["概要", "目标"]
    summary, targets = book["概要"], book["目标"]
    _check_layout(summary, title_lines=3)
    sentence = summary["A3"].value
    assert sentence.startswith("走访入户")
    # the sentence's row is tall enough for the text at the sheet's width
    width = sum(summary.column_dimensions[c].width for c in "ABCD")
    assert summary.row_dimensions[3].height >= 16 * (len(sentence) * 2 // width)
    assert [c.value for c in summary[4]] == ["指标", "本期", "上期", "单位"]
    assert all(row[3] for row in summary.iter_rows(min_row=5, values_only=True))
    _check_layout(targets, title_lines=3)
    header = [c.value for c in targets[4]]
    assert header == ["指标", "数值", "目标", "单位", "状态", "说明"]
    statuses = {row[4] for row in targets.iter_rows(min_row=5, values_only=True)}
    assert statuses and statuses <= {"达标", "预警", "未达标", "无目标", "无数据"}
    for name in book.sheetnames[2:]:
        _check_layout(book[name], title_lines=2)


def _report_book(client, world, role, node, period="2026"):
    import io

    from openpyxl import load_workbook

    client.force_login(world.actors[role])
    response = client.get(
        reverse("indicators:report"), {"node": node, "period": period, "format": "xlsx"}
    )
    if response.status_code == 302:  # a province's report is built as a background job
        response = client.get(response["Location"] + "download/")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def test_a_county_report_has_no_sheet_twice(client, world):
    book = _report_book(client, world, "county_officer", world.places["own"].county)
    titles = [ws.title for ws in book.worksheets]
    assert len(titles) == len(set(titles))
    assert (
        len([t for t in titles if t in ("下级地区", "乡镇（街道）")]) <= 1
    )  # children = townships


def test_the_province_township_sheet_names_the_county(client, world):
    book = _report_book(client, world, "province_officer", "43")
    ws = book["乡镇（街道）"]
    header = next(r for r in ws.iter_rows(values_only=True) if r and "区划代码" in r)
    assert "县" in header
    counties = {str(r[1]) for r in ws.iter_rows(values_only=True) if r and str(r[0]).isdigit()}
    assert "雨湖区" in counties


def test_the_targets_sheet_shows_a_staff_range_as_the_page_does(client, world):
    from shegong.indicators.models import Rule, RuleSet

    rule_set = RuleSet.objects.filter(region_code="43").order_by("-year").first()
    Rule.objects.update_or_create(
        rule_set=rule_set,
        indicator="staff_per_station",
        defaults={"op": "between", "target": 3, "upper": 8},
    )
    book = _report_book(client, world, "county_officer", world.places["own"].county)
    cells = [str(c) for r in book["目标"].iter_rows(values_only=True) for c in r]
    assert any(c.startswith("3–8") for c in cells), cells
