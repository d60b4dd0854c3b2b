"""Audit entries an auditor can read, and that are true.

- ``snapshot(obj, fields)`` renders a saved row's fields as text the way a page shows them
  (choice labels, names of related rows, 是/否), read back from what was saved: the entry
  says what is in the database, not what a form submitted.
- ``ACTIONS`` names every action code in words, with its category, for the log's list, its
  filter and its export.
"""

import datetime
import functools
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from shegong.core.choices import label_of


def snapshot(obj: models.Model, fields) -> dict[str, str]:
    """``{field name: displayed value}`` of ``obj`` as stored (many-to-many included)."""
    out: dict[str, str] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        out[name] = _display(obj, field)
    return out


def _display(obj, field) -> str:
    if field.many_to_many:
        return "、".join(sorted(str(o) for o in getattr(obj, field.name).all()))
    if field.is_relation:
        related = getattr(obj, field.name)
        return "" if related is None else str(related)
    value = getattr(obj, field.attname)
    if field.choices and value not in (None, ""):
        return str(label_of(field, value))
    return _text(value)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


def diff(before: dict[str, str], after: dict[str, str]) -> dict[str, str]:
    """What changed, as "old → new"."""
    return {
        k: f"{before.get(k) or '—'} → {v or '—'}" for k, v in after.items() if before.get(k) != v
    }


# ----- action codes in words ----------------------------------------------------------------

AUTH = _("Sign-in and accounts")
PERSONAL = _("Personal data")
WORK = _("Station work")
PLACES = _("Stations and agencies")
TARGETS = _("Targets")
PURCHASE = _("Government purchase")
EVALUATION = _("Evaluation and star rating")
DATA_OUT = _("Exports")
SYSTEM = _("System")

