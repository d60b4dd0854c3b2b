from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shegong.accounts.models import User
from shegong.accounts.roles import OFFICER_ROLES, STATION_ROLES, Role
from shegong.audit.models import AuditEntry
from shegong.core.counts import count_together
from shegong.evaluation import selectors as evaluation_selectors
from shegong.indicators import periods
from shegong.indicators import selectors as indicator_selectors
from shegong.indicators.models import ServiceFact
from shegong.purchase import selectors as purchase_selectors
from shegong.regions.models import Region
from shegong.stations import selectors as station_selectors
from shegong.stations.models import Agency, Station
from shegong.work import selectors as work_selectors


@require_GET
def home(request):
    """A home page that fits the role: one's station, one's region, or one's duties."""
    user = request.user
    ctx: dict = {"role": user.role}
    if user.role in STATION_ROLES and user.station_id:
        station = Station.objects.select_related("region", "agency").get(pk=user.station_id)
        colleagues = list(
            User.objects.restrict(user)
            .filter(station=station, is_active=True)
            .select_related("worker_profile")
            .order_by("-role", "full_name")
        )
        # one's own profile came with the colleagues (one is among them)
        me = next((c for c in colleagues if c.pk == user.pk), user)
        profile = getattr(me, "worker_profile", None)
        today = timezone.localdate()
        to_do = work_selectors.to_do(user=user, today=today)
        evaluation, place = count_together(  # one query
            evaluation_selectors.to_do_queries(user=user, today=today),
            {"villages": Region.objects.filter(parent_id=station.region_id)},
        )
        ctx.update(
            station=station,
            colleagues=colleagues,
            villages=(profile.designated_villages.order_by("code") if profile is not None else []),
            township_villages=place["villages"],
            to_do=to_do,
            evaluation_to_do=evaluation_selectors.to_do(user=user, today=today, counts=evaluation),
            **_my_month(user, open_cases=to_do["mine"]),
        )
    elif (user.role in OFFICER_ROLES or user.role == Role.EVALUATOR) and user.scope_region_id:
        region = user.scope_region
        today = timezone.localdate()
        stations = Station.objects.restrict(user)
        totals, rows = station_selectors.region_overview(region=region, user=user)
        # what waits and the region's figures: every count in one query
        by_tier, purchase, evaluation = count_together(
            {
                "township": stations.filter(tier=Station.Tier.TOWNSHIP),
                "general": stations.filter(is_county_general=True),
                "village": stations.filter(tier=Station.Tier.VILLAGE_ROOM),
                "five_star": stations.filter(star_rating=5),
                "agencies": Agency.objects.restrict(user),
            },
            purchase_selectors.to_do_queries(user=user, today=today),
            evaluation_selectors.to_do_queries(user=user, today=today),
        )
        ctx.update(
            region=region,
            totals=totals,
            rows=rows,
            by_tier=by_tier,
            agencies=by_tier["agencies"],
            purchase_to_do=purchase_selectors.to_do(user=user, today=today, counts=purchase),
            evaluation_to_do=evaluation_selectors.to_do(user=user, today=today, counts=evaluation),
            employment=purchase_selectors.compliance_summary(
                user=user, code=region.code, today=today
            )
            if user.role == Role.COUNTY_OFFICER
            else None,
        )
    elif user.role == Role.AGENCY_ADMIN and user.agency_id:
        today = timezone.localdate()
        month = periods.current("month", today)
        # the agency and its region read once: the selectors below read them off the user
        user.agency = Agency.objects.select_related("region").get(pk=user.agency_id)
        purchase, evaluation = count_together(  # one query
            purchase_selectors.to_do_queries(user=user, today=today),
            evaluation_selectors.to_do_queries(user=user, today=today),
        )
        ctx.update(
            agency=user.agency,
            purchase_to_do=purchase_selectors.to_do(user=user, today=today, counts=purchase),
            evaluation_to_do=evaluation_selectors.to_do(user=user, today=today, counts=evaluation),
            employment=purchase_selectors.compliance_summary(
                user=user, code=user.agency.region_id, today=today
            ),
            month=month,
            board=list(  # its name and figures: no region or agency joined
                indicator_selectors.station_board(user=user, period_key=month.key)
                .select_related(None)
                .only("pk", "name", "region_id")[:50]
            ),
            **purchase_selectors.agency_dashboard(user=user, today=today),
        )
    elif user.role == Role.AUDIT_ADMIN:
        ctx.update(entries=AuditEntry.objects.select_related(None).order_by("-at")[:20])
    elif user.role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
        (n,) = count_together(
            {
                "regions": Region.objects.restrict(user),
                "stations": Station.objects.restrict(user),
                "agencies": Agency.objects.restrict(user),
                "accounts": User.objects.restrict(user),
            }
        )
        ctx.update(
            counts=[
                (_("Regions"), n["regions"], reverse("regions:browse")),
                (_("Stations"), n["stations"], reverse("stations:list")),
                (_("Agencies"), n["agencies"], reverse("stations:agency_list")),
                (_("Accounts"), n["accounts"], reverse("accounts:user_list")),
            ]
        )
    return render(request, "home.html", ctx)


def _my_month(user, *, open_cases: int) -> dict:
    """The worker's own month: visits and hours (professional part), one query; the open
    cases come counted with the to-do."""
    month_start = timezone.localdate().replace(day=1)
    hours = ServiceFact.objects.filter(worker=user, date__gte=month_start).aggregate(
        total=Sum("hours"),
        professional=Sum("hours", filter=Q(professional=True)),
        visits=Count("pk", filter=Q(kind="visit")),
    )
    return {
        "month_start": month_start,
        "my_month": {
            "visits": hours["visits"],
            "hours": hours["total"] or 0,
            "professional": hours["professional"] or 0,
            "open_cases": open_cases,
        },
    }
