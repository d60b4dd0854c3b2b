"""A believable demo province: two Hunan cities with every township station, agencies,
3–8 social workers per station with qualifications and designated villages, and one
login per role.

Deterministic (a fixed seed) and idempotent: every row has a natural key (credit code,
region + name, username) and is inserted with ``ignore_conflicts``, so a second run
adds nothing.
"""

import datetime
import functools
import operator
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.core.divisions import in_subtree
from shegong.core.validators import credit_code_check_char
from shegong.regions.models import Level, Region
from shegong.stations.models import Agency, Station
from shegong.workforce.models import Education, Qualification, SocialWorkerProfile

from .purchase import PNG, stored_once

DEMO_CITIES = ("4303", "4308")  # 湘潭市, 张家界市
DEMO_PASSWORD = "Shegong@2026"  # noqa: S105 - printed for the demo; never used in production
SEED = 20261122

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛龚邵"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红玲飞鹏辉燕婷雪琳晨阳宇欣怡佳俊浩然"
AGENCY_WORDS = ("阳光", "和美", "同心", "善行", "朝晖", "湘益", "馨和", "仁爱", "春晖", "德润")
MAJORS_OTHER = ("行政管理", "汉语言文学", "护理学", "心理学", "法学", "会计学", "教育学")

# One login per role, printed by ``make demo``: (username, role, full name, how to scope)
LOGINS = [
    ("sysadmin", Role.SYSTEM_ADMIN, "系统管理员", None),
    ("secadmin", Role.SECURITY_ADMIN, "安全管理员", None),
    ("auditadmin", Role.AUDIT_ADMIN, "审计管理员", None),
    ("hunan", Role.PROVINCE_OFFICER, "省民政厅 王处长", "43"),
    ("xiangtan", Role.CITY_OFFICER, "湘潭市民政局 李科长", "4303"),
    ("yuhu", Role.COUNTY_OFFICER, "雨湖区民政局 张股长", "430302"),
    ("yuetang", Role.COUNTY_OFFICER, "岳塘区民政局 陈股长", "430304"),
    ("pinggu", Role.EVALUATOR, "第三方评估 赵老师", "4303"),
]


@dataclass
class DemoSummary:
    agencies: int
    stations: int
    users: int
    logins: list[tuple[str, str, str]]


def _credit_code(rng: random.Random, county: str) -> str:
    """A valid 统一社会信用代码 for a 民办非企业单位 (52) registered in ``county``."""
    org8 = "".join(rng.choice("0123456789") for _ in range(8))
    # GB 11714 check digit of the 9-character organisation code.
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    c = 11 - sum(int(d) * w for d, w in zip(org8, weights, strict=True)) % 11
    org9 = org8 + ("X" if c == 10 else "0" if c == 11 else str(c))
    first17 = "52" + county + org9
    return first17 + credit_code_check_char(first17)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _date(rng: random.Random, start_year: int, end_year: int) -> datetime.date:
    start = datetime.date(start_year, 1, 1).toordinal()
    end = datetime.date(end_year, 12, 28).toordinal()
    return datetime.date.fromordinal(rng.randint(start, end))


@transaction.atomic
def demo_load(*, cities: tuple[str, ...] = DEMO_CITIES) -> DemoSummary:
    """Create (or complete) the demo data; returns what exists afterwards."""
    rng = random.Random(SEED)
    regions = list(
        Region.objects.filter(level__in=[Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE])
        .filter(functools.reduce(operator.or_, (in_subtree("code", c) for c in cities)))
        .order_by("code")
    )
    if not any(r.level == Level.CITY for r in regions):
        raise RuntimeError("Load the division codes first: manage.py import_divisions --only 43")
    villages_by_township: dict[str, list[Region]] = {}
    for r in regions:
        if r.level == Level.VILLAGE:
            villages_by_township.setdefault(r.parent_id, []).append(r)
    counties = [r for r in regions if r.level == Level.COUNTY]
    townships = [r for r in regions if r.level == Level.TOWNSHIP]
    agencies, agency_ids = _agencies(rng, counties)
    station_ids = _stations(rng, regions, townships, villages_by_township, agencies, agency_ids)
    _staff(
        rng,
        make_password(DEMO_PASSWORD),
        townships,
        villages_by_township,
        station_ids,
        agencies,
        agency_ids,
    )
    return DemoSummary(
        agencies=Agency.objects.count(),
        stations=Station.objects.count(),
        users=User.objects.count(),
        logins=demo_logins(),
    )


