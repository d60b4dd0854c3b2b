"""Training and supervision an agency organised become a level of their own (work_kind
"agency" instead of "county") in the facts; the aggregates are rebuilt when any changed."""

from django.db import migrations


def forward(apps, schema_editor):
    ServiceFact = apps.get_model("indicators", "ServiceFact")
    TrainingRecord = apps.get_model("workforce", "TrainingRecord")
    agency_ids = TrainingRecord.objects.filter(organiser="agency").values("pk")
    changed = ServiceFact.objects.filter(
        source_type="training", source_id__in=agency_ids, work_kind="county"
    ).update(work_kind="agency")
    if changed:
        from shegong.indicators.rebuild import rebuild_aggregates

        rebuild_aggregates()


def backward(apps, schema_editor):
    ServiceFact = apps.get_model("indicators", "ServiceFact")
    if ServiceFact.objects.filter(source_type="training", work_kind="agency").update(
        work_kind="county"
    ):
        from shegong.indicators.rebuild import rebuild_aggregates

        rebuild_aggregates()


class Migration(migrations.Migration):
    dependencies = [
        ("workforce", "0004_version"),
        ("indicators", "0007_agency_training_as_county"),
    ]

    operations = [migrations.RunPython(forward, backward)]
