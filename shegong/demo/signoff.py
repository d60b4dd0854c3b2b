"""The demo's monthly sign-off: every station's months of this year accepted by the county
up to two months ago; last month part-way (some submitted, some reviewed by the agency,
one returned, the rest not yet submitted, overdue once the days allowed have passed)."""

import datetime
import random

from django.utils import timezone

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.indicators.models import MonthApproval
from shegong.stations.models import Station

SEED = 20261201


def demo_signoff_load(*, today: datetime.date | None = None) -> dict[str, int]:
    """Sign-offs for every active township station; counts written (none if any exist)."""
    if MonthApproval.objects.exists():
        return {"month sign-offs": 0}
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    last = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    months = (
        [datetime.date(today.year, m, 1) for m in range(1, last.month)]
        if last.year == today.year
        else []
    )
    stations = list(
        Station.objects.filter(tier=Station.Tier.TOWNSHIP, is_active=True).order_by("region_id")
    )
    leads = {u.station_id: u for u in User.objects.filter(role=Role.STATION_LEAD).order_by("pk")}
    officers = {
        u.scope_region_id: u
        for u in User.objects.filter(
            role__in=(Role.COUNTY_OFFICER, Role.CITY_OFFICER, Role.PROVINCE_OFFICER)
        ).order_by("-pk")
    }
    rows = []
    for station in stations:
        lead = leads.get(station.pk)
        # the county's officer accepts; where the demo has none, the city's or province's
        county = next(
            (
                officers[c]
                for c in (station.region_id[:6], station.region_id[:4], station.region_id[:2])
                if c in officers
            ),
            None,
        )
        if lead is None or county is None:
            continue
        for month in months:
            submitted = timezone.make_aware(
                datetime.datetime.combine(
                    (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
                    + datetime.timedelta(days=rng.randint(1, 9)),
                    datetime.time(17),
                )
            )
            rows.append(
                MonthApproval(
                    station=station,
                    region_id=station.region_id,
                    month=month,
                    status=MonthApproval.Status.ACCEPTED,
                    submitted_by=lead,
                    submitted_at=submitted,
                    decided_by=county,
                    decided_at=submitted + datetime.timedelta(days=rng.randint(1, 5)),
                )
            )
        fate = rng.random()
        if fate < 0.55:
            status = (
                MonthApproval.Status.SUBMITTED
                if fate < 0.3
                else MonthApproval.Status.REVIEWED
                if fate < 0.5
                else MonthApproval.Status.RETURNED
            )
            rows.append(
                MonthApproval(
                    station=station,
                    region_id=station.region_id,
                    month=last,
                    status=status,
                    submitted_by=lead,
                    submitted_at=timezone.now() - datetime.timedelta(days=rng.randint(0, 3)),
                    reason="活动记录缺少签到表，请补充后重新提交。"
                    if status == MonthApproval.Status.RETURNED
                    else "",
                )
            )
    MonthApproval.objects.bulk_create(rows, batch_size=2000)
    return {"month sign-offs": len(rows)}
