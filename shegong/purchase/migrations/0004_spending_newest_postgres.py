"""On PostgreSQL, an index that serves a province's spending list newest first without
sorting every entry. Not on SQLite: its planner has no statistics and would pick this
index for a county's year of budget aggregates too (30 ms became 400 ms in the
benchmark), so the index exists only where the planner can weigh it."""

from django.db import migrations

NAME = "purchase_spending_newest"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON purchase_spending (date DESC, id DESC)"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("purchase", "0003_versions_and_subsidy")]
    operations = [migrations.RunPython(forward, backward)]
