"""Who may do what, by role: one module that views, the API and exporters all read.

Row-level questions (which stations, which people) are answered by each model's
``restrict_q``; this module answers the role-level ones that used to be spelt out again
in each view ("dashboards are for …", "only station staff record …").
"""

from django.db.models import Q

from shegong.core.restrict import may_add, scope_q

from .roles import OFFICER_ROLES, STATION_ROLES, Role

# dashboards, drill-downs and reports
DASHBOARD_ROLES = OFFICER_ROLES | STATION_ROLES | {Role.EVALUATOR}
# reading the rule sets (targets); changing them is RuleSet.restrict_q's
RULE_SET_READERS = OFFICER_ROLES | {Role.EVALUATOR}
# exports of personal data (PIPL: minimum necessary)
PERSONAL_EXPORT_ROLES = STATION_ROLES | {Role.COUNTY_OFFICER, Role.AUDIT_ADMIN}
# reading station work de-identified (names masked, free text out, every read audited):
# the evaluator in their region, the agency for the stations it runs
MASKED_READERS = frozenset({Role.EVALUATOR, Role.AGENCY_ADMIN})
# reading the audit log (三员分立: the audit administrator only)
AUDIT_READERS = frozenset({Role.AUDIT_ADMIN})
# browsing the region tree (within one's scope); the audit administrator has no need
REGION_READERS = frozenset(Role) - {Role.AUDIT_ADMIN}

# The same sets as Django permissions, for the layers below accounts (core, audit,
# regions), which ask ``user.has_perm(...)`` and never import this module. Answered by
# ``accounts.backends.ShegongBackend``; a ``shegong.*`` name not listed here is an error.
PERMISSIONS: dict[str, frozenset] = {
    "shegong.export_personal": frozenset(PERSONAL_EXPORT_ROLES),
    "shegong.read_audit_log": AUDIT_READERS,
    "shegong.browse_regions": REGION_READERS,
}


def role_has_perm(role: str, perm: str) -> bool:
    """Whether ``role`` holds the policy permission ``perm`` (KeyError for an unknown one)."""
    return role in PERMISSIONS[perm]


def may_see_dashboards(user) -> bool:
    return user.role in DASHBOARD_ROLES


def may_see_station_board(user) -> bool:
    """The stations board (figures per station): dashboard roles and agencies."""
    return user.role in DASHBOARD_ROLES or user.role == Role.AGENCY_ADMIN


def may_read_rule_sets(user) -> bool:
    return user.role in RULE_SET_READERS


def may_drill_down(user) -> bool:
    """Whether the numbers of a dashboard open the records behind them: for those who may
    see person-level records (station staff, officers); evaluators and agencies see the
    figures only."""
    return user.role in STATION_ROLES or user.role in OFFICER_ROLES


def reads_masked(user) -> bool:
    """Whether ``user`` reads person-level records de-identified rather than whole."""
    return user.role in MASKED_READERS


def record_action(user) -> str:
    """The ``restrict`` action a list of person-level records reads with for ``user``:
    "view_masked" for a de-identified reader, else "view"."""
    return "view_masked" if reads_masked(user) else "view"


def may_export_personal(user) -> bool:
    return user.role in PERSONAL_EXPORT_ROLES


def may_record_station_work(user, model) -> bool:
    """Station work (visits, cases, activities, training received …) is recorded by the
    staff of a station, for their own station."""
    return may_add(user, model) and bool(user.station_id)


def may_correct(user, *, station_id: int | None, author_id: int | None) -> bool:
    """A record of station work is corrected or voided by whoever recorded it, or by the
    lead of its station (while its month is open: ``indicators.corrections``)."""
    if not getattr(user, "is_active", False) or not station_id or user.station_id != station_id:
        return False
    if user.role not in STATION_ROLES:
        return False
    return user.pk == author_id or user.role == Role.STATION_LEAD


def person_restrict_q(user, action: str, field: str, *, station_field: str | None = None):
    """Who may do what to a person-level record whose village code is ``field``.

    Station staff work in their own township; officers see (masked) in their region, and
    the county officer may reveal. Evaluators and agencies see no person-level record
    whole: with "view_masked" the evaluator reads its region's, and an agency the records
    of the stations it runs (``station_field``, for records that have a station),
    de-identified. The three administrators see none.
    """
    role = user.role
    if action == "view_masked":
        if role in STATION_ROLES or role in OFFICER_ROLES or role == Role.EVALUATOR:
            return scope_q(user, field)
        if role == Role.AGENCY_ADMIN and station_field and user.agency_id:
            return Q(**{f"{station_field}__agency_id": user.agency_id})
        return None
    if action == "view":
        if role in STATION_ROLES or role in OFFICER_ROLES:
            return scope_q(user, field)
        return None
    if action in ("add", "change"):
        return scope_q(user, field) if role in STATION_ROLES else None
    if action == "import":  # a roster brought in from Excel: the station's or the county's
        if role in STATION_ROLES or role == Role.COUNTY_OFFICER:
            return scope_q(user, field)
        return None
    if action == "reveal":
        if role in STATION_ROLES or role == Role.COUNTY_OFFICER:
            return scope_q(user, field)
    return None
