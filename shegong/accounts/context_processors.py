from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language
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


def _items(user) -> list:
    """The menu's single entries for ``user``'s role: only the places it can reach."""
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
    return items


def navigation(request):
    """The menu a user sees (``nav_html``): only the places their role can reach."""
    user = getattr(request, "user", None)
    role = getattr(user, "role", "") if user is not None and user.is_authenticated else None
    match = getattr(request, "resolver_match", None)
    return {
        # the menu's HTML, built once per role, language, script prefix and current page
        # in each process: the same for everyone with that role, and ~50 entries a page
        "nav_html": _menu_for(
            role, get_language(), get_script_prefix(), match.view_name if match else ""
        )
        if role is not None
        else "",
        "site_name": settings.SHEGONG_SITE_NAME,
        "is_system_admin": bool(user and getattr(user, "role", "") == Role.SYSTEM_ADMIN),
        "is_admin_role": bool(user and getattr(user, "role", "") in ADMIN_ROLES),
        # the demo runs with debug pages on: every page says it is a development server
        "development_server": settings.DEBUG,
    }


class _Role:
    """What the menu depends on of a user: the role alone (``_menu_for``'s cache key)."""

    is_authenticated = True

    def __init__(self, role: str):
        self.role = role


@lru_cache(maxsize=1024)
def _menu_for(role: str, language: str, prefix: str, active: str) -> SafeString:
    """The menu's entries and dropdowns for ``role`` as HTML, the current page's marked
    (the links resolved once per process: ``core.links.url_of``)."""
    holder = _Role(role)
    entries = format_html_join(
        "",
        '<li class="nav-item"><a class="nav-link{}" href="{}">{}</a></li>',
        (
            (" active" if name == active else "", url_of(name), label)
            for name, label in _items(holder)
        ),
    )
    groups = format_html_join(
        "",
        '<li class="nav-item dropdown"><a class="nav-link dropdown-toggle" href="#" '
        'role="button" data-bs-toggle="dropdown" aria-expanded="false" '
        'data-testid="nav-group">{}</a><ul class="dropdown-menu">{}</ul></li>',
        (
            (
                label,
                format_html_join(
                    "",
                    '<li><a class="dropdown-item" href="{}">{}</a></li>',
                    ((url_of(name), child) for name, child in children),
                ),
            )
            for label, children in _groups(holder)
        ),
    )
    return entries + groups
