"""The facts of existing services carry their record's domain, and the aggregates are
rebuilt with the split by domain (issue #14, part 5): one UPDATE per kind of record, then
the SQL rebuild of the aggregates."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def facts_take_domains(apps, schema_editor):
    ServiceFact = apps.get_model("indicators", "ServiceFact")
    if not ServiceFact.objects.exists():
        return
    sources = {
        "visit": ("HomeVisit", "pk"),
        "activity": ("Activity", "pk"),
        "case": ("Case", "pk"),
        "caseentry": ("Case", "entries"),
        "group": ("Group", "pk"),
        "session": ("Group", "sessions"),
    }
    for stype, (model_name, through) in sources.items():
        model = apps.get_model("work", model_name)
        if through == "pk":
            rows = model.objects.filter(pk=OuterRef("source_id"))
        else:
            rows = model.objects.filter(**{through: OuterRef("source_id")})
        ServiceFact.objects.filter(source_type=stype).update(
            domain=Subquery(rows.values("domain")[:1])
        )
    from shegong.indicators.rebuild import rebuild_aggregates

    rebuild_aggregates()


class Migration(migrations.Migration):
    dependencies = [
        ("work", "0011_domain_choices"),
        ("indicators", "0012_fact_domain"),
    ]

    operations = [migrations.RunPython(facts_take_domains, migrations.RunPython.noop)]
