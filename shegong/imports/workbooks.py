"""The templates a county or a station downloads to fill in: Chinese headers (the required ones starred),
drop-downs for every choice, the ID and phone columns as text (so Excel does not turn an
ID number into 4.30302E+17), one example row the import skips, and a sheet of
instructions."""

import io

from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from shegong.community.bulk import COLUMNS as VOLUNTEER_COLUMNS
from shegong.community.bulk import UPDATABLE as VOLUNTEER_UPDATABLE
from shegong.community.models import PoliticalStatus, Volunteer
from shegong.core.rows import EXAMPLE
from shegong.people.bulk import COLUMNS, UPDATABLE
from shegong.people.models import Category, Recipient, RecipientCategory
from shegong.workforce.bulk import COLUMNS as WORKER_COLUMNS
from shegong.workforce.models import Education

HEAD = PatternFill("solid", fgColor="DDEBF7")
TEXT_COLUMNS = {"id_number", "phone", "guardian_phone", "village", "head_id_number", "username"}


def people_template() -> bytes:
    """The people roster template as .xlsx bytes."""
    with override("zh-hans"):
        choices = {
            "sex": [str(label) for _v, label in Recipient.Sex.choices],
            "self_care": [str(label) for _v, label in Recipient.SelfCare.choices],
            "consent": [str(label) for _v, label in Recipient.Consent.choices],
            "consent_giver": [str(label) for _v, label in Recipient.ConsentGiver.choices],
            "disability_type": [
                str(label) for _v, label in RecipientCategory.DisabilityType.choices
            ],
            "disability_grade": ["一级", "二级", "三级", "四级"],
            "categories": [c.name for c in Category.current()],
            "relation": [str(label) for _v, label in Recipient.Relation.choices],
        }
        example = {
            "name": f"{EXAMPLE}：张三",
            "id_number": "430302195001010012",
            "village": "430302001001",
            "village_name": "示例村",
            "township_name": "示例镇",
            "phone": "13800000000",
            "address": "示例村1组",
            "categories": "、".join(choices["categories"][:1]),
            "self_care": choices["self_care"][1],
            "consent": choices["consent"][0],
        }
        return _template(
            "服务对象", COLUMNS, choices, example, _instructions(), several={"categories"}
        )


def volunteers_template() -> bytes:
    """The volunteer roster template as .xlsx bytes."""
    with override("zh-hans"):
        choices = {
            "political_status": [str(label) for _v, label in PoliticalStatus.choices],
            "consent": ["是", "否"],
        }
        example = {
            "name": f"{EXAMPLE}：李四",
            "id_number": "430302198001010016",
            "phone": "13900000000",
            "village": "430302001001",
            "village_name": "示例村",
            "township_name": "示例镇",
            "political_status": choices["political_status"][0],
            "skills": "理发、陪伴",
            "availability": "周末",
            "consent": "是",
        }
        updatable = "、".join(
            str(Volunteer._meta.get_field(n).verbose_name) for n in VOLUNTEER_UPDATABLE
        )
        notes = [
            _("How to fill in this roster"),
            _("1. One volunteer per row, from row 3; the grey row 2 is an example and is skipped."),
            _(
                "2. Columns marked * are required. Give the home village's 12-digit code, or "
                "its name (with the township's when two villages share a name)."
            ),
            _(
                "3. 同意记录服务: 是 only when the volunteer has agreed that their service is "
                "recorded and certified by name; a row without it is not registered."
            ),
            _(
                "4. A volunteer already registered (same ID number, or without one the same "
                "name and phone) is updated or skipped, as you choose when you upload; an "
                "update changes only: %(fields)s."
            )
            % {"fields": updatable},
            _("5. Columns may be in any order; the file may also be .xls or .csv (UTF-8 or GBK)."),
        ]
        return _template("志愿者", VOLUNTEER_COLUMNS, choices, example, notes)