ACTIONS: dict[str, tuple] = {
    "shegong.auth.login": (_("Signed in"), AUTH),
    "shegong.auth.logout": (_("Signed out"), AUTH),
    "shegong.auth.login_failed": (_("Sign-in failed"), AUTH),
    "shegong.auth.throttled": (_("Sign-in slowed down"), AUTH),
    "shegong.auth.locked_out": (_("Account locked"), AUTH),
    "shegong.auth.password_changed": (_("Password changed"), AUTH),
    "shegong.auth.otp_enrolled": (_("Second factor set up"), AUTH),
    "shegong.auth.otp_verified": (_("Second factor passed"), AUTH),
    "shegong.auth.otp_failed": (_("Second factor failed"), AUTH),
    "shegong.user.created": (_("Account created"), AUTH),
    "shegong.user.changed": (_("Account changed"), AUTH),
    "shegong.user.role_changed": (_("Role or scope changed"), AUTH),
    "shegong.user.otp_reset": (_("Second factor reset"), AUTH),
    "shegong.user.unlocked": (_("Account unlocked"), AUTH),
    "shegong.token.created": (_("API token made"), AUTH),
    "shegong.token.revoked": (_("API token revoked"), AUTH),
    "shegong.user.admin_create": (_("Administrator account created (server)"), AUTH),
    "shegong.user.admin_set_role": (_("Administrator role set (server)"), AUTH),
    "shegong.user.admin_revoke": (_("Administrator account revoked (server)"), AUTH),
    "shegong.user.admin_unlock": (_("Administrator account unlocked (server)"), AUTH),
    "shegong.recipient.created": (_("Service recipient registered"), PERSONAL),
    "shegong.recipient.changed": (_("Service recipient changed"), PERSONAL),
    "shegong.recipient.viewed": (_("Service recipient viewed"), PERSONAL),
    "shegong.recipient.revealed": (_("Personal field revealed"), PERSONAL),
    "shegong.records.viewed_masked": (_("De-identified records viewed"), PERSONAL),
    "shegong.recipient.opened_for_edit": (_("Service recipient opened for editing"), PERSONAL),
    "shegong.household.changed": (_("Household changed"), PERSONAL),
    "shegong.volunteer.created": (_("Volunteer registered"), PERSONAL),
    "shegong.volunteer.changed": (_("Volunteer changed"), PERSONAL),
    "shegong.volunteer.viewed": (_("Volunteer viewed"), PERSONAL),
    "shegong.volunteer.points_redeemed": (_("Volunteer credit points redeemed"), PERSONAL),
    "shegong.donor.created": (_("Donor recorded"), PERSONAL),
    "shegong.donor.changed": (_("Donor changed"), PERSONAL),
    "shegong.donation.created": (_("Donation recorded"), PERSONAL),
    "shegong.donation.changed": (_("Donation changed"), PERSONAL),
    "shegong.allocation.created": (_("Charity resources allocated"), PERSONAL),
    "shegong.import.uploaded": (_("File uploaded for import"), PERSONAL),
    "shegong.import.committed": (_("Import committed"), PERSONAL),
    "shegong.import.refused": (_("Import refused: the file has invalid rows"), PERSONAL),
    "shegong.import.errors_downloaded": (_("Import's error workbook downloaded"), DATA_OUT),
    "shegong.import.files_purged": (_("Old import files deleted"), SYSTEM),
    "shegong.tasks.reaped": (_("Background tasks whose worker stopped marked failed"), SYSTEM),
    "shegong.import.passwords_downloaded": (
        _("New staff accounts' initial passwords downloaded"),
        AUTH,
    ),
    "shegong.exchange.exported": (_("Data package made for another deployment"), DATA_OUT),
    "shegong.exchange.received": (_("Data package received from another deployment"), SYSTEM),
    "shegong.exchange.refused": (_("Data package refused"), SYSTEM),
    "shegong.exchange.peer_saved": (_("Trusted deployment saved"), SYSTEM),
    "shegong.exchange.pushed": (_("Data package sent to another deployment"), DATA_OUT),
    "shegong.exchange.fetched": (_("Data package fetched by another deployment"), DATA_OUT),
    "shegong.exchange.pulled": (_("Data package fetched from another deployment"), SYSTEM),
    "shegong.organisation.created": (_("Community organisation registered"), PERSONAL),
    "shegong.organisation.changed": (_("Community organisation changed"), PERSONAL),
    "shegong.volunteer_team.created": (_("Volunteer team formed"), PERSONAL),
    "shegong.volunteer_team.changed": (_("Volunteer team changed"), PERSONAL),
    "shegong.volunteer_event.created": (_("Volunteer service planned"), PERSONAL),
    "shegong.volunteer_event.changed": (_("Volunteer service changed"), PERSONAL),
    "shegong.volunteer_event.attendance": (_("Volunteer attendance recorded"), PERSONAL),
    "shegong.volunteer_event.confirmed": (_("Volunteer hours confirmed"), PERSONAL),
    "shegong.volunteer_event.signed_in": (_("Volunteer signed in"), PERSONAL),
    "shegong.volunteer_event.signed_out": (_("Volunteer signed out"), PERSONAL),
    "shegong.resident_request.submitted": (_("Resident request received"), PERSONAL),
    "shegong.resident_request.viewed": (_("Resident request viewed"), PERSONAL),
    "shegong.resident_request.answered": (_("Resident request answered"), PERSONAL),
    "shegong.resident_request.closed": (_("Resident request closed"), PERSONAL),
    "shegong.resident_request.rated": (_("Resident request rated"), PERSONAL),
    "shegong.resident_request.escalated": (_("Overdue resident request escalated"), PERSONAL),
    "shegong.resident_request.matched": (_("Resident's need matched"), PERSONAL),
    "shegong.resident_request.linked": (_("Resident request linked to a record"), PERSONAL),
    "shegong.resident_request.purged": (
        _("Residents' requests past retention: personal data deleted"),
        PERSONAL,
    ),
    "shegong.household.opened_for_edit": (_("Household opened for editing"), PERSONAL),
    "shegong.visit.created": (_("Home visit recorded"), WORK),
    "shegong.field.downloaded": (_("Working set downloaded to a phone"), PERSONAL),
    "shegong.field.refreshed": (_("Phone refreshed its working set"), PERSONAL),
    "shegong.visit.changed": (_("Home visit corrected"), WORK),
    "shegong.visit.voided": (_("Home visit voided"), WORK),
    "shegong.visit.photo_added": (_("Photo added to a home visit"), WORK),
    "shegong.activity.changed": (_("Activity corrected"), WORK),
    "shegong.activity.voided": (_("Activity voided"), WORK),
    "shegong.admin_work.changed": (_("Administrative work corrected"), WORK),
    "shegong.admin_work.voided": (_("Administrative work voided"), WORK),
    "shegong.session.changed": (_("Group session corrected"), WORK),
    "shegong.session.voided": (_("Group session voided"), WORK),
    "shegong.training.changed": (_("Training corrected"), WORK),
    "shegong.training.voided": (_("Training voided"), WORK),
    "shegong.activity.created": (_("Activity recorded"), WORK),
    "shegong.admin_work.created": (_("Administrative work recorded"), WORK),
    "shegong.group.created": (_("Group started"), WORK),
    "shegong.group.changed": (_("Group changed"), WORK),
    "shegong.group.session_recorded": (_("Group session recorded"), WORK),
    "shegong.training.created": (_("Training recorded"), WORK),
    "shegong.worker_profile.changed": (_("Worker profile changed"), WORK),
    "shegong.case.opened": (_("Case opened"), WORK),
    "shegong.case.assessed": (_("Case assessed"), WORK),
    "shegong.case.plan_submitted": (_("Case plan submitted"), WORK),
    "shegong.case.plan_approved": (_("Case plan approved"), WORK),
    "shegong.case.plan_returned": (_("Case plan returned"), WORK),
    "shegong.case.intervention_recorded": (_("Case intervention recorded"), WORK),
    "shegong.case.evaluated": (_("Case evaluated"), WORK),
    "shegong.case.closure_requested": (_("Case closure requested"), WORK),
    "shegong.case.closure_returned": (_("Case closure returned"), WORK),
    "shegong.case.closed": (_("Case closed"), WORK),
    "shegong.case.referred_out": (_("Case referred out"), WORK),
    "shegong.case.referred_in": (_("Case referred in"), WORK),
    "shegong.case.transferred": (_("Case transferred"), WORK),
    "shegong.case.reopened": (_("Case reopened"), WORK),
    "shegong.station.created": (_("Station added"), PLACES),
    "shegong.station.changed": (_("Station changed"), PLACES),
    "shegong.agency.created": (_("Agency added"), PLACES),
    "shegong.agency.changed": (_("Agency changed"), PLACES),
    "shegong.filing.created": (_("Agency filing drafted"), PURCHASE),
    "shegong.filing.changed": (_("Agency filing changed"), PURCHASE),
    "shegong.filing.submitted": (_("Agency filing submitted"), PURCHASE),
    "shegong.filing.approved": (_("Agency filing approved"), PURCHASE),
    "shegong.filing.returned": (_("Agency filing returned"), PURCHASE),
    "shegong.project.created": (_("Purchase project added"), PURCHASE),
    "shegong.project.changed": (_("Purchase project changed"), PURCHASE),
    "shegong.contract.created": (_("Contract added"), PURCHASE),
    "shegong.contract.changed": (_("Contract changed"), PURCHASE),
    "shegong.contract.targets_set": (_("Agreed outputs set"), PURCHASE),
    "shegong.instalment.confirmed": (_("Instalment condition confirmed"), PURCHASE),
    "shegong.instalment.paid": (_("Instalment paid"), PURCHASE),
    "shegong.instalment.held": (_("Instalment held"), PURCHASE),
    "shegong.instalment.released": (_("Instalment released"), PURCHASE),
    "shegong.tree.created": (_("Indicator tree imported"), EVALUATION),
    "shegong.tree.changed": (_("Indicator tree imported again"), EVALUATION),
    "shegong.tree.published": (_("Indicator tree published"), EVALUATION),
    "shegong.evaluation_agency.created": (_("Evaluation agency added"), EVALUATION),
    "shegong.evaluation_agency.changed": (_("Evaluation agency changed"), EVALUATION),
    "shegong.round.created": (_("Evaluation round opened"), EVALUATION),
    "shegong.round.changed": (_("Evaluation round changed"), EVALUATION),
    "shegong.round.published": (_("Evaluation results published"), EVALUATION),
    "shegong.assignment.created": (_("Evaluator assigned"), EVALUATION),
    "shegong.sheet.saved": (_("Score sheet saved"), EVALUATION),
    "shegong.sheet.submitted": (_("Score sheet submitted"), EVALUATION),
    "shegong.appeal.filed": (_("Appeal filed"), EVALUATION),
    "shegong.appeal.answered": (_("Appeal answered"), EVALUATION),
    "shegong.rectification.submitted": (_("Rectification reported"), EVALUATION),
    "shegong.rectification.closed": (_("Rectification closed"), EVALUATION),
    "shegong.rectification.returned": (_("Rectification sent back"), EVALUATION),
    "shegong.star.proposed": (_("Star rating proposed"), EVALUATION),
    "shegong.star.approved": (_("Star rating approved"), EVALUATION),
    "shegong.star.rejected": (_("Star rating rejected"), EVALUATION),
    "shegong.star.revoked": (_("Star rating revoked"), EVALUATION),
    "shegong.summary.submitted": (_("Annual evaluation summary sent"), EVALUATION),
    "shegong.month.submitted": (_("Month submitted"), TARGETS),
    "shegong.month.reviewed": (_("Month reviewed by the agency"), TARGETS),
    "shegong.month.accepted": (_("Month accepted and locked"), TARGETS),
    "shegong.month.returned": (_("Month returned"), TARGETS),
    "shegong.month.unlocked": (_("Month unlocked"), TARGETS),
    "shegong.spending.created": (_("Spending recorded"), PURCHASE),
    "shegong.spending.approved": (_("Spending approved"), PURCHASE),
    "shegong.spending.rejected": (_("Spending rejected"), PURCHASE),
    "shegong.labour_contract.created": (_("Labour contract recorded"), PURCHASE),
    "shegong.payroll.created": (_("Monthly pay recorded"), PURCHASE),
    "shegong.payroll.changed": (_("Monthly pay corrected"), PURCHASE),
    "shegong.payroll.imported": (_("Monthly pay imported"), PURCHASE),
    "shegong.payroll.viewed": (_("Staff pay viewed"), PERSONAL),
    "shegong.registration.created": (_("Professional registered"), WORK),
    "shegong.registration.changed": (_("Professional registration changed"), WORK),
    "shegong.certificate.verified": (_("Certificate verified"), WORK),
    "shegong.certificate.returned": (_("Certificate returned"), WORK),
    "shegong.version.confirmed": (_("Service version confirmed"), PURCHASE),
    "shegong.subsidy_rate.created": (_("Subsidy rates set"), PURCHASE),
    "shegong.subsidy_rate.changed": (_("Subsidy rates changed"), PURCHASE),
    "shegong.rule_set.created": (_("Rule set added"), TARGETS),
    "shegong.rule_set.changed": (_("Rule set changed"), TARGETS),
    "shegong.report.downloaded": (_("Report downloaded"), DATA_OUT),
    "shegong.export": (_("List exported"), DATA_OUT),
    "shegong.export.refused": (_("Export refused"), DATA_OUT),
    "shegong.audit.purged": (_("Old audit entries purged"), SYSTEM),
    "shegong.migration.figures_capped": (_("Implausible figure capped (upgrade)"), SYSTEM),
    "shegong.migration.non_ascii_identifiers": (
        _("Identifier with non-ASCII digits found (upgrade)"),
        SYSTEM,
    ),
}
CATEGORIES = [AUTH, PERSONAL, WORK, PLACES, PURCHASE, TARGETS, DATA_OUT, SYSTEM]


