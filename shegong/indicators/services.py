"""Writes of targets: a rule set (政策指标) and its rules, set by province and city officers;
and the monthly sign-off of a station's figures (逐级审核)."""

import datetime
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.audit.describe import snapshot
from shegong.audit.services import audit_log, audit_saved
from shegong.core.divisions import in_subtree, parse_region_code
from shegong.core.restrict import require_may_save
from shegong.core.validation import full_clean, one_of
from shegong.inbox.services import notify
from shegong.regions.models import Region
from shegong.stations.models import Station

from .definitions import SPECS
from .engine import apply_shared
from .models import MonthApproval, Rule, RuleSet, ServiceFact, SharedFigure, SharedRegion


@dataclass(frozen=True)
class RuleLine:
    """One target: the indicator, a comparison, the target (and upper bound for a range)."""

    indicator: str
    target: Decimal
    op: str = Rule.Op.AT_LEAST
    upper: Decimal | None = None
    minimum_count: int | None = None
    at_risk_margin: Decimal = Decimal(10)
    note: str = ""


@dataclass(frozen=True)
class RuleSetInput:
    """A rule set as typed: for a province (2 digits) or city (4 digits) and a year."""

    region_code: str
    year: int
    title: str
    rules: tuple[RuleLine, ...]
    source: str = ""
    daily_hours_ceiling: Decimal = Decimal(12)
    agency_training_as_county: bool = False
    version2_share: Decimal = Decimal(30)
    version3_share: Decimal = Decimal(60)
    # evaluation: grade and star bands, who approves five stars, the county summary's day
    grade_excellent_min: Decimal = Decimal(90)
    grade_good_min: Decimal = Decimal(80)
    grade_pass_min: Decimal = Decimal(60)
    star5_min: Decimal = Decimal(90)
    star4_min: Decimal = Decimal(85)
    star3_min: Decimal = Decimal(80)
    star2_min: Decimal = Decimal(70)
    star1_min: Decimal = Decimal(60)
    five_star_needs_province: bool = True
    summary_due_month: int = 11
    summary_due_day: int = 30
    # residents' requests: the first response is due within this many working days
    request_response_days: int = 3
    # volunteers' credit points (积分 / 时间银行) per confirmed hour; 0: no time bank
    volunteer_points_per_hour: Decimal = Decimal(0)


EVALUATION_FIELDS = (
    "grade_excellent_min",
    "grade_good_min",
    "grade_pass_min",
    "star5_min",
    "star4_min",
    "star3_min",
    "star2_min",
    "star1_min",
    "five_star_needs_province",
    "summary_due_month",
    "summary_due_day",
)
# the settings a form may leave empty to keep (the default for a new set)
KEPT_FIELDS = (*EVALUATION_FIELDS, "request_response_days", "volunteer_points_per_hour")
SET_FIELDS = (
    "region_code",
    "year",
    "title",
    "source",
    "daily_hours_ceiling",
    "agency_training_as_county",
    "version2_share",
    "version3_share",
    *KEPT_FIELDS,
)


@transaction.atomic
def rule_set_record(
    *,
    by: User,
    data: RuleSetInput,
    instance: RuleSet | None = None,
    request: HttpRequest | None = None,
) -> RuleSet:
    """Add a rule set (``instance`` None) or change one ``by`` may change.

    The caller may rely on: only province and city officers set targets, for a province or
    city in their area; one set per place and year; at least one rule, each indicator once,
    each a known ruled indicator; a range ("between") has an upper bound at or above its
    target; an at-risk margin is a share from 0 to 100. The set, its rules (replaced
    whole) and the audit entry (every target) are one transaction.
    """
    refused = _("Only province and city officers set targets.")
    require_may_save(by, RuleSet, instance, add_refused=refused, change_refused=refused)
    errors: dict[str, str] = {}
    code = parse_region_code(data.region_code) or ""
    if len(code) not in (2, 4):
        errors["region_code"] = _("Give a province (2 digits) or city (4 digits) code.")
    elif not Region.objects.filter(in_subtree("code", by.scope_code), code=code).exists():
        errors["region_code"] = _("This province or city is not in your area.")
    rule_set = instance or RuleSet()
    before = snapshot(instance, SET_FIELDS) if instance else None
    rules = _fill(rule_set, code, data, errors)
    return _save(rule_set, rules, by=by, before=before, request=request)