def workers_template() -> bytes:
    """The station staff roster template as .xlsx bytes."""
    with override("zh-hans"):
        choices = {
            "role": ["驻站社工", "站长"],
            "education": [str(label) for _v, label in Education.choices],
            "qualification": ["无", "助理社会工作师", "社会工作师", "高级社会工作师"],
            "social_work_major": ["是", "否"],
        }
        example = {
            "username": f"{EXAMPLE}zhangsan",
            "full_name": "张三",
            "phone": "13800000000",
            "role": "驻站社工",
            "station": "示例镇社工站",
            "education": choices["education"][2],
            "major": "社会工作",
            "social_work_major": "是",
            "qualification": "助理社会工作师",
            "certificate_no": "2024430000001",
            "certificate_date": "2024-06-01",
            "hire_date": "2024-07-01",
        }
        notes = [
            _("How to fill in this roster"),
            _("1. One worker per row, from row 3; the grey row 2 is an example and is skipped."),
            _(
                "2. 用户名 is the login: letters, digits and @.+-_ only. 所属社工站 is the "
                "station's name as the station list shows it."
            ),
            _(
                "3. A qualification needs its certificate number and date. The profile's "
                "columns may be left empty and filled in later."
            ),
            _(
                "4. A new account gets an initial password, changed at first login: after the "
                "import, download the passwords once and hand each worker their own."
            ),
            _(
                "5. An account already there (same username) has its name, phone and profile "
                "updated, or is skipped, as you choose when you upload; its post, station and "
                "password are changed on the account's page, never by an import."
            ),
        ]
        return _template("社工站人员", WORKER_COLUMNS, choices, example, notes)


def _template(title, columns, choices, example, notes, *, several=()) -> bytes:
    """A template: the headers (required ones starred), the example row in grey, the text
    columns formatted as text, a drop-down per choice (from a hidden sheet; a column of
    ``several`` values separated by 、 is not held to one), and the instructions."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    lists = book.create_sheet("选项")
    lists.sheet_state = "hidden"
    for i, column in enumerate(columns, 1):
        letter = get_column_letter(i)
        cell = sheet.cell(row=1, column=i, value=column.header + ("*" if column.required else ""))
        cell.font, cell.fill = Font(bold=True), HEAD
        sheet.column_dimensions[letter].width = max(12, 2.2 * len(column.header))
        sheet.cell(row=2, column=i, value=example.get(column.key, "")).font = Font(
            italic=True, color="808080"
        )
        if column.key in TEXT_COLUMNS:
            for row in range(2, 2002):
                sheet.cell(row=row, column=i).number_format = "@"
        options = choices.get(column.key)
        if options:
            j = list(choices).index(column.key) + 1
            for k, text in enumerate(options, 1):
                lists.cell(row=k, column=j, value=text)
            col = get_column_letter(j)
            rule = DataValidation(
                type="list",
                formula1=f"'选项'!${col}$1:${col}${len(options)}",
                allow_blank=True,
                showErrorMessage=column.key not in several,
            )
            rule.add(f"{letter}2:{letter}100000")
            sheet.add_data_validation(rule)
    sheet.freeze_panes = "B2"
    sheet_notes = book.create_sheet("说明")
    for line in notes:
        sheet_notes.append([line])
    sheet_notes.column_dimensions["A"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _instructions() -> list[str]:
    updatable = "、".join(str(Recipient._meta.get_field(n).verbose_name) for n in UPDATABLE)
    return [
        _("How to fill in this roster"),
        _("1. One person per row, from row 3; the grey row 2 is an example and is skipped."),
        _(
            "2. Columns marked * are required. Give the village's 12-digit code, or its name "
            "(with the township's when two villages share a name)."
        ),
        _(
            "3. ID numbers and phones are text: type them as they are, 18 digits (or a legacy "
            "15) with a final X where it has one."
        ),
        _(
            "4. Several categories are separated by 、 (low-income, orphan …: the drop-down "
            "lists them)."
        ),
        _(
            "5. A person already registered (same ID number) is updated or skipped, as you "
            "choose when you upload; an update changes only: %(fields)s, and adds the "
            "categories on the row."
        )
        % {"fields": updatable},
        _(
            "6. Households: write 户主 in 与户主关系 on the head's row; each member gives their "
            "relation and the head's ID number in 户主身份证号, on a later row (or the head is "
            "registered already). Members live in the head's village."
        ),
        _("7. Columns may be in any order; the file may also be .xls or .csv (UTF-8 or GBK)."),
    ]
