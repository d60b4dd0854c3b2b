"""The demo's volunteers (五社联动): about thirty per township station in 湘潭 and 张家界,
a party team per station (two stations have none yet), and a year of volunteer service
events with confirmed hours."""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from shegong.accounts.models import User
from shegong.accounts.roles import STATION_ROLES
from shegong.community.models import (
    PARTY_STATUSES,
    Allocation,
    Donation,
    Donor,
    Organisation,
    PoliticalStatus,
    Service,
    ServiceEvent,
    Volunteer,
    VolunteerTeam,
)
from shegong.core.divisions import in_subtree
from shegong.indicators.facts import sources
from shegong.indicators.models import ServiceFact
from shegong.indicators.rebuild import rebuild_aggregates
from shegong.people.models import Category
from shegong.regions.models import Level, Region
from shegong.stations.models import Station
from shegong.work.models import Activity, ActivityResource

SEED = 20261216
CITIES = ("4303", "4308")
SURNAMES = "张王李刘陈杨黄赵周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华"
SKILLS = [
    "理发",
    "医护",
    "法律咨询",
    "陪伴聊天",
    "家电维修",
    "书法",
    "心理疏导",
    "课业辅导",
    "助餐",
    "文艺表演",
]
EVENTS = [
    ("助老理发", "为独居、空巢老人上门理发"),
    ("关爱留守儿童课业辅导", "周末为留守儿童辅导作业、陪伴阅读"),
    ("邻里互助助餐", "为行动不便的老人送餐"),
    ("防诈骗宣传", "在村（社区）广场宣传防范电信诈骗"),
    ("环境整治", "清理公共区域卫生死角"),
    ("健康义诊", "协助医护志愿者为老人量血压、测血糖"),
]
# the stations left without a party team (the per-station party team indicator shows them)
WITHOUT_PARTY_TEAM = 2
HOME_STATION = "430302001"  # the demo logins' township (雨湖路街道)


