"""Seed the category dictionary with the civil-affairs categories (DOMAIN.md).

Codes are stable; names and validity can be edited later (the dictionary is data).
"""

import datetime

from django.db import migrations

CATEGORIES = [
    ("dibao", "低保对象", "assistance", False),
    ("dibao_edge", "低保边缘", "assistance", False),
    ("tekun", "特困人员", "assistance", False),
    ("temp_relief", "临时救助对象", "assistance", False),
    ("child_difficulty", "困境儿童", "children", False),
    ("child_unsupported", "事实无人抚养儿童", "children", False),
    ("child_left_behind", "留守儿童", "children", False),
    ("orphan", "孤儿", "children", False),
    ("elder_left_behind", "留守老人", "elderly", False),
    ("elder_empty_nest", "空巢老人", "elderly", False),
    ("elder_alone", "独居老人", "elderly", False),
    ("elder_disabled", "失能老人", "elderly", False),
    ("elder_semi_disabled", "半失能老人", "elderly", False),
    ("disabled", "残疾人", "disabled", True),
    ("migrant", "流动人口", "other", False),
    ("correction", "社区矫正对象", "other", False),
    ("emergency", "受灾或突发事件影响群众", "other", False),
    ("other", "其他困难群众", "other", False),
]


def seed(apps, schema_editor):
    Category = apps.get_model("people", "Category")
    for order, (code, name, group, detail) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "group": group,
                "needs_disability_detail": detail,
                "effective_from": datetime.date(2021, 1, 1),
                "ordering": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
