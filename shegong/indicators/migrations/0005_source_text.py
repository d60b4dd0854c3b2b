"""The seeded rule sets' sources read as policy titles: drop the "(seed 000)" note, which
named a file of this project, not a policy."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Replace


def tidy(apps, schema_editor):
    RuleSet = apps.get_model("indicators", "RuleSet")
    for note in (" (seed 000)", " (seed 002)"):
        RuleSet.objects.filter(source__contains=note).update(
            source=Replace("source", Value(note), Value(""))
        )


class Migration(migrations.Migration):
    dependencies = [("indicators", "0004_version")]
    operations = [migrations.RunPython(tidy, migrations.RunPython.noop)]