def demo_community_load(*, today: datetime.date | None = None) -> dict[str, int]:
    """Volunteers, teams and a year of service for 湘潭 and 张家界; none if any exist."""
    if Volunteer.objects.exists():
        return {"volunteers": 0}
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    stations = list(
        Station.objects.filter(tier=Station.Tier.TOWNSHIP, is_active=True)
        .filter(in_subtree("region_id", CITIES[0]) | in_subtree("region_id", CITIES[1]))
        .order_by("region_id")
    )
    staff: dict[int, list[int]] = {}
    for uid, sid in User.objects.filter(
        station__in=stations, role__in=STATION_ROLES, is_active=True
    ).values_list("pk", "station_id"):
        staff.setdefault(sid, []).append(uid)
    villages: dict[str, list[str]] = {}
    for code in (
        Region.objects.filter(level=Level.VILLAGE)
        .filter(in_subtree("code", CITIES[0]) | in_subtree("code", CITIES[1]))
        .values_list("code", flat=True)
    ):
        villages.setdefault(code[:9], []).append(code)
    people = []
    counters: dict[str, int] = {}
    for station in stations:
        if station.pk not in staff or station.region_id not in villages:
            continue
        county = station.region_id[:6]
        for _n in range(rng.randint(26, 34)):
            counters[county] = counters.get(county, 0) + 1
            phone = f"13{rng.randint(100000000, 999999999)}"
            people.append(
                Volunteer(
                    number=f"ZY{county}{counters[county]:05d}",
                    name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
                    phone=phone,
                    phone_last4=phone[-4:],
                    region_id=rng.choice(villages[station.region_id]),
                    station=station,
                    skills="、".join(rng.sample(SKILLS, rng.randint(1, 2))),
                    availability=rng.choice(["周末", "工作日晚上", "随时", "节假日"]),
                    political_status=rng.choices(
                        [PoliticalStatus.PARTY, PoliticalStatus.LEAGUE, PoliticalStatus.MASSES],
                        weights=[35, 20, 45],
                    )[0],
                    consent=True,
                    consent_date=today - datetime.timedelta(days=rng.randint(30, 400)),
                    created_by_id=staff[station.pk][0],
                )
            )
    Volunteer.objects.bulk_create(people, batch_size=1000)
    by_station: dict[int, list[Volunteer]] = {}
    for v in Volunteer.objects.order_by("number"):
        by_station.setdefault(v.station_id, []).append(v)
    # a party team per station, but for two (not the demo logins' own station)
    skip = {s.pk for s in stations[-WITHOUT_PARTY_TEAM:]}
    teams = 0
    for station in stations:
        pool = by_station.get(station.pk, [])
        party = [v for v in pool if v.political_status in PARTY_STATUSES]
        if station.pk in skip or len(party) < 3:
            continue
        team = VolunteerTeam.objects.create(
            name=f"{station.name.removesuffix('社工站')}党员志愿服务队",
            kind=VolunteerTeam.Kind.PARTY,
            station=station,
            region_id=station.region_id,
            leader=party[0],
            created_by_id=staff[station.pk][0],
        )
        team.members.set(party)
        teams += 1
    # a year of service: about one event a month per station, 5-12 volunteers each
    events, rows = [], []
    for station in stations:
        pool = by_station.get(station.pk, [])
        if not pool:
            continue
        for month in range(12):
            day = today - datetime.timedelta(days=30 * month + rng.randint(1, 25))
            title, content = rng.choice(EVENTS)
            events.append(
                ServiceEvent(
                    title=title,
                    content=content,
                    date=day,
                    station=station,
                    region_id=rng.choice(villages[station.region_id]),
                    created_by_id=rng.choice(staff[station.pk]),
                )
            )
    ServiceEvent.objects.bulk_create(events, batch_size=1000)
    for event in ServiceEvent.objects.select_related("station"):
        pool = by_station[event.station_id]
        worker = event.created_by_id
        start = timezone.make_aware(datetime.datetime.combine(event.date, datetime.time(9, 0)))
        for v in rng.sample(pool, min(len(pool), rng.randint(5, 12))):
            came = rng.random() < 0.9
            hours = Decimal(rng.choice([1, 1.5, 2, 2.5, 3, 4]))
            rows.append(
                Service(
                    event=event,
                    volunteer=v,
                    status=Service.Status.CONFIRMED if came else Service.Status.ABSENT,
                    signed_in_at=start if came else None,
                    signed_out_at=start + datetime.timedelta(hours=float(hours)) if came else None,
                    hours=hours if came else None,
                    confirmed_by_id=worker if came else None,
                    confirmed_at=start + datetime.timedelta(hours=6) if came else None,
                )
            )
    Service.objects.bulk_create(rows, batch_size=2000)
    organisations = _organisations(rng, stations, villages, staff, today)
    gifts, allocated = _ledger(rng, staff, today)
    return {
        "donations": gifts,
        "allocations": allocated,
        "volunteers": len(people),
        "organisations": organisations,
        "party teams": teams,
        "events": len(events),
        "services": len(rows),
    }


ORGANISATIONS = [
    ("银龄互助会", Organisation.Kind.MUTUAL_AID, "助餐、探访独居老人"),
    ("广场舞队", Organisation.Kind.INTEREST, "文艺演出"),
    ("邻里守望队", Organisation.Kind.SERVICE, "夜间巡逻、邻里调解"),
    ("爱心妈妈协会", Organisation.Kind.CHARITY, "留守儿童陪伴"),
    ("书法协会", Organisation.Kind.INTEREST, "书法教学"),
    ("乡贤理事会", Organisation.Kind.SERVICE, "议事协商、矛盾调解"),
]


def _organisations(rng, stations, villages, staff, today) -> int:
    """A dozen community organisations in 湘潭, the demo logins' station first: some
    being incubated, some filed or registered."""
    rows = []
    for station in [s for s in stations if s.region_id.startswith("4303")][:6]:
        for name, kind, offered in rng.sample(ORGANISATIONS, 2):
            stage = rng.choice(list(Organisation.Stage.values))
            founded = today - datetime.timedelta(days=rng.randint(200, 900))
            rows.append(
                Organisation(
                    name=name,
                    kind=kind,
                    stage=stage,
                    station=station,
                    region_id=rng.choice(villages[station.region_id]),
                    members=rng.randint(8, 60),
                    leader=rng.choice(SURNAMES) + rng.choice(["阿姨", "大爷", "老师", "队长"]),
                    contact_phone=f"13{rng.randint(100000000, 999999999)}",
                    services=offered,
                    support="场地支持、骨干培训、活动策划指导",
                    founded_on=founded,
                    filed_on=founded + datetime.timedelta(days=120)
                    if stage != Organisation.Stage.INCUBATING
                    else None,
                    created_by_id=staff[station.pk][0],
                )
            )
    Organisation.objects.bulk_create(rows)
    return len(rows)