def _fill(rule_set: RuleSet, code: str, data: RuleSetInput, errors: dict) -> list[Rule]:
    """Set ``rule_set``'s fields from ``data`` and check it all; its rules, not yet saved.
    Raises a ``ValidationError`` with ``errors`` and what the checks add."""
    rule_set.region_code, rule_set.year = code, data.year
    rule_set.title, rule_set.source = data.title, data.source
    rule_set.daily_hours_ceiling = data.daily_hours_ceiling
    rule_set.agency_training_as_county = data.agency_training_as_county
    rule_set.version2_share, rule_set.version3_share = data.version2_share, data.version3_share
    for field in KEPT_FIELDS:
        setattr(rule_set, field, getattr(data, field))
    if data.version3_share < data.version2_share:
        errors["version3_share"] = _("Version 3.0 needs at least the share of version 2.0.")
    rules = _rules(rule_set, data.rules, errors)
    full_clean(rule_set, errors, exclude=["updated_by"])
    return rules


@transaction.atomic
def rule_set_received(*, data: RuleSetInput, source: str) -> RuleSet:
    """A rule set published by the province or city deployment ``source`` and received in
    a signed package (the signature is the authority, not an officer here): added, or the
    set for the same place and year replaced, with the same checks as ``rule_set_record``.
    Audited with the source named as the actor."""
    errors: dict[str, str] = {}
    code = parse_region_code(data.region_code) or ""
    if len(code) not in (2, 4):
        errors["region_code"] = _("Give a province (2 digits) or city (4 digits) code.")
    rule_set = RuleSet.objects.filter(region_code=code, year=data.year).first() or RuleSet()
    before = snapshot(rule_set, SET_FIELDS) if rule_set.pk else None
    rules = _fill(rule_set, code, data, errors)
    if rule_set.pk:
        rule_set.version += 1  # an edit form opened before this is told it changed
    return _save(rule_set, rules, by=None, before=before, extra={"received_from": source})


def _save(rule_set, rules, *, by, before, request=None, extra=None) -> RuleSet:
    """Save a filled and checked set, replace its rules, and audit every target."""
    rule_set.updated_by = by
    rule_set.save()
    _replace_rules(rule_set, rules)
    audit_saved(
        entity="rule_set",
        obj=rule_set,
        by=by,
        request=request,
        before=before,
        fields=SET_FIELDS,
        extra={
            "rules": {str(SPECS[r.indicator].label): _rule_text(r) for r in rules},
            **(extra or {}),
        },
    )
    return rule_set


def _rule_text(rule: Rule) -> str:
    """A rule in words: "≥ 60", "3–8"."""
    if rule.op == Rule.Op.BETWEEN:
        return f"{rule.target.normalize():f}–{(rule.upper or 0):f}"
    sign = "≤" if rule.op == Rule.Op.AT_MOST else "≥"
    return f"{sign} {rule.target.normalize():f}"


def _replace_rules(rule_set: RuleSet, rules: list[Rule]) -> None:
    """The set's rules become ``rules``; a rule for an indicator already set keeps its row."""
    existing = {r.indicator: r for r in rule_set.rules.all()}
    rule_set.rules.exclude(indicator__in=[r.indicator for r in rules]).delete()
    for rule in rules:
        old = existing.get(rule.indicator)
        if old is not None:
            rule.pk = old.pk
        rule.rule_set = rule_set
        rule.save()