def _agencies(rng, counties: list[Region]) -> tuple[list[Agency], dict[str, int]]:
    """Two agencies per county, registered there; their ids by credit code."""
    agencies = []
    for county in counties:
        for i in range(2):
            word = AGENCY_WORDS[(int(county.code) + i) % len(AGENCY_WORDS)]
            agencies.append(
                Agency(
                    name=f"{county.name}{word}社会工作服务中心",
                    credit_code=_credit_code(rng, county.code),
                    region=county,
                    legal_representative=_name(rng),
                    contact_person=_name(rng),
                    phone=f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
                    address=f"{county.name}人民路{rng.randint(1, 300)}号",
                    registered_on=_date(rng, 2012, 2020),
                )
            )
    Agency.objects.bulk_create(agencies, ignore_conflicts=True)
    agency_ids = {
        a.credit_code: a.pk
        for a in Agency.objects.filter(credit_code__in=[a.credit_code for a in agencies])
    }
    return agencies, agency_ids


def _stations(rng, regions, townships, villages_by_township, agencies, agency_ids) -> dict:
    """A city centre per city, a station per township (the first of each county its
    general station), village rooms in about 6 % of villages; ids by (region, name)."""
    county_agencies: dict[str, list[int]] = {}
    for a in agencies:
        county_agencies.setdefault(a.region.code, []).append(agency_ids[a.credit_code])
    stations: list[Station] = []
    for city in (r for r in regions if r.level == Level.CITY):
        stations.append(
            Station(
                name=f"{city.name}社会工作服务指导中心",
                tier=Station.Tier.CITY_CENTRE,
                region=city,
                floor_area=Decimal(rng.randint(200, 600)),
                rooms=list(Station.Room.values),
                opened_on=_date(rng, 2019, 2020),
                phone=f"0744-{rng.randint(1000000, 9999999)}",
            )
        )
    general_marked: set[str] = set()
    for t in townships:
        county = t.code[:6]
        rating = rng.choices([None, 1, 2, 3, 4, 5], weights=[30, 5, 15, 25, 15, 10])[0]
        is_general = county not in general_marked
        general_marked.add(county)
        stations.append(
            Station(
                name=f"{t.name}社工站",
                tier=Station.Tier.TOWNSHIP,
                region=t,
                is_county_general=is_general,
                agency_id=rng.choice(county_agencies[county]),
                floor_area=Decimal(rng.randint(60, 320)),
                rooms=sorted(rng.sample(Station.Room.values, rng.randint(2, 7))),
                opened_on=_date(rng, 2018, 2022),
                service_version=rng.choices(["1.0", "2.0", "3.0"], weights=[30, 50, 20])[0],
                star_rating=rating,
                star_rated_on=_date(rng, 2022, 2025) if rating else None,
                phone=f"0731-{rng.randint(50000000, 59999999)}",
                address=f"{t.name}政府院内",
                **_board(t.code, t.name),
            )
        )
        for v in villages_by_township.get(t.code, []):
            if rng.random() < 0.06:
                stations.append(
                    Station(
                        name=f"{v.name}社工室",
                        tier=Station.Tier.VILLAGE_ROOM,
                        region=v,
                        agency_id=stations[-1].agency_id
                        if stations[-1].tier == Station.Tier.TOWNSHIP
                        else rng.choice(county_agencies[county]),
                        floor_area=Decimal(rng.randint(20, 80)),
                        rooms=["social_work"],
                        opened_on=_date(rng, 2021, 2024),
                    )
                )
    Station.objects.bulk_create(stations, ignore_conflicts=True)
    station_ids = {
        (s.region_id, s.name): (s.pk, s.agency_id)
        for s in Station.objects.filter(region_id__in={s.region_id for s in stations})
    }
    return station_ids


# what a township station publishes (上墙公开): its own hours, a few lines of what it
# offers, and the county bureau's supervision line. A separate generator per station, so
# the rest of the demo draws the same numbers as before.
PUBLIC_SERVICES = [
    "困难群众走访探视、政策咨询与资源链接",
    "独居、空巢老人关爱与情绪疏导",
    "留守、困境儿童关爱保护",
    "残疾人康复支持与社会融入",
    "社区志愿者招募与培训",
    "个案辅导、小组活动与社区活动",
]


def _board(code: str, name: str) -> dict:
    pick = random.Random(f"board:{code}")
    return {
        "opening_hours": "周一至周五 8:30–12:00，14:30–17:30",
        "public_services": "\n".join(pick.sample(PUBLIC_SERVICES, pick.randint(3, 5))),
        "complaint_phone": f"0731-5{code[2:6]}00",
    }


# every demo certificate's scan points at one stored file (demo.purchase keeps its
# vouchers so too); a certificate the county has not yet reviewed waits in its registry
CERTIFICATE_SCAN = "certificates/demo/certificate.png"


def _published(username: str, certified) -> dict:
    """Most staff agree to be shown on the board; most certificates have been reviewed
    and the rest await the county's review, each with its scan."""
    pick = random.Random(f"staff:{username}")
    board = pick.random() < 0.9
    if not certified:
        return {"on_public_board": board, "certificate_status": ""}
    return {
        "on_public_board": board,
        "certificate_status": "verified" if pick.random() < 0.85 else "submitted",
        "certificate_scan": CERTIFICATE_SCAN,
        "certificate_scan_kind": "png",
    }


