"""Import benchmark (#17): a 100,000-row roster checked and committed, timed and its peak
memory measured.

    python bench/imports.py --db postgres                 # 100,000 rows
    python bench/imports.py --db sqlite --rows 20000
    BENCH_PROFILE=/tmp/commit.prof python bench/imports.py --db postgres --rows 20000

The parent process builds the database (migrations, Hunan's divisions) and writes the
roster: ``--rows`` people of one county (雨湖区, 430302, whose villages they are spread
over) in households of three (户主, 配偶, 子女: a household per three rows), with valid ID
numbers, phones, addresses and one or two categories each, as an
``.xlsx`` a civil-affairs export would be. A fresh child process then does only what an
operator's ``manage.py import_people`` does (the same job, checks and writes as an
upload), so its peak resident memory (``ru_maxrss``) is the import's own:

- the dry run (every row through the form's rules, one query per 1,000 rows);
- the commit (people, categories, indicator facts and aggregates, in one transaction);
- the same file again (every row "unchanged": nothing written);
- the share of encryption (Fernet, four fields) and hashing (HMAC-SHA256) in a row.

Prints one JSON line; nothing asserts a time.
"""

import argparse
import datetime
import functools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
COUNTY = "430302"
CATEGORIES = ["低保对象", "低保边缘", "特困人员", "独居老人", "空巢老人", "残疾人"]


def _database(db: str) -> str:
    from run import fresh_database

    return fresh_database("imports", db)


def _env(url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SHEGONG_INSECURE_DEV_KEY": "1",
        "SHEGONG_HTTPS": "0",
        "DJANGO_SETTINGS_MODULE": "shegong.settings",
        "SHEGONG_MEDIA_ROOT": tempfile.mkdtemp(),
    }


