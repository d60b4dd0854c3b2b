"""Hunan's action plan (seed 000, 湘民发〔2021〕26号, 三、(一)): every township station
fosters one party members' volunteer team (每个乡镇(街道)社工站培育1支党员志愿服务队)."""

from django.db import migrations

NOTE = "每个乡镇（街道）社工站培育1支党员志愿服务队"


def seed(apps, schema_editor):
    RuleSet = apps.get_model("indicators", "RuleSet")
    Rule = apps.get_model("indicators", "Rule")
    for rule_set in RuleSet.objects.filter(region_code="43", year__in=(2021, 2022, 2023)):
        Rule.objects.get_or_create(
            rule_set=rule_set,
            indicator="party_team_share",
            defaults={"op": "ge", "target": 100, "note": NOTE},
        )


def unseed(apps, schema_editor):
    apps.get_model("indicators", "Rule").objects.filter(indicator="party_team_share").delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0014_volunteer_hours")]
    operations = [migrations.RunPython(seed, unseed)]
