# Run by scripts/pgbouncer_check.sh inside `manage.py shell`, through pgbouncer: every demo
# login's main pages, a county's figures package and the daily escalation (both read with
# iterator() outside a transaction), a roster import (COPY) and the aggregates against a
# rebuild.
import tempfile

from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
from django.utils import timezone
from openpyxl import Workbook

from shegong.accounts.models import User
from shegong.core.validators import id_check_char
from shegong.exchange.services import figures_package
from shegong.imports.services import import_file
from shegong.indicators.models import Aggregate
from shegong.indicators.rebuild import rebuild_aggregates, rebuild_facts
from shegong.regions.models import Region

setup_test_environment()
PAGES = ["/", "/people/", "/work/visits/", "/stations/", "/imports/", "/healthz"]
read = 0
for user in User.objects.filter(is_active=True, role__gt="").order_by("pk")[:40]:
    client = Client()
    client.force_login(user)
    for url in PAGES:
        status = client.get(url).status_code
        assert status < 500, (user.username, url, status)
        read += 1
package = figures_package(region=Region.objects.get(code="430302"), year=timezone.localdate().year)
assert package["aggregates"], "the demo county has figures"
call_command("escalate_requests")
villages = list(
    Region.objects.filter(code__startswith="430302", level=5).values_list("code", flat=True)
)
book = Workbook()
sheet = book.active
sheet.append(["姓名", "公民身份号码", "村（社区）代码", "人员类别"])
for i in range(600):
    first17 = f"43030219{40 + i // 300}0303{i % 300 + 100:03d}"
    sheet.append(
        [f"池化{i:03d}", first17 + id_check_char(first17), villages[i % len(villages)], "低保对象"]
    )
path = f"{tempfile.mkdtemp()}/roster.xlsx"
book.save(path)
job = import_file(path=path, region=Region.objects.get(code="430302"))
assert job.status == "done" and job.committed["new"] == 600, (job.status, job.problems[:3])
live = set(Aggregate.objects.values_list("node", "period", "metric", "value"))
rebuild_facts()
rebuild_aggregates()
assert live == set(Aggregate.objects.values_list("node", "period", "metric", "value"))
print(
    f"pgbouncer: {read} pages read, {len(package['aggregates'])} figures packaged, "
    "600 people imported, aggregates equal a rebuild"
)
