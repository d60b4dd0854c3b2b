"""Every service record carries a service domain and a service type (issue #14, part 5).

Existing records are given a default by one rule, stated in ``work.models.DOMAIN_OF_GROUP``:
a record about a person takes the first of children (儿童关爱), elderly (养老服务),
assistance (社会救助) and disabled (社会事务) among the groups of that person's categories;
a group takes it from its members (the most frequent such domain); a person with no such
category, or a record about no one, is community governance (社区治理). The service type
follows the domain (``TYPE_OF_DOMAIN``). Activities already had both.
"""

from collections import Counter

from django.db import migrations, models

ORDER = ("children", "elderly", "assistance", "disabled")
DOMAIN_OF_GROUP = {
    "children": "children",
    "elderly": "elderly",
    "assistance": "assistance",
    "disabled": "affairs",
}
TYPE_OF_DOMAIN = {
    "children": "care",
    "elderly": "care",
    "assistance": "help",
    "affairs": "rehab",
    "governance": "resources",
}


def _person_domains(apps) -> dict[int, str]:
    """{person id: domain} for every person with a category that names one."""
    Recipient = apps.get_model("people", "Recipient")
    through = Recipient.categories.through
    groups: dict[int, set] = {}
    for person, group in through.objects.values_list("recipient_id", "category__group"):
        groups.setdefault(person, set()).add(group)
    out = {}
    for person, found in groups.items():
        for group in ORDER:
            if group in found:
                out[person] = DOMAIN_OF_GROUP[group]
                break
    return out


def _update(model, domains_by_pk: dict[int, str]) -> None:
    by_domain: dict[str, list[int]] = {}
    for pk, domain in domains_by_pk.items():
        by_domain.setdefault(domain, []).append(pk)
    for domain, pks in by_domain.items():
        for i in range(0, len(pks), 500):
            model.objects.filter(pk__in=pks[i : i + 500]).update(
                domain=domain, service_type=TYPE_OF_DOMAIN[domain]
            )


def default_domains(apps, schema_editor):
    people = _person_domains(apps)
    HomeVisit = apps.get_model("work", "HomeVisit")
    Household = apps.get_model("people", "Household")
    heads = dict(Household.objects.values_list("pk", "head_id"))
    visits = {}
    for pk, person, household in HomeVisit.objects.values_list("pk", "recipient_id", "household_id"):
        who = person or heads.get(household)
        if who in people:
            visits[pk] = people[who]
    _update(HomeVisit, visits)
    Case = apps.get_model("work", "Case")
    _update(
        Case,
        {
            pk: people[person]
            for pk, person in Case.objects.values_list("pk", "recipient_id")
            if person in people
        },
    )
    Group = apps.get_model("work", "Group")
    members: dict[int, Counter] = {}
    for group, person in Group.members.through.objects.values_list("group_id", "recipient_id"):
        if person in people:
            members.setdefault(group, Counter())[people[person]] += 1
    _update(Group, {pk: c.most_common(1)[0][0] for pk, c in members.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("work", "0009_corrections"),
        ("people", "0005_version"),
    ]

    operations = [
        *[
            migrations.AddField(
                model_name=model,
                name=name,
                field=models.CharField(default=default, max_length=16),
                preserve_default=False,
            )
            for model in ("homevisit", "case", "group")
            for name, default in (("domain", "governance"), ("service_type", "resources"))
        ],
        migrations.RunPython(default_domains, migrations.RunPython.noop),
    ]
