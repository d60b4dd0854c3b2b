"""Seed the Hunan tree (40 items, 100 points; sources in ``shegong/evaluation/seed.py``),
published for 2025, and carry the star ratings typed before this app into decisions in
force (the station field is now derived from them)."""

from django.db import migrations
from django.utils import timezone


def seed(apps, schema_editor):
    from shegong.evaluation import seed as data
    from shegong.evaluation.trees import parse

    Tree = apps.get_model("evaluation", "Tree")
    Node = apps.get_model("evaluation", "Node")
    if Tree.objects.filter(region_code="43", year=2025, title=data.TITLE).exists():
        return
    nodes, problems = parse(data.lines())
    if problems:
        raise RuntimeError("; ".join(problems))
    tree = Tree.objects.create(
        region_code="43",
        year=2025,
        title=data.TITLE,
        total=data.TOTAL,
        source=data.SOURCE,
        status="published",
        published_at=timezone.now(),
    )
    saved = {}
    for seq, line in enumerate(nodes, 1):
        saved[line.code] = Node.objects.create(
            tree=tree,
            parent=saved.get(line.parent_code),
            level=line.level,
            seq=seq,
            code=line.code,
            title=line.title,
            max_score=line.max_score,
            standard=line.standard,
            evidence=line.evidence,
            method=line.method,
            options=list(line.options),
            metric=line.metric,
            bands=list(line.bands),
        )


def carry_ratings(apps, schema_editor):
    Station = apps.get_model("stations", "Station")
    StarDecision = apps.get_model("evaluation", "StarDecision")
    StarDecision.objects.bulk_create(
        StarDecision(
            station_id=pk,
            region_id=region,
            stars=stars,
            status="valid",
            basis="系统启用前评定",
            valid_from=rated_on or timezone.localdate(),
        )
        for pk, region, stars, rated_on in Station.objects.filter(
            star_rating__isnull=False
        ).values_list("pk", "region_id", "star_rating", "star_rated_on")
    )


def unseed(apps, schema_editor):
    apps.get_model("evaluation", "StarDecision").objects.all().delete()
    apps.get_model("evaluation", "Tree").objects.filter(region_code="43", year=2025).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0001_initial"),
        ("stations", "0003_version"),
    ]

    operations = [migrations.RunPython(seed, unseed), migrations.RunPython(carry_ratings, migrations.RunPython.noop)]