def action_label(code: str) -> str:
    """The action in words (an unknown code is shown as it is)."""
    found = ACTIONS.get(code)
    return str(found[0]) if found else code


def category_of(code: str) -> str:
    found = ACTIONS.get(code)
    return str(found[1]) if found else ""


def action_choices() -> list[tuple[str, str]]:
    """The action filter's choices: every category ("cat:…"), then every action, in words."""
    return list(_action_choices(get_language()))


@functools.lru_cache(maxsize=16)
def _action_choices(language: str | None) -> tuple[tuple[str, str], ...]:
    """``action_choices`` in ``language``, built once per process and language."""
    categories = [(f"cat:{i}", f"【{c}】") for i, c in enumerate(CATEGORIES)]
    return tuple(categories + [(code, f"{label}") for code, (label, _cat) in ACTIONS.items()])


def actions_matching(value: str) -> list[str]:
    """The action codes a filter value stands for: a category's, or one action."""
    if value.startswith("cat:") and value[4:].isdigit() and int(value[4:]) < len(CATEGORIES):
        category = CATEGORIES[int(value[4:])]
        return [code for code, (_label, cat) in ACTIONS.items() if cat is category]
    return [value] if value in ACTIONS else []


@functools.cache
def _model(object_type: str):
    """The model an entry's ``object_type`` (a model name) stands for, or None."""
    return next((m for m in apps.get_models() if m._meta.model_name == object_type), None)


