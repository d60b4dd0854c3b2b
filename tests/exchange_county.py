"""A county's own deployment, for tests/test_exchange.py: run as a separate process with
its own SQLite database (``DATABASE_URL``) and signing key (``SHEGONG_EXCHANGE_KEY``).

    python -m tests.exchange_county OUT_DIR PROVINCE_PUBLIC_KEY RULES_PACKAGE

It migrates its database, loads the test regions and the test world (雨湖区's records),
trusts the province's key for rule sets and receives the province's rules package, then
writes two figures packages of 雨湖区 for 2026: ``first.json`` and, after one more visit
and a second, ``second.zip``. It prints what it did, one ``key=value`` per line."""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.settings_test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402


def main(out: Path, province_key: str, rules: Path) -> None:
    call_command("migrate", verbosity=0)
    from shegong.indicators.engine import sync
    from shegong.indicators.models import Aggregate, RuleSet
    from shegong.regions.services import divisions_import
    from shegong.work.models import HomeVisit
    from tests.conftest import FIXTURE_DIVISIONS, build_world
    from tests.factories import HomeVisitFactory

    divisions_import(directory=FIXTURE_DIVISIONS)
    world = build_world()
    call_command("rebuild_indicators", facts=True, stdout=sys.stderr)
    call_command("rebuild_indicators", stdout=sys.stderr)
    call_command(
        "exchange_peer", "湖南省民政厅", key=province_key, regions=[], rules=True, stdout=sys.stderr
    )
    call_command("import_package", str(rules), stdout=sys.stderr)
    received = RuleSet.objects.get(region_code="43", year=2026)
    print(f"rule_set={received.title}|{received.rules.count()}|{received.daily_hours_ceiling}")
    from shegong.evaluation.models import Tree

    trees = Tree.objects.filter(region_code="43", year=2026, status="published")
    print("trees=" + "|".join(f"{t.title}:{t.nodes.count()}" for t in trees.order_by("title")))
    call_command("export_package", region="430302", year=2026, output=str(out / "first.json"))
    visits = Aggregate.objects.get(node="430302", period="2026", metric="visit").value
    print(f"visits_first={visits}")
    own = world.places["own"]
    sync(HomeVisitFactory(created_by=own.worker, recipient=own.recipient))
    time.sleep(1.1)  # the second package is made (to the second) later than the first
    call_command(
        "export_package", region="430302", year=2026, zipped=True, output=str(out / "second.zip")
    )
    visits = Aggregate.objects.get(node="430302", period="2026", metric="visit").value
    print(f"visits_second={visits}")
    print(f"visit_rows={HomeVisit.objects.count()}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
