"""The fact table partitioned by year on PostgreSQL (``shegong.indicators.partitions``).

Nothing changes in Django's state: the model keeps ``id`` as its primary key. On SQLite
this does nothing. On a database with facts it copies them once (minutes at ~10 M rows).
"""

from django.db import migrations


def forward(apps, schema_editor):
    from shegong.indicators import partitions

    partitions.partition(schema_editor.connection)


def backward(apps, schema_editor):
    from shegong.indicators import partitions

    partitions.unpartition(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0018_sharedregion_sharedfigure"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
