"""The activities' resource lines (charity money and goods typed on an activity) become
donations from a placeholder donor per station, each allocated in full to its activity:
from now on charity figures come from the ledger. Run ``manage.py rebuild_indicators
--facts`` once after upgrading so the figures are read from the allocations."""

from django.db import migrations

PLACEHOLDER = "未登记捐赠方（迁移）"


def forward(apps, schema_editor):
    ActivityResource = apps.get_model("work", "ActivityResource")
    Donor = apps.get_model("community", "Donor")
    Donation = apps.get_model("community", "Donation")
    Allocation = apps.get_model("community", "Allocation")
    donors = {}
    lines = ActivityResource.objects.select_related("activity", "activity__station").filter(
        value__gt=0
    )
    for line in lines.iterator(chunk_size=2000):
        activity = line.activity
        station = activity.station
        if station.pk not in donors:
            donors[station.pk], _ = Donor.objects.get_or_create(
                station=station,
                name=PLACEHOLDER,
                defaults={
                    "kind": "unknown",
                    "region_id": station.region_id,
                    "created_by_id": activity.created_by_id,
                    "contact_phone": "",
                },
            )
        gift = Donation.objects.create(
            donor=donors[station.pk],
            kind="money" if line.kind == "money" else "in_kind",
            amount=line.value,
            items=(line.description or "物资")[:200] if line.kind != "money" else "",
            received_on=activity.date,
            receipt_no="",
            restriction="none",
            restriction_note=(line.description or "")[:100] if line.kind == "money" else "",
            station=station,
            region_id=station.region_id,
            created_by_id=activity.created_by_id,
        )
        Allocation.objects.create(
            donation=gift,
            amount=line.value,
            date=activity.date,
            activity=activity,
            note=f"迁移自活动资源记录 #{line.pk}",
            station=station,
            region_id=activity.region_id,
            created_by_id=activity.created_by_id,
        )
    ActivityResource.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0005_ledger"),
        ("work", "0012_fact_domains"),
    ]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
