"""Cap figures typed before the bounds existed (its own migration: on PostgreSQL, rows
updated in a transaction block an ALTER TABLE of the same table until it commits)."""

from decimal import Decimal

from django.db import migrations

# Rows typed before the bounds existed: capped to the bound so that the constraints can be
# added, each one listed in the audit log; run ``manage.py rebuild_indicators --facts`` after.
CAPS = [
    ("Activity", "participants_count", 100_000),
    ("Activity", "volunteers_count", 10_000),
    ("GroupSession", "others_count", 100_000),
    ("ActivityResource", "value", Decimal("100000000")),
]


def cap_implausible(apps, schema_editor):
    capped = []
    for model_name, field, bound in CAPS:
        model = apps.get_model("work", model_name)
        over = model.objects.filter(**{f"{field}__gt": bound})
        for pk, value in over.values_list("pk", field):
            capped.append({"model": model_name, "id": pk, "field": field, "was": str(value)})
        over.update(**{field: bound})
    if capped:
        print(f"\n  {len(capped)} implausible figures capped; run rebuild_indicators --facts")
        apps.get_model("audit", "AuditEntry").objects.create(
            action="shegong.migration.figures_capped",
            actor_name="migration",
            data={"rows": capped[:1000], "count": len(capped)},
        )


class Migration(migrations.Migration):
    dependencies = [("work", "0003_delete_hoursentry"), ("audit", "0002_append_only")]

    operations = [migrations.RunPython(cap_implausible, migrations.RunPython.noop, elidable=True)]
