"""The demo's imports: 雨湖区's county officer brought in a 低保 roster from Excel (committed),
and has a second roster checked and waiting, with invalid rows marked in its error
workbook, to show the preview and the choice between correcting and "only the valid rows";
a township station's worker brought in its volunteer roster (committed); the security
administrator brought in three new station staff, whose initial passwords wait to be
downloaded."""

import datetime
import random
import tempfile
from pathlib import Path

from openpyxl import Workbook

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.core.validators import id_check_char
from shegong.imports.models import ImportJob
from shegong.imports.services import import_file
from shegong.regions.models import Level, Region
from shegong.stations.models import Station

SEED = 20261202
COUNTY = "430302"
SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭何高林罗郑梁谢宋唐"
GIVEN = [
    "秀英",
    "桂兰",
    "建国",
    "玉兰",
    "志强",
    "淑珍",
    "国华",
    "春梅",
    "德明",
    "凤英",
    "海燕",
    "文华",
]
TITLE = "雨湖区城乡低保对象花名册（民政系统导出）"
HEADERS = ["序号", "姓名", "公民身份号码", "村（社区）代码", "联系电话", "家庭住址", "人员类别"]


def _roster(rng: random.Random, villages: list[str], n: int, first: int) -> list[list]:
    rows = []
    for i in range(n):
        birth = datetime.date(1938, 1, 1) + datetime.timedelta(days=rng.randrange(9000))
        first17 = f"{COUNTY}{birth:%Y%m%d}{first + i:03d}"
        kinds = ["低保对象"] + (["独居老人"] if i % 5 == 0 else [])
        rows.append(
            [
                i + 1,
                rng.choice(SURNAMES) + rng.choice(GIVEN),
                first17 + id_check_char(first17),
                villages[i % len(villages)],
                f"139{rng.randrange(10**8):08d}",
                f"{rng.randrange(1, 120)}号",
                "、".join(kinds),
            ]
        )
    return rows


def _save(rows: list[list], name: str, headers=HEADERS, sheet_title="花名册", title="") -> Path:
    """The rows as an .xlsx file under ``name`` in a new folder: an optional title row
    above the headers, as exported rosters have."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    path = Path(tempfile.mkdtemp()) / name
    book.save(path)
    return path


VOLUNTEER_HEADERS = [
    "姓名",
    "手机号码",
    "村（社区）代码",
    "政治面貌",
    "特长",
    "服务时间",
    "是否同意",
]
SKILLS = ["理发", "陪伴聊天", "医护", "法律咨询", "文艺表演", "家电维修", "书法", "心理疏导"]


def _volunteer_import(rng: random.Random) -> ImportJob | None:
    """The first 雨湖区 township station's worker imports twelve volunteers."""
    worker = (
        User.objects.filter(
            role=Role.SOCIAL_WORKER,
            is_active=True,
            station__region__level=Level.TOWNSHIP,
            station__region__code__startswith=COUNTY,
        )
        .select_related("station")
        .order_by("station__region_id", "pk")
        .first()
    )
    if worker is None:
        return None
    township = worker.station.region_id
    villages = list(
        Region.objects.filter(code__startswith=township, level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)
    )
    if not villages:
        return None
    rows = [
        [
            rng.choice(SURNAMES) + rng.choice(GIVEN),
            f"137{rng.randrange(10**8):08d}",
            villages[i % len(villages)],
            "中共党员" if i % 3 == 0 else "群众",
            "、".join(rng.sample(SKILLS, 2)),
            rng.choice(["周末", "工作日晚上", "随时"]),
            "是",
        ]
        for i in range(12)
    ]
    path = _save(rows, "志愿者花名册.xlsx", VOLUNTEER_HEADERS, "志愿者")
    return import_file(
        path=str(path),
        region=Region.objects.get(code=township),
        kind=ImportJob.Kind.VOLUNTEERS,
        by=worker,
    )


WORKER_HEADERS = [
    "用户名",
    "姓名",
    "手机号码",
    "岗位",
    "所属社工站",
    "学历",
    "职业资格",
    "证书编号",
    "取证日期",
]


def _worker_import(rng: random.Random) -> ImportJob | None:
    """The security administrator imports three new workers of a 雨湖区 township station."""
    admin = User.objects.filter(role=Role.SECURITY_ADMIN, is_active=True).order_by("pk").first()
    station = (
        Station.objects.filter(region__code__startswith=COUNTY, region__level=Level.TOWNSHIP)
        .order_by("region_id", "pk")
        .first()
    )
    if admin is None or station is None:
        return None
    rows = [
        [
            f"yh_new{i + 1}",
            rng.choice(SURNAMES) + rng.choice(GIVEN),
            f"135{rng.randrange(10**8):08d}",
            "驻站社工",
            station.name,
            rng.choice(["本科", "大专"]),
            "助理社会工作师" if i != 2 else "无",
            f"2025{rng.randrange(10**9):09d}" if i != 2 else "",
            "2025-06-15" if i != 2 else "",
        ]
        for i in range(3)
    ]
    path = _save(rows, "雨湖区新进社工名单.xlsx", WORKER_HEADERS, "社工站人员")
    return import_file(
        path=str(path),
        region=Region.objects.get(code=COUNTY),
        kind=ImportJob.Kind.WORKERS,
        by=admin,
    )


def demo_imports_load() -> dict[str, int]:
    """Two roster imports by 雨湖区's officer, a station's volunteer roster and three new
    staff; none if any import exists."""
    if ImportJob.objects.exists():
        return {"imports": 0}
    officer = User.objects.filter(username="yuhu").first()
    villages = list(
        Region.objects.filter(code__startswith=COUNTY, level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)
    )
    if officer is None or not villages:
        return {"imports": 0}
    rng = random.Random(SEED)
    county = Region.objects.get(code=COUNTY)
    done = import_file(
        path=str(_save(_roster(rng, villages, 40, 700), "雨湖区低保花名册.xlsx", title=TITLE)),
        region=county,
        by=officer,
    )
    waiting = _roster(rng, villages, 25, 800)
    waiting[3][2] = waiting[3][2][:-1] + ("0" if waiting[3][2][-1] != "0" else "1")
    waiting[9][3] = "430304001001"  # a village of the neighbouring county
    waiting[14][6] = "低保户"  # not a category of the dictionary
    checked = import_file(
        path=str(_save(waiting, "雨湖区独居老人名单.xlsx", title=TITLE)),
        region=county,
        by=officer,
        dry_run=True,
    )
    volunteers = _volunteer_import(rng)
    staff = _worker_import(rng)
    return {
        "imports": 2 + (volunteers is not None) + (staff is not None),
        "staff accounts imported": staff.committed.get("new", 0) if staff else 0,
        "volunteers imported": volunteers.committed.get("new", 0) if volunteers else 0,
        "people imported": done.committed.get("new", 0),
        "rows awaiting a decision": checked.checked.get("new", 0),
        "invalid rows marked": checked.invalid,
    }
