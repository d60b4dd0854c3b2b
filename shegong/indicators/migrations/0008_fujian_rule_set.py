"""Seed Fujian's targets (seed 004, 福建省民政厅等十七部门《关于进一步加强社会工作专业人才
队伍建设 提升基层服务能力的若干措施》, the 14th five-year plan from 2021): every county
fosters at least 5 social work agencies; every village (community) is served by a social
worker."""

from django.db import migrations

SOURCE = "福建省民政厅等十七部门 关于进一步加强社会工作专业人才队伍建设提升基层服务能力的若干措施"
RULES = [
    {
        "indicator": "agencies_per_county",
        "target": 5,
        "note": "每个县（市、区）培育不少于5家社会工作服务机构",
    },
    {
        "indicator": "designated_share",
        "target": 100,
        "note": "村（社区）都有社会工作者提供服务",
    },
]


def seed(apps, schema_editor):
    RuleSet = apps.get_model("indicators", "RuleSet")
    Rule = apps.get_model("indicators", "Rule")
    rule_set, _ = RuleSet.objects.get_or_create(
        region_code="35",
        year=2021,
        defaults={"title": "福建省 “十四五” 社会工作专业人才指标", "source": SOURCE},
    )
    for rule in RULES:
        Rule.objects.get_or_create(
            rule_set=rule_set,
            indicator=rule["indicator"],
            defaults={"op": "ge", "target": rule["target"], "note": rule["note"]},
        )


def unseed(apps, schema_editor):
    apps.get_model("indicators", "RuleSet").objects.filter(region_code="35", year=2021).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0007_agency_training_as_county")]
    operations = [migrations.RunPython(seed, unseed)]