def _staff(rng, password, townships, villages_by_township, station_ids, agencies, agency_ids):
    """3–8 staff per township station (the first its lead) with profiles and designated
    villages shared out, an administrator per agency, and one login per other role."""
    users: list[User] = []
    profiles: list[tuple[str, dict, list[str]]] = []
    for t in townships:
        station_id, _agency = station_ids[(t.code, f"{t.name}社工站")]
        n = rng.randint(3, 8)
        villages = villages_by_township.get(t.code, [])
        for i in range(n):
            username = f"sw{t.code}{i + 1}"
            users.append(
                User(
                    username=username,
                    password=password,
                    full_name=_name(rng),
                    phone=f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}",
                    role=Role.STATION_LEAD if i == 0 else Role.SOCIAL_WORKER,
                    station_id=station_id,
                    scope_region_id=t.code,
                )
            )
            qualification = rng.choices([q.value for q in Qualification], weights=[50, 35, 13, 2])[
                0
            ]
            sw_major = rng.random() < 0.35
            birth = _date(rng, 1975, 2001)
            certified = _date(rng, 2015, 2025) if qualification != Qualification.NONE else None
            profiles.append(
                (
                    username,
                    {
                        "birth_date": birth,
                        "education": rng.choices(
                            [e.value for e in Education], weights=[5, 45, 42, 7, 1]
                        )[0],
                        "major": "社会工作" if sw_major else rng.choice(MAJORS_OTHER),
                        "social_work_major": sw_major,
                        "qualification": qualification,
                        "certificate_no": (
                            f"{certified.year}43{rng.randint(10**9, 10**10 - 1)}"
                            if certified
                            else ""
                        ),
                        "certificate_date": certified,
                        "hire_date": _date(rng, max(2018, birth.year + 20), 2025),
                        **_published(username, certified),
                    },
                    [v.code for k, v in enumerate(villages) if k % n == i],
                )
            )
    # Agency administrators: one per agency.
    for a in agencies:
        users.append(
            User(
                username=f"jg{a.credit_code[-6:].lower()}",
                password=password,
                full_name=a.contact_person,
                role=Role.AGENCY_ADMIN,
                agency_id=agency_ids[a.credit_code],
                scope_region_id=a.region.code,
            )
        )
    for username, role, full_name, scope in LOGINS:
        users.append(
            User(
                username=username,
                password=password,
                full_name=full_name,
                role=role,
                scope_region_id=scope,
                is_staff=role == Role.SYSTEM_ADMIN,
            )
        )
    User.objects.bulk_create(users, ignore_conflicts=True, batch_size=1000)
    user_ids = dict(
        User.objects.filter(username__in=[u.username for u in users]).values_list("username", "pk")
    )
    scan = stored_once(CERTIFICATE_SCAN, PNG)
    for _u, fields, _v in profiles:
        if fields.get("certificate_scan"):
            fields["certificate_scan"] = scan
    SocialWorkerProfile.objects.bulk_create(
        [SocialWorkerProfile(user_id=user_ids[u], **fields) for u, fields, _v in profiles],
        ignore_conflicts=True,
        batch_size=1000,
    )
    profile_ids = dict(
        SocialWorkerProfile.objects.filter(user_id__in=user_ids.values()).values_list(
            "user_id", "pk"
        )
    )
    through = SocialWorkerProfile.designated_villages.through
    through.objects.bulk_create(
        [
            through(socialworkerprofile_id=profile_ids[user_ids[u]], region_id=code)
            for u, _f, codes in profiles
            for code in codes
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role label, scope) for one account of each role."""
    rows = [(u, str(Role(role).label), scope or "全国 nationwide") for u, role, _n, scope in LOGINS]
    lead = (
        User.objects.filter(in_subtree("scope_region_id", "430302"), role=Role.STATION_LEAD)
        .select_related("station")
        .order_by("username")
        .first()
    )
    if lead:
        rows.append((lead.username, str(Role.STATION_LEAD.label), lead.station.name))
        worker = (
            User.objects.filter(role=Role.SOCIAL_WORKER, station_id=lead.station_id)
            .order_by("username")
            .first()
        )
        if worker:
            rows.append((worker.username, str(Role.SOCIAL_WORKER.label), lead.station.name))
        agency_admin = User.objects.filter(
            role=Role.AGENCY_ADMIN, agency_id=lead.station.agency_id
        ).first()
        if agency_admin:
            rows.append(
                (agency_admin.username, str(Role.AGENCY_ADMIN.label), lead.station.agency.name)
            )
    return rows