def field_label(object_type: str, name: str) -> str:
    """A detail's key in words: the field's name on the model the entry is about."""
    return _field_label(object_type, name, get_language())


@functools.lru_cache(maxsize=4096)
def _field_label(object_type: str, name: str, language: str | None) -> str:
    """``field_label`` in ``language`` (the one active): found and translated once per
    process, not once per key of every entry (a page of the log asked ~350 times, a fifth
    of its work)."""
    model = _model(object_type)
    if model is not None:
        try:
            label = getattr(model._meta.get_field(name), "verbose_name", None)
        except FieldDoesNotExist:  # a key that is not a field (goals, rules …)
            label = None
        if label:  # (a reverse relation has no verbose name)
            return str(label)
    return str(DETAIL_LABELS.get(name, name))


DETAIL_LABELS = {
    "list": _("list"),
    "format": _("format"),
    "username": _("username"),
    "field": _("field"),
    "goals": _("goals"),
    "rules": _("rules"),
    "password_reset": _("password reset"),
    "session": _("session"),
    "attended": _("attended"),
    "others": _("others"),
    "long_day": _("reason for a long day"),
}


def details(entry) -> str:
    """An entry's details in words: "角色：县级民政干部 → 市级民政干部；…"."""
    parts = []
    for key, value in (entry.data or {}).items():
        if isinstance(value, dict):
            value = "；".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = "、".join(map(str, value))
        elif isinstance(value, bool):
            value = gettext("Yes") if value else gettext("No")
        parts.append(f"{field_label(entry.object_type, key)}：{value}")
    return "；".join(parts)
