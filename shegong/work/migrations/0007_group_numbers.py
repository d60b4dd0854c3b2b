"""One format for group numbers (XZ + township + year + sequence), and a group plans at
least one session. Groups numbered XZ + township + sequence (the demo's old format) get
the year they were registered; groups planned with 0 sessions are set to 1 (each logged)."""

from django.db import migrations, models


def renumber(apps, schema_editor):
    Group = apps.get_model("work", "Group")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    taken = set(Group.objects.values_list("number", flat=True))
    for group in Group.objects.filter(planned_sessions=0):
        group.planned_sessions = 1
        group.save(update_fields=["planned_sessions"])
        AuditEntry.objects.create(
            actor_name="migration",
            action="shegong.migration.figures_capped",
            object_type="group",
            object_id=str(group.pk),
            object_repr=group.name[:200],
            data={"planned_sessions": "0 → 1"},
        )
    for group in Group.objects.all().only("pk", "number", "created_at"):
        number = group.number
        if len(number) != 15 or not number[2:].isdigit():  # XZ + 9 + 4 digits
            continue
        township, seq = number[2:11], int(number[11:])
        new = f"XZ{township}{group.created_at:%Y}{seq:04d}"
        while new in taken:
            seq += 1
            new = f"XZ{township}{group.created_at:%Y}{seq:04d}"
        taken.add(new)
        Group.objects.filter(pk=group.pk).update(number=new)


class Migration(migrations.Migration):
    dependencies = [("work", "0006_version"), ("audit", "0002_append_only")]

    operations = [
        migrations.RunPython(renumber, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="group",
            constraint=models.CheckConstraint(
                condition=models.Q(planned_sessions__gte=1), name="group_plans_a_session"
            ),
        ),
    ]