DONORS = [
    ("湘潭爱心企业联合会", Donor.Kind.ENTERPRISE),
    ("湖南省慈善总会", Donor.Kind.FOUNDATION),
    ("雨湖区福彩公益金项目", Donor.Kind.GOVERNMENT),
    ("张家界旅游企业商会", Donor.Kind.ENTERPRISE),
    ("王先生（个人）", Donor.Kind.INDIVIDUAL),
]


def _ledger(rng, staff, today) -> tuple[int, int]:
    """The demo's charity money and goods, kept in the ledger: each resource line the
    year of work typed on an activity becomes a donation from one of the station's donors
    allocated to that activity (so the figures are those the demo had), plus at the demo
    logins' station a donation of ¥5,000 for 困境儿童, partly allocated. Then the facts
    of events and allocations, and the aggregates once."""
    donors: dict[int, list[Donor]] = {}
    gifts = allocations = 0
    lines = ActivityResource.objects.select_related("activity", "activity__station").order_by("pk")
    for line in lines:
        activity, station = line.activity, line.activity.station
        if station.pk not in donors:
            donors[station.pk] = [
                Donor.objects.create(
                    name=name,
                    kind=kind,
                    station=station,
                    region_id=station.region_id,
                    created_by=activity.created_by,
                )
                for name, kind in rng.sample(DONORS, 2)
            ]
        money = line.kind == "money"
        gift = Donation.objects.create(
            donor=rng.choice(donors[station.pk]),
            kind=Donation.Kind.MONEY if money else Donation.Kind.IN_KIND,
            amount=line.value,
            items="" if money else rng.choice(["米面油", "棉被", "学习用品", "药品"]),
            received_on=activity.date,
            receipt_no=f"CS{activity.date:%Y%m}{line.pk:05d}",
            station=station,
            region_id=station.region_id,
            created_by=activity.created_by,
        )
        Allocation.objects.create(
            donation=gift,
            amount=line.value,
            date=activity.date,
            activity=activity,
            station=station,
            region_id=activity.region_id,
            created_by=activity.created_by,
        )
        gifts += 1
        allocations += 1
    ActivityResource.objects.all().delete()
    home = Station.objects.filter(region_id=HOME_STATION, tier=Station.Tier.TOWNSHIP).first()
    category = Category.objects.filter(name__contains="困境儿童").first()
    if home is not None and home.pk in staff:
        donor = Donor.objects.create(
            name="湖南省儿童福利基金会",
            kind=Donor.Kind.FOUNDATION,
            station=home,
            region_id=home.region_id,
            created_by_id=staff[home.pk][0],
        )
        gift = Donation.objects.create(
            donor=donor,
            kind=Donation.Kind.MONEY,
            amount=Decimal(5000),
            received_on=today - datetime.timedelta(days=20),
            receipt_no="CS-ET-0001",
            restriction=Donation.Restriction.PEOPLE if category else Donation.Restriction.PROJECT,
            restricted_category=category,
            restriction_note="" if category else "困境儿童",
            station=home,
            region_id=home.region_id,
            created_by_id=staff[home.pk][0],
        )
        activity = Activity.objects.filter(station=home, voided_at=None).order_by("-date").first()
        if activity is not None and activity.date >= gift.received_on:
            Allocation.objects.create(
                donation=gift,
                amount=Decimal(1500),
                date=activity.date,
                activity=activity,
                station=home,
                region_id=activity.region_id,
                created_by_id=staff[home.pk][0],
            )
            allocations += 1
        gifts += 1
    # the facts of the events and allocations (in bulk), then the aggregates once
    for source in sources():
        if source.model in (ServiceEvent, Allocation):
            ServiceFact.objects.filter(source_type=source.name).delete()
            facts = [f for r in source.records().iterator(chunk_size=2000) for f in source.build(r)]
            ServiceFact.objects.bulk_create(facts, batch_size=2000)
    rebuild_aggregates()
    return gifts, allocations