def _rules(rule_set: RuleSet, lines, errors: dict) -> list[Rule]:
    if not lines:
        errors["rules"] = _("A rule set needs at least one rule.")
    seen: set[str] = set()
    rules = []
    for i, line in enumerate(lines):
        where = f"rules.{i}"
        if line.indicator in seen:
            errors["rules"] = _("Each indicator may appear once in a rule set.")
        seen.add(line.indicator)
        if line.indicator not in SPECS:
            errors[where] = _("Unknown indicator: %(code)s") % {"code": line.indicator[:32]}
        if line.op == Rule.Op.BETWEEN and (line.upper is None or line.upper < line.target):
            errors[where] = _("“Between” needs an upper bound at or above the target.")
        if line.at_risk_margin is not None and not (0 <= line.at_risk_margin <= 100):
            errors[where] = _("The margin is a share between 0 and 100.")
        rule = Rule(rule_set=rule_set, **asdict(line))
        try:
            rule.full_clean(exclude=["rule_set"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors.setdefault(where, "; ".join(exc.messages))
        rules.append(rule)
    return rules


# ----- monthly sign-off (逐级审核) ------------------------------------------------------


@dataclass(frozen=True)
class MonthStep:
    """One step of a station's month: ``submit`` (the station lead), ``review`` (the
    agency), ``accept`` (the county), ``return`` (the agency or the county, with a reason)
    or ``unlock`` (the county, an accepted month, with a reason)."""

    station: int | None
    month: datetime.date | None
    action: str
    reason: str = ""


MONTH_ACTIONS = ("submit", "review", "accept", "return", "unlock")


@transaction.atomic
def month_step(*, by: User, data: MonthStep, request: HttpRequest | None = None) -> MonthApproval:
    """Move a station's month one step along 提交 → 机构审核 → 县级审核通过 (or back).

    The caller may rely on: submitting is the station lead's, for a month that has ended,
    new or returned; reviewing and returning a submitted month is the station's agency's;
    accepting is the county officer's, once reviewed (or submitted, for a station without
    an agency), and so is returning; unlocking an accepted month is the county officer's;
    returning and unlocking need a reason; one step at a time (the row is locked).
    """
    errors: dict[str, str] = {}
    if data.action not in MONTH_ACTIONS:
        raise ValidationError({"action": _("Unknown step.")})
    station = one_of(Station.objects.restrict(by), data.station, "station", errors)
    if data.station is None:
        errors["station"] = _("This field is required.")
    if data.month is None:
        errors["month"] = _("This field is required.")
    if errors:
        raise ValidationError(errors)
    month = data.month.replace(day=1)
    today = timezone.localdate()
    row = MonthApproval.objects.select_for_update().filter(station=station, month=month).first()
    status = row.status if row else None
    reason = (data.reason or "").strip()[:500]
    role = by.role
    S = MonthApproval.Status
    if data.action == "submit":
        if role != Role.STATION_LEAD or by.station_id != station.pk:
            raise PermissionDenied(_("The station lead submits the station's month."))
        if month >= today.replace(day=1):
            raise ValidationError({"month": _("A month is submitted once it has ended.")})
        if status not in (None, S.RETURNED):
            raise ValidationError({"__all__": _("This month has been submitted already.")})
        new = S.SUBMITTED
    elif data.action == "review":
        if role != Role.AGENCY_ADMIN or station.agency_id != by.agency_id:
            raise PermissionDenied(_("The station's agency reviews its month."))
        if status != S.SUBMITTED:
            raise ValidationError({"__all__": _("Only a submitted month is reviewed.")})
        new = S.REVIEWED
    elif data.action in ("accept", "unlock"):
        if role != Role.COUNTY_OFFICER:
            raise PermissionDenied(_("The county officer accepts a month or unlocks it."))
        if data.action == "accept":
            waiting = S.REVIEWED if station.agency_id else S.SUBMITTED
            if status not in (S.REVIEWED, waiting):
                raise ValidationError(
                    {"__all__": _("The month waits for the agency's review first.")}
                    if status == S.SUBMITTED
                    else {"__all__": _("This month is not awaiting the county.")}
                )
            new = S.ACCEPTED
        else:
            if status != S.ACCEPTED:
                raise ValidationError({"__all__": _("Only an accepted month is unlocked.")})
            if not reason:
                raise ValidationError({"reason": _("Say why the month is unlocked.")})
            new = S.RETURNED
    else:  # return
        agency_may = role == Role.AGENCY_ADMIN and station.agency_id == by.agency_id
        if not (agency_may or role == Role.COUNTY_OFFICER):
            raise PermissionDenied(_("The agency or the county returns a month."))
        allowed = (S.SUBMITTED,) if agency_may else (S.SUBMITTED, S.REVIEWED)
        if status not in allowed:
            raise ValidationError({"__all__": _("This month is not awaiting review.")})
        if not reason:
            raise ValidationError({"reason": _("Say why the month is returned.")})
        new = S.RETURNED
    row = row or MonthApproval(station=station, region_id=station.region_id, month=month)
    now = timezone.now()
    row.status = new
    row.reason = reason if new == S.RETURNED else ""
    if data.action == "submit":
        row.submitted_by, row.submitted_at = by, now
    elif data.action == "review":
        row.reviewed_by, row.reviewed_at = by, now
    else:
        row.decided_by, row.decided_at = by, now
    row.version = (row.version or 0) + 1 if row.pk else 1
    row.save()
    audit_log(
        action={
            "submit": "shegong.month.submitted",
            "review": "shegong.month.reviewed",
            "accept": "shegong.month.accepted",
            "return": "shegong.month.returned",
            "unlock": "shegong.month.unlocked",
        }[data.action],
        actor=by,
        request=request,
        obj=row,
        data={"station": station.name, "month": f"{month:%Y-%m}", "reason": reason},
    )
    _month_notice(station=station, month=month, action=data.action, reason=reason)
    return row


def _month_notice(*, station: Station, month: datetime.date, action: str, reason: str) -> None:
    """Tell whoever the month now waits for: the agency (or the county, for a station
    without one) when submitted, the county when reviewed, the station lead when it is
    returned, unlocked or accepted."""
    users = User.objects.filter(is_active=True)
    county = users.filter(role=Role.COUNTY_OFFICER, scope_region_id=station.region_id[:6])
    leads = users.filter(role=Role.STATION_LEAD, station=station)
    if action == "submit":
        to = (
            users.filter(role=Role.AGENCY_ADMIN, agency_id=station.agency_id)
            if station.agency_id
            else county
        )
        event = "month.submitted"
    elif action == "review":
        to, event = county, "month.submitted"
    elif action == "accept":
        to, event = leads, "month.accepted"
    else:
        to, event = leads, "month.returned"
    notify(
        users=list(to.values_list("pk", flat=True)),
        event=event,
        subject=f"{station.name} · {month:%Y-%m}",
        url=reverse("indicators:month_detail", args=[station.pk, f"{month:%Y-%m}"]),
        note=reason,
    )


# ----- figures received from another deployment (省市县数据共享) --------------------------


@transaction.atomic
def shared_figures_replace(
    *,
    region: str,
    name: str,
    year: str,
    source: str,
    package_id: int,
    generated_at: datetime.datetime,
    rows: list[tuple[str, int, str, str, Decimal]],
) -> int:
    """The figures of ``region`` for ``year`` become ``rows`` (node, level, period, metric,
    value), as received in a package from the deployment ``source``; returns their number.

    The caller may rely on: every node lies in ``region`` (a row outside it is refused with
    a ``ValidationError`` and nothing is written); a region that has records of its own here
    is refused (its figures would count twice); the aggregates of the region and of every
    region above it change by the difference between the old figures and the new, in the
    same transaction, so a dashboard shows them at once and a rebuild keeps them. A region
    is kept in one deployment: one with stations or records here is refused."""
    if (
        Station.objects.filter(in_subtree("region_id", region)).exists()
        or ServiceFact.objects.filter(in_subtree("township", region)).exists()
    ):
        raise ValidationError(
            _(
                "%(code)s has stations or records of its own here: figures received for it "
                "would count twice."
            )
            % {"code": region}
        )
    for node, level, _period, _metric, _value in rows:
        if not node.startswith(region) or {2: 1, 4: 2, 6: 3, 9: 4}.get(len(node)) != level:
            raise ValidationError(
                _("The figure for %(node)s is not in %(code)s.") % {"node": node, "code": region}
            )
        if not _period.startswith(year):
            raise ValidationError(
                _("A figure of %(period)s is outside the package's year %(year)s.")
                % {"period": _period, "year": year}
            )
    old = SharedFigure.objects.select_for_update().filter(region=region, period__startswith=year)
    apply_shared(region, old.values_list("node", "level", "period", "metric", "value"), -1)
    old.delete()
    SharedFigure.objects.bulk_create(
        [
            SharedFigure(region=region, node=n, level=lv, period=p, metric=m, value=v)
            for n, lv, p, m, v in rows
        ],
        batch_size=2000,
    )
    apply_shared(region, rows)
    SharedRegion.objects.update_or_create(
        code=region,
        defaults={
            "name": name,
            "source": source,
            "package_id": package_id,
            "generated_at": generated_at,
        },
    )
    return len(rows)
