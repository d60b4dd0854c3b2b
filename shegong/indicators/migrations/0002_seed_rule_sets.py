"""Seed the rule sets the policy texts set (../shared/seeds): Hunan 2021–2023 and Wenzhou.

Hunan (seed 000, 湘民发〔2021〕…): qualified staff, professional hours, five-star township
stations per county and villages covered start at 30/30/10/10 % in 2021 and rise 10 points
a year; the city ensures ≥12 h supervision and ≥20 h training per resident social worker a
year, the county ≥24 h and ≥40 h; new hires under 40 with college (大专) or above; 3–8 staff
per township station; a designated worker in every village.
Wenzhou (seed 002, 2021): ≥40 class hours of training a year; ≥60 % of working hours in the
villages; 3–8 staff per township station; new hires 45 or under with college or above; a
designated worker in every village.
"""

from django.db import migrations

HUNAN_SOURCE = "湖南省民政厅 乡镇（街道）社会工作服务站建设"
WENZHOU_SOURCE = "温州市 社会工作站建设与运行"


def hunan(year: int) -> list[dict]:
    step = 10 * (year - 2021)
    return [
        {
            "indicator": "qualified_share",
            "target": 30 + step,
            "note": "社会工作专业或持证人员占比 2021年≥30%，逐年提高10个百分点",
        },
        {
            "indicator": "professional_hours_share",
            "target": 30 + step,
            "note": "专业服务时数占比 2021年≥30%，逐年提高10个百分点",
        },
        {
            "indicator": "five_star_share",
            "target": 10 + step,
            "minimum_count": 1,
            "note": "每县五星级乡镇社工站占比，且至少1个",
        },
        {
            "indicator": "villages_covered_share",
            "target": 10 + step,
            "note": "专业社工服务覆盖村（社区）占比",
        },
        {
            "indicator": "supervision_city_hours",
            "target": 12,
            "note": "市级确保每年专业督导不少于12小时",
        },
        {
            "indicator": "supervision_county_hours",
            "target": 24,
            "note": "县级确保每年专业督导不少于24小时",
        },
        {
            "indicator": "training_city_hours",
            "target": 20,
            "note": "市级确保每年专业培训不少于20小时",
        },
        {
            "indicator": "training_county_hours",
            "target": 40,
            "note": "县级确保每年专业培训不少于40小时",
        },
        {
            "indicator": "staff_per_station",
            "op": "between",
            "target": 3,
            "upper": 8,
            "note": "每个乡镇社工站驻站社工3至8名",
        },
        {
            "indicator": "new_hire_share",
            "target": 100,
            "upper": 40,
            "note": "新招聘驻站社工40周岁以下、大专及以上学历",
        },
        {
            "indicator": "designated_share",
            "target": 100,
            "note": "每个村（社区）至少1名定点联系社工",
        },
    ]


WENZHOU = [
    {"indicator": "training_hours", "target": 40, "note": "每名驻站社工每年不少于40课时培训"},
    {"indicator": "in_village_share", "target": 60, "note": "60%以上工作时数在社区（村）"},
    {
        "indicator": "staff_per_station",
        "op": "between",
        "target": 3,
        "upper": 8,
        "note": "每个乡镇（街道）社工站3至8名",
    },
    {
        "indicator": "new_hire_share",
        "target": 100,
        "upper": 45,
        "note": "新招聘社工45周岁及以下、大专及以上学历",
    },
    {"indicator": "designated_share", "target": 100, "note": "每个村（社区）有定点联系社工"},
]


def seed(apps, schema_editor):
    RuleSet = apps.get_model("indicators", "RuleSet")
    Rule = apps.get_model("indicators", "Rule")
    sets = [
        ("43", year, f"湖南省 {year} 年度社工站建设指标", HUNAN_SOURCE, hunan(year))
        for year in (2021, 2022, 2023)
    ]
    sets.append(("3303", 2021, "温州市 2021 年度社工站建设指标", WENZHOU_SOURCE, WENZHOU))
    for code, year, title, source, rules in sets:
        rule_set, _ = RuleSet.objects.get_or_create(
            region_code=code, year=year, defaults={"title": title, "source": source}
        )
        for rule in rules:
            Rule.objects.get_or_create(
                rule_set=rule_set,
                indicator=rule["indicator"],
                defaults={
                    "op": rule.get("op", "ge"),
                    "target": rule["target"],
                    "upper": rule.get("upper"),
                    "minimum_count": rule.get("minimum_count"),
                    "note": rule["note"],
                },
            )


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
