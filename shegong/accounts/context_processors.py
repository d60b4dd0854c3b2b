from django.conf import settings
from django.utils.translation import gettext_lazy as _

from shegong.core.links import url_of

from .roles import ADMIN_ROLES, OFFICER_ROLES, STATION_ROLES, Role


def _groups(user) -> list:
    """Menus of several pages: government purchase (projects, contracts, money)."""
    if user is None or not user.is_authenticated:
        return []
    role = user.role
    purchase = []
    if role in OFFICER_ROLES or role == Role.EVALUATOR:
        purchase.append(("purchase:project_list", _("Purchase projects")))
    if role in OFFICER_ROLES or role in (Role.EVALUATOR, Role.AGENCY_ADMIN):
        purchase += [
            ("purchase:contract_list", _("Contracts")),
            ("purchase:spending_list", _("Spending")),
            ("purchase:budget", _("Budget and spending")),
        ]
    if role in OFFICER_ROLES or role in (Role.EVALUATOR, Role.AGENCY_ADMIN):
        purchase.append(("purchase:filing_list", _("Agency filings")))
    if role in (Role.COUNTY_OFFICER, Role.AGENCY_ADMIN):
        purchase += [
            ("purchase:payroll_list", _("Monthly pay and insurance")),
            ("purchase:labour_contract_list", _("Labour contracts")),
        ]
    if role in OFFICER_ROLES or role == Role.AGENCY_ADMIN:
        purchase.append(("purchase:compliance", _("Employment compliance")))
    if role in OFFICER_ROLES or role in (Role.EVALUATOR, Role.AGENCY_ADMIN):
        purchase.append(("purchase:versions", _("Service versions")))
    if role in OFFICER_ROLES or role == Role.EVALUATOR:
        purchase.append(("purchase:subsidy", _("Tiered subsidy")))
    people = []
    if role in STATION_ROLES:
        people.append(("workforce:registration", _("My registration")))
    if role in OFFICER_ROLES:
        people.append(("workforce:registry", _("Registry of professionals")))
    evaluation = []
    if (
        role in OFFICER_ROLES
        or role in STATION_ROLES
        or role in (Role.EVALUATOR, Role.AGENCY_ADMIN)
    ):
        evaluation.append(("evaluation:round_list", _("Evaluation rounds")))
    if role in OFFICER_ROLES or role in STATION_ROLES or role == Role.AGENCY_ADMIN:
        evaluation += [
            ("evaluation:result_list", _("Evaluation results")),
            ("evaluation:appeal_list", _("Appeals")),
            ("evaluation:rectification_list", _("Rectification tasks")),
        ]
    if (
        role in OFFICER_ROLES
        or role in STATION_ROLES
        or role in (Role.EVALUATOR, Role.AGENCY_ADMIN)
    ):
        evaluation.append(("evaluation:star_list", _("Star ratings")))
    if role in OFFICER_ROLES or role == Role.EVALUATOR:
        evaluation += [
            ("evaluation:tree_list", _("Indicator trees")),
            ("evaluation:agency_list", _("Evaluation agencies")),
        ]
    if role in OFFICER_ROLES:
        evaluation.append(("evaluation:summaries", _("Annual evaluation summaries")))
    matching = []
    if role in STATION_ROLES or role in OFFICER_ROLES:
        matching = [
            ("residents:list", _("Residents' requests")),
            ("residents:matches", _("Matches")),
            ("residents:resources", _("Resources")),
            ("residents:projects", _("Projects")),
        ]
    community = []
    if role in STATION_ROLES or role in OFFICER_ROLES:
        community = [
            ("community:volunteer_list", _("Volunteers")),
            ("community:team_list", _("Volunteer teams")),
            ("community:event_list", _("Volunteer service events")),
            ("community:records", _("Volunteer service records")),
            ("community:organisation_list", _("Community organisations")),
            ("community:ledger", _("Charity resources ledger")),
            ("community:donor_list", _("Donors")),
            ("community:allocation_list", _("Allocations")),
        ]
    groups = [(_("Government purchase"), purchase)] if purchase else []
    if matching:
        groups.append((_("Supply and demand"), matching))
    if community:
        groups.append((_("Volunteers and community"), community))
    if evaluation:
        groups.append((_("Evaluation and stars"), evaluation))
    if people:
        groups.append((_("Professionals"), people))
    return groups


def navigation(request):
    """The menu a user sees: only the places their role can reach."""
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        items.append(("home", _("Home")))
        if user.role in STATION_ROLES or user.role in OFFICER_ROLES or user.role == Role.EVALUATOR:
            items.append(("indicators:dashboard", _("Dashboard")))
        if user.role == Role.AGENCY_ADMIN:
            items.append(("indicators:station_board", _("Stations board")))
        if user.role in OFFICER_ROLES or user.role == Role.EVALUATOR:
            items.append(("indicators:rule_set_list", _("Targets")))
        if user.role in OFFICER_ROLES or user.role == Role.SYSTEM_ADMIN:
            items.append(("exchange:list", _("Data exchange")))
        if user.role and user.role != Role.AUDIT_ADMIN:
            items.append(("regions:browse", _("Regions")))
            items.append(("stations:list", _("Stations")))
            items.append(("stations:agency_list", _("Agencies")))
        if user.role and user.role not in (Role.EVALUATOR, Role.AUDIT_ADMIN):
            items.append(("accounts:user_list", _("Staff")))
        if user.role in STATION_ROLES or user.role in OFFICER_ROLES:
            items.append(("people:list", _("Recipients")))
            items.append(("imports:list", _("Imports")))
            items.append(("residents:list", _("Residents' requests")))
        if (
            user.role in STATION_ROLES
            or user.role in OFFICER_ROLES
            or user.role == Role.AGENCY_ADMIN
        ):
            # an agency reads its stations' work de-identified (policy.reads_masked)
            items.append(("work:visit_list", _("Visits")))
            items.append(("work:case_list", _("Cases")))
            items.append(("work:group_list", _("Groups")))
            items.append(("work:activity_list", _("Activities")))
        if user.role in STATION_ROLES or user.role == Role.AGENCY_ADMIN:
            items.append(("work:admin_work_list", _("Admin work")))
        if (
            user.role in STATION_ROLES
            or user.role in OFFICER_ROLES
            or user.role == Role.AGENCY_ADMIN
        ):
            items.append(("work:long_day_list", _("Long days")))
        if (
            user.role in STATION_ROLES
            or user.role in OFFICER_ROLES
            or user.role == Role.AGENCY_ADMIN
        ):
            items.append(("workforce:training_list", _("Training")))
    if user is not None and getattr(user, "role", "") == Role.AUDIT_ADMIN:
        items.append(("audit:list", _("Audit log")))
    # (name, label, link): the links resolved once per process (core.links.url_of), not
    # with {% url %} for each of the ~50 entries on every page
    return {
        "nav_items": [(name, label, url_of(name)) for name, label in items],
        "nav_groups": [
            (label, [(name, child, url_of(name)) for name, child in children])
            for label, children in _groups(user)
        ],
        "site_name": settings.SHEGONG_SITE_NAME,
        "is_system_admin": bool(user and getattr(user, "role", "") == Role.SYSTEM_ADMIN),
        "is_admin_role": bool(user and getattr(user, "role", "") in ADMIN_ROLES),
        # the demo runs with debug pages on: every page says it is a development server
        "development_server": settings.DEBUG,
    }