def build(rows: int, path: Path) -> dict:
    """The database's regions, and the roster file (``rows`` people)."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from openpyxl import Workbook

    from shegong.core.validators import id_check_char
    from shegong.people.models import Category
    from shegong.regions.models import Region
    from shegong.regions.services import divisions_import

    call_command("migrate", verbosity=0)
    divisions_import(directory=settings.SHEGONG_DIVISIONS_DIR, only=["43"])
    villages = list(
        Region.objects.filter(code__startswith=COUNTY, level=5).values_list("code", flat=True)
    )
    names = set(Category.current().values_list("name", flat=True))
    cats = [c for c in CATEGORIES if c in names] or sorted(names)[:4]
    rng = random.Random(17)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(["雨湖区困难群众花名册"])
    sheet.append(
        [
            "序号",
            "姓名",
            "公民身份号码",
            "性别",
            "村（社区）代码",
            "联系电话",
            "住址",
            "人员类别",
            "残疾类别",
            "残疾等级",
            "与户主关系",
            "户主身份证号",
        ]
    )
    start = datetime.date(1935, 1, 1)
    for i in range(rows):
        # a distinct birth date for each thousand, a sequence within it: distinct numbers
        birth = start + datetime.timedelta(days=i // 900)
        first17 = f"{COUNTY}{birth:%Y%m%d}{i % 900 + 100:03d}"
        number = first17 + id_check_char(first17)
        kinds = rng.sample(cats, 2 if i % 4 == 0 else 1)
        # households of three, as the systems export them: the head, then the members
        if i % 3 == 0:
            head, relation = number, "户主"
        else:
            relation = "配偶" if i % 3 == 1 else "子女"
        sheet.append(
            [
                i + 1,
                f"居民{i:06d}",
                number,
                "男" if int(number[16]) % 2 else "女",
                villages[(i // 3) % len(villages)],
                f"139{rng.randrange(10**8):08d}",
                f"{rng.randrange(1, 200)}号{rng.randrange(1, 30)}栋",
                "、".join(kinds),
                *(("肢体", "二级") if "残疾人" in kinds else ("", "")),
                relation,
                "" if relation == "户主" else head,
            ]
        )
    book.save(path)
    return {"villages": len(villages), "file_mb": round(path.stat().st_size / 2**20, 1)}


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KB on Linux


def _timers() -> Counter:
    """Wall time spent in each step of an import, by wrapping the functions a run calls
    (a few microseconds a call): where the time of a check and a commit goes."""
    from django.db.models import QuerySet

    from shegong.core import crypto
    from shegong.indicators import engine
    from shegong.people import bulk, services

    spent: Counter = Counter()

    def timed(owner, name: str, label: str) -> None:
        inner = getattr(owner, name)

        @functools.wraps(inner)
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - t

        setattr(owner, name, wrapper)

    timed(bulk.PeopleImport, "check", "check: all")
    timed(bulk.PeopleImport, "to_input", "check: reading the row's text")
    timed(bulk, "recipient_rules", "check: the form's rules")
    timed(services, "name_initials", "check: pinyin initials (in the form's rules)")
    timed(bulk.PeopleImport, "_model_rules", "check: the model's field rules")
    timed(bulk.PeopleImport, "stage", "check: keeping the outcome (prepare, encrypt)")
    timed(bulk.PeopleImport, "write_staged", "staged write: all")
    timed(bulk, "insert_prepared", "staged write: people (COPY)")
    timed(bulk, "update_prepared", "staged write: updates")
    timed(bulk.PeopleImport, "write", "write: all")
    timed(bulk, "insert_rows", "write: people and categories (insert_rows)")
    timed(crypto, "encrypt", "write: encryption (within insert_rows)")
    timed(bulk, "person_facts", "write: building facts")
    timed(engine, "insert_rows", "write: facts (insert_rows)")
    timed(engine, "apply", "write: distinct people and aggregates")
    timed(QuerySet, "bulk_create", "write: of it, bulk_create (SQLite)")
    return spent


def measure(path: Path) -> dict:
    """In a fresh process: the operator's import of ``path``, phase by phase."""
    import django

    django.setup()
    spent = _timers()
    from django.db import connection
    from django.utils import timezone

    from shegong.core import crypto
    from shegong.imports import services
    from shegong.imports.models import ImportJob
    from shegong.indicators.models import Aggregate, ServiceFact
    from shegong.people.models import Household, Recipient, RecipientCategory
    from shegong.regions.models import Region

    out = {"rss_after_setup_mb": _rss_mb()}
    region = Region.objects.get(code=COUNTY)
    t = time.perf_counter()
    job = services.import_file(path=str(path), region=region, dry_run=True)
    out["check_s"] = round(time.perf_counter() - t, 2)
    out["checked"] = job.checked
    out["rss_after_check_mb"] = _rss_mb()
    job.status = ImportJob.Status.COMMITTING
    job.save(update_fields=["status"])
    spent.clear()
    profile = os.environ.get("BENCH_PROFILE")  # a file for the commit's cProfile stats
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t = time.perf_counter()
    job = services.run(job=job, commit=True)
    out["commit_s"] = round(time.perf_counter() - t, 2)
    if profile:
        profiler.disable()
        profiler.dump_stats(profile)
    out["commit_steps_s"] = {k: round(v, 2) for k, v in sorted(spent.items())}
    out["committed"] = job.committed
    out["rss_after_commit_mb"] = _rss_mb()
    out["people"] = Recipient.objects.count()
    out["category_links"] = RecipientCategory.objects.count()
    out["facts"] = ServiceFact.objects.filter(source_type="person").count()
    out["households"] = Household.objects.count()
    out["people_in_households"] = Recipient.objects.filter(household__isnull=False).count()
    year = str(timezone.localdate().year)
    out["aggregate_people_county_year"] = (
        Aggregate.objects.filter(node=COUNTY, metric="file_person", period=year)
        .values_list("value", flat=True)
        .first()
    )
    t = time.perf_counter()
    again = services.import_file(path=str(path), region=region)
    out["reimport_s"] = round(time.perf_counter() - t, 2)
    out["reimport"] = again.committed or again.checked
    out["rss_peak_mb"] = _rss_mb()
    # what encryption and hashing cost for the same rows: four Fernet fields, the HMAC
    n = job.checked["new"]
    sample = [(f"43030219600101{i % 900 + 100:03d}X", f"139{i:08d}", f"{i}号") for i in range(n)]
    t = time.perf_counter()
    for number, phone, address in sample:
        crypto.encrypt(number), crypto.encrypt(phone), crypto.encrypt(address)
        crypto.encrypt("")
    out["encrypt_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    for number, _p, _a in sample:
        crypto.keyed_hash(number)
    out["hash_s"] = round(time.perf_counter() - t, 2)
    out["vendor"] = connection.vendor
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure)), ensure_ascii=False, default=str))
        return
    url = _database(args.db)
    os.environ.update(_env(url))
    path = Path(tempfile.mkdtemp()) / "roster.xlsx"
    t = time.perf_counter()
    built = build(args.rows, path)
    built["build_s"] = round(time.perf_counter() - t, 1)
    proc = subprocess.run(
        [sys.executable, __file__, "--measure", str(path)],
        env=_env(url),
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        sys.exit(proc.stderr)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(json.dumps({"db": args.db, "rows": args.rows, **built, **result}, ensure_ascii=False))


if __name__ == "__main__":
    main()
