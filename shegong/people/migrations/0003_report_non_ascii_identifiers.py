"""Find identifiers typed with non-ASCII digits before the validator refused them.

Until this release an ID number typed with full-width (``４３０３…``) or Arabic-Indic digits
was stored as typed, so neither the duplicate check (a keyed hash of the number) nor the
search by its last four digits could find it. Nothing is changed here: a person may exist
twice, and which record to keep is for the station to decide. Each row found is printed,
and the list is kept in the audit log as ``shegong.migration.non_ascii_identifiers``.
"""

import unicodedata

from django.db import migrations

ASCII = frozenset("0123456789Xx -")


def _suspect(value) -> bool:
    """Non-ASCII digits or full-width forms in an identifier (NFKC would change it)."""
    if not value:
        return False
    text = str(value)
    return any(c.isdigit() and c not in ASCII for c in text) or (
        unicodedata.normalize("NFKC", text) != text
    )


def report(apps, schema_editor):
    found = []
    checks = [
        ("people", "Recipient", ("id_number", "phone", "guardian_phone")),
        ("accounts", "User", ("phone",)),
        ("stations", "Station", ("phone",)),
        ("stations", "Agency", ("credit_code", "phone")),
    ]
    for app, model_name, fields in checks:
        model = apps.get_model(app, model_name)
        rows = model.objects.only("pk", *fields).order_by("pk").iterator(chunk_size=2000)
        for row in rows:
            for name in fields:
                if _suspect(getattr(row, name)):
                    found.append(f"{app}.{model_name}:{row.pk}:{name}")
    if not found:
        return
    print(f"\n  {len(found)} identifiers typed with non-ASCII digits (check for duplicates):")
    for item in found[:1000]:
        print(f"    {item}")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    AuditEntry.objects.create(
        action="shegong.migration.non_ascii_identifiers",
        actor_name="migration",
        success=True,
        data={"count": len(found), "rows": found[:1000]},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_seed_categories"),
        ("accounts", "0002_user_password_changed_at_passwordhistory"),
        ("stations", "0001_initial"),
        ("audit", "0002_append_only"),
    ]

    operations = [migrations.RunPython(report, migrations.RunPython.noop, elidable=True)]
