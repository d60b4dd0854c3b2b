"""Who may do what, by role: one module that views, the API and exporters all read.

Row-level questions (which stations, which people) are answered by each model's
``restrict_q``; this module answers the role-level ones that used to be spelt out again
in each view ("dashboards are for …", "only station staff record …").
"""

from shegong.core.restrict import may_add

from .roles import OFFICER_ROLES, STATION_ROLES, Role

# dashboards, drill-downs and reports
DASHBOARD_ROLES = OFFICER_ROLES | STATION_ROLES | {Role.EVALUATOR}
# reading the rule sets (targets); changing them is RuleSet.restrict_q's
RULE_SET_READERS = OFFICER_ROLES | {Role.EVALUATOR}
# exports of personal data (PIPL: minimum necessary)
PERSONAL_EXPORT_ROLES = STATION_ROLES | {Role.COUNTY_OFFICER, Role.AUDIT_ADMIN}


def may_see_dashboards(user) -> bool:
    return user.role in DASHBOARD_ROLES


def may_read_rule_sets(user) -> bool:
    return user.role in RULE_SET_READERS


def may_export_personal(user) -> bool:
    return user.role in PERSONAL_EXPORT_ROLES


def may_record_station_work(user, model) -> bool:
    """Station work (visits, cases, activities, training received …) is recorded by the
    staff of a station, for their own station."""
    return may_add(user, model) and bool(user.station_id)
