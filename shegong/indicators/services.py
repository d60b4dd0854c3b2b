from django.db import transaction

from shegong.audit.services import audit_log

from .models import RuleSet


@transaction.atomic
def rule_set_save(*, form, by, request=None) -> RuleSet:
    """Save a rule set and its rules together; the audit log keeps every target change."""
    created = form.instance.pk is None
    rule_set = form.save(commit=False)
    rule_set.updated_by = by
    rule_set.save()
    form.rules.instance = rule_set
    form.rules.save()
    audit_log(
        action="shegong.rule_set.created" if created else "shegong.rule_set.changed",
        actor=by,
        request=request,
        obj=rule_set,
        data={
            "rules": {
                r.indicator: [r.op, str(r.target), str(r.upper or "")] for r in rule_set.rules.all()
            }
        },
    )
    return rule_set
