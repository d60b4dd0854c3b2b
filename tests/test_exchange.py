"""Exchange between deployments (省市县数据共享, #17 part 2).

Two deployments in one test run: the county's runs in a separate process with its own
SQLite file and key (tests/exchange_county.py); the province's is this test's database.
The province publishes its rule set for the county to receive; the county sends its
figures; the province shows them on its dashboard, marked as imported."""

import json
import os
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from django.core.management import call_command
from django.urls import reverse

from shegong.accounts.roles import Role
from shegong.audit.models import AuditEntry
from shegong.exchange import package as fmt
from shegong.exchange import services
from shegong.exchange.models import Package
from shegong.indicators.models import Aggregate, SharedFigure
from shegong.indicators.rebuild import rebuild_aggregates
from shegong.indicators.services import RuleLine, RuleSetInput, rule_set_record

from .factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
# the access matrix's rows for these: test_package_pages_by_role, and the push over HTTP
EXCHANGE_URLS = {
    "exchange:list",
    "exchange:detail",
    "exchange:receive",
    "api:package_list",
    "api:package_receive",
    "api:package_outbox",
}
SCHEMA = json.loads(fmt.SCHEMA_PATH.read_text("utf-8"))


def _key(path: Path) -> Path:
    path.write_bytes(fmt.new_private_key_pem())
    return path


def _public(path: Path) -> str:
    from cryptography.hazmat.primitives import serialization

    return fmt.public_text(serialization.load_pem_private_key(path.read_bytes(), None).public_key())


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """The county's deployment, run once: its packages and what it printed."""
    out = tmp_path_factory.mktemp("county")
    county_key, province_key = _key(out / "county.pem"), _key(out / "province.pem")
    return {"dir": out, "county_key": county_key, "province_key": province_key}


def _run_county(county, rules_file: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shegong.settings_test",
        "DATABASE_URL": f"sqlite:///{county['dir'] / 'county.sqlite3'}",
        "SHEGONG_EXCHANGE_KEY": str(county["county_key"]),
        "SHEGONG_EXCHANGE_NAME": "雨湖区社工站系统",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.exchange_county",
            str(county["dir"]),
            _public(county["province_key"]),
            str(rules_file),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)


@pytest.fixture
def province(regions, county, settings):
    """The province's deployment (this test's database): its key, its published rule set,
    and the county trusted for 雨湖区's figures."""
    settings.SHEGONG_EXCHANGE_KEY = str(county["province_key"])
    settings.SHEGONG_EXCHANGE_NAME = "湖南省民政厅"
    officer = UserFactory(username="hn", role=Role.PROVINCE_OFFICER, scope_region_id="43")
    rule_set_record(
        by=officer,
        data=RuleSetInput(
            region_code="43",
            year=2026,
            title="湖南省 2026 年度社工站建设指标（省发布）",
            daily_hours_ceiling=Decimal(10),
            rules=(
                RuleLine(indicator="professional_hours_share", target=Decimal(60)),
                RuleLine(indicator="qualified_share", target=Decimal(80)),
            ),
        ),
    )
    from shegong.evaluation.models import Tree
    from shegong.evaluation.services import tree_copy, tree_publish

    seeded = Tree.objects.get(region_code="43", year=2025)  # the seeded tree
    revised = tree_copy(by=officer, tree=seeded, year=2026, title="湖南省评估指标（2026 修订）")
    tree_publish(by=officer, tree=revised)
    services.add_peer(
        name="雨湖区社工站系统", public_key=_public(county["county_key"]), regions=["430302"]
    )
    return officer


def _receive(path: Path) -> tuple[Package, str]:
    return services.receive_package(data=path.read_bytes())


@pytest.mark.django_db(transaction=False)
def test_two_deployments_exchange_rules_down_and_figures_up(province, county, client, tmp_path):
    # the province publishes its rule sets: a signed rules package, valid by the schema
    rules_file = tmp_path / "rules.json"
    call_command("export_package", region="43", year=2026, rules=True, output=str(rules_file))
    rules = json.loads(rules_file.read_text("utf-8"))
    jsonschema.validate(rules, SCHEMA)
    assert [rs["title"] for rs in rules["package"]["rule_sets"]] == [
        "湖南省 2026 年度社工站建设指标（省发布）"
    ]

    # the county's deployment receives it, then sends its figures (twice)
    said = _run_county(county, rules_file)
    assert said["rule_set"] == "湖南省 2026 年度社工站建设指标（省发布）|2|10.00"
    # the province's 2026 tree, copied from the seeded 2025 one and published: now there
    from shegong.evaluation.models import Tree

    here = Tree.objects.filter(region_code="43", year=2026).order_by("title")
    assert said["trees"] == "|".join(f"{t.title}:{t.nodes.count()}" for t in here)
    assert [t["title"] for t in rules["package"]["trees"]] == [t.title for t in here]
    first, second = county["dir"] / "first.json", county["dir"] / "second.zip"
    envelope = json.loads(first.read_text("utf-8"))
    jsonschema.validate(envelope, SCHEMA)
    with zipfile.ZipFile(second) as archive:
        jsonschema.validate(json.loads(archive.read("package.json")), SCHEMA)
    pkg = envelope["package"]
    assert pkg["region"] == {"code": "430302", "name": "雨湖区"}
    assert pkg["sender"] == {"name": "雨湖区社工站系统"}
    assert {s["name"] for s in pkg["stations"]} == {"own社工站", "own社工室"}
    assert [a["name"] for a in pkg["agencies"]] == ["own机构"]
    # no personal data: no names of people, no ID numbers, no situations
    text = first.read_text("utf-8")
    assert "own居民" not in text and "走访情况" not in text and "430302195001" not in text

    # the province receives the first package: its dashboards show the county's figures
    row, outcome = _receive(first)
    assert outcome == "applied" and row.status == Package.Status.CURRENT
    assert row.counts["stations"] == 2 and row.counts["aggregates"] == len(pkg["aggregates"])

    def visits(node: str) -> Decimal:
        found = Aggregate.objects.filter(node=node, period="2026", metric="visit").first()
        return found.value if found else Decimal(0)

    assert visits("430302") == Decimal(said["visits_first"]) == 1
    assert visits("4303") == visits("43") == 1
    client.force_login(province)
    page = client.get(reverse("indicators:dashboard"), {"node": "43", "period": "2026"})
    body = page.content.decode()
    assert 'data-testid="shared-inside"' in body and "雨湖区社工站系统" in body
    page = client.get(reverse("indicators:dashboard"), {"node": "4303", "period": "2026"})
    ranking = page.context["ranking"]
    yuhu = next(c for c in ranking if c["code"] == "430302")
    assert yuhu["shared"] and not any(yuhu["urls"])  # drill-down stops at the aggregate
    assert 'data-testid="imported-badge"' in page.content.decode()
    page = client.get(reverse("indicators:dashboard"), {"node": "430302", "period": "2026"})
    assert 'data-testid="shared-here"' in page.content.decode()
    assert not any(v.url for v in page.context["board"].service)
    assert not any(url for row in page.context["split_rows"] for _value, url in row.cells)

    # the same package again changes nothing
    before = list(Aggregate.objects.order_by("node", "period", "metric").values_list())
    again, outcome = _receive(first)
    assert outcome == "unchanged" and again.pk == row.pk
    assert list(Aggregate.objects.order_by("node", "period", "metric").values_list()) == before

    # a newer package (zipped) replaces the older one; history is kept
    newer, outcome = _receive(second)
    assert outcome == "applied"
    assert visits("430302") == visits("43") == Decimal(said["visits_second"]) == 2
    row.refresh_from_db()
    assert row.status == Package.Status.REPLACED and newer.status == Package.Status.CURRENT
    # the older one, received late (here: again after the newer), is kept and not applied
    Package.objects.filter(pk=row.pk).update(sha256="x")  # as if never seen
    late, outcome = _receive(first)
    assert outcome == "older" and late.status == Package.Status.OLDER and visits("43") == 2

    # a rebuild from the province's own facts keeps the received figures
    rebuild_aggregates()
    assert visits("430302") == visits("4303") == visits("43") == 2
    assert SharedFigure.objects.filter(region="430302").exists()

    # a tampered package is refused and changes nothing
    envelope["package"]["aggregates"][0]["value"] = "999"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(envelope, ensure_ascii=False), "utf-8")
    refused, outcome = _receive(tampered)
    assert outcome == "refused" and "签名不符" in refused.reason
    assert visits("43") == 2
    assert AuditEntry.objects.filter(action="shegong.exchange.refused").count() == 1
    assert AuditEntry.objects.filter(action="shegong.exchange.received").count() == 3


@pytest.fixture
def signed(regions, tmp_path, settings):
    """A package signed by a trusted key, and the key's file."""
    key = _key(tmp_path / "k.pem")
    settings.SHEGONG_EXCHANGE_KEY = str(key)
    services.add_peer(name="雨湖区", public_key=_public(key), regions=["430302"])
    return key


def _package(**changes) -> dict:
    pkg = {
        "kind": "figures",
        "sender": {"name": "雨湖区"},
        "region": {"code": "430302", "name": "雨湖区"},
        "period": "2026",
        "generated_at": "2026-12-01T10:00:00+08:00",
        "aggregates": [
            {"node": "430302", "level": 3, "period": "2026", "metric": "visit", "value": "5"}
        ],
        "agencies": [],
        "stations": [],
    }
    return pkg | changes


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"region": {"code": "430304", "name": "岳塘区"}}, "无权报送 430304"),
        (
            {
                "aggregates": [
                    {
                        "node": "430304",
                        "level": 3,
                        "period": "2026",
                        "metric": "visit",
                        "value": "1",
                    }
                ]
            },
            "不在 430302 范围内",
        ),
        (
            {
                "aggregates": [
                    {
                        "node": "430302",
                        "level": 3,
                        "period": "2025",
                        "metric": "visit",
                        "value": "1",
                    }
                ]
            },
            "不在数据包所属年度 2026 内",
        ),
    ],
)
def test_a_package_outside_what_the_peer_may_send_is_refused(signed, changes, words):
    envelope = fmt.sign(_package(**changes), fmt.private_key())
    row, outcome = services.receive_package(data=fmt.dump(envelope))
    assert outcome == "refused" and words in row.reason
    assert not Aggregate.objects.filter(metric="visit").exists()


def test_unknown_keys_bad_files_and_the_schema_are_refused_with_a_reason(signed, tmp_path):
    other = _key(tmp_path / "other.pem")
    from cryptography.hazmat.primitives import serialization

    stranger = serialization.load_pem_private_key(other.read_bytes(), None)
    row, outcome = services.receive_package(data=fmt.dump(fmt.sign(_package(), stranger)))
    assert outcome == "refused" and "没有受信任的部署" in row.reason
    row, outcome = services.receive_package(data=b"not json")
    assert outcome == "refused" and "不是社工站系统数据包" in row.reason
    bad = fmt.sign(_package(), fmt.private_key())
    bad["package"]["aggregates"][0]["value"] = "12,5"
    row, outcome = services.receive_package(data=json.dumps(bad).encode())
    assert outcome == "refused" and "不符合格式" in row.reason
    with pytest.raises(fmt.PackageError):
        fmt.sign(_package(period="next year"), fmt.private_key())


def test_a_region_with_records_here_does_not_take_figures_too(signed, world):
    """雨湖区 has its own records in this deployment: figures for it would count twice."""
    row, outcome = services.receive_package(data=fmt.dump(fmt.sign(_package(), fmt.private_key())))
    assert outcome == "refused" and "重复计算" in row.reason


def test_peers_may_not_overlap(signed, tmp_path):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="重叠"):
        services.add_peer(
            name="湘潭市", public_key=_public(_key(tmp_path / "x.pem")), regions=["4303"]
        )


def test_the_commands_round_trip(signed, tmp_path, capsys):
    out = tmp_path / "p.zip"
    call_command("export_package", region="430302", year=2026, zipped=True, output=str(out))
    call_command("import_package", str(out))
    assert "applied" in capsys.readouterr().out
    call_command("import_package", str(out))
    assert "unchanged" in capsys.readouterr().out


def _token(user, scope="write") -> str:
    from shegong.accounts.tokens import TokenInput, token_make

    _row, secret = token_make(by=user, data=TokenInput(name="peer", scope=scope, days=30))
    return secret


def test_a_peer_pushes_over_http_with_a_deployment_token(signed, live_server, settings):
    """exchange_push sends the figures to the API; only a system administrator's token
    (the account made for the sending deployment) is let in; the signature decides."""
    from shegong.accounts.models import User

    deployment = UserFactory(username="peer_yuhu", role=Role.SYSTEM_ADMIN)
    settings.SHEGONG_EXCHANGE_PUSH_URL = live_server.url + "/api/exchange/packages"
    settings.SHEGONG_EXCHANGE_PUSH_REGIONS = ["430302"]
    settings.SHEGONG_EXCHANGE_PUSH_TOKEN = _token(deployment)
    call_command("exchange_push", year=2026)
    row = Package.objects.get()
    assert (row.channel, row.status, row.received_by) == ("api", "current", deployment)
    time.sleep(1.1)
    call_command("exchange_push", year=2026)  # same figures, made a second later: newer
    assert Package.objects.filter(status="current").count() == 1
    pushed = AuditEntry.objects.filter(action="shegong.exchange.pushed", success=True)
    assert pushed.count() == 2

    # an officer's token is refused (403), and so is a read-only one: nothing received
    officer = User.objects.create(username="o", role=Role.COUNTY_OFFICER, scope_region_id="430302")
    for secret in (_token(officer), _token(deployment, scope="read")):
        settings.SHEGONG_EXCHANGE_PUSH_TOKEN = secret
        with pytest.raises(Exception, match="not delivered"):
            call_command("exchange_push", year=2026)
    assert Package.objects.count() == 2
    assert list(
        AuditEntry.objects.filter(action="shegong.exchange.pushed", success=False).values_list(
            "data__status", flat=True
        )
    ) == [403, 403]


def test_a_deployment_pulls_from_a_peers_outbox(signed, live_server, settings):
    """exchange_pull fetches what the peer publishes, with the token the peer made for it,
    and receives it as a push or a file; what the peer does not publish is 404, and an
    officer's token 403. The sending deployment here is the live server (the same
    database: it publishes 雨湖区, which this deployment trusts it for)."""
    from shegong.accounts.models import User

    deployment = UserFactory(username="peer_province", role=Role.SYSTEM_ADMIN)
    settings.SHEGONG_EXCHANGE_PUBLISH_REGIONS = ["430302"]
    outbox = live_server.url + "/api/exchange/outbox"
    services.peer_pull_set(name="雨湖区", url=outbox, token=_token(deployment, scope="read"))
    call_command("exchange_pull", year=2026)
    row = Package.objects.get()
    assert (row.channel, row.status, row.kind, row.region_code) == (
        "pull",
        "current",
        "figures",
        "430302",
    )
    fetched = AuditEntry.objects.get(action="shegong.exchange.fetched")
    assert fetched.actor == deployment and fetched.data["region"] == "430302"
    pulled = AuditEntry.objects.get(action="shegong.exchange.pulled")
    assert pulled.success and pulled.data["outcome"] == "applied"
    assert "pull_token" not in json.dumps(
        list(AuditEntry.objects.filter(action="shegong.exchange.peer_saved").values("data"))
    )

    # not published: 404, nothing received, the failure audited; the token never leaves
    settings.SHEGONG_EXCHANGE_PUBLISH_REGIONS = []
    with pytest.raises(Exception, match="not received"):
        call_command("exchange_pull", year=2026)
    failed = AuditEntry.objects.filter(action="shegong.exchange.pulled", success=False).get()
    assert failed.data["status"] == 404
    settings.SHEGONG_EXCHANGE_PUBLISH_REGIONS = ["430302"]
    officer = User.objects.create(username="o2", role=Role.COUNTY_OFFICER, scope_region_id="430302")
    services.peer_pull_set(name="雨湖区", url=outbox, token=_token(officer, scope="read"))
    with pytest.raises(Exception, match="not received"):
        call_command("exchange_pull", year=2026)
    last = AuditEntry.objects.filter(action="shegong.exchange.pulled").order_by("pk").last()
    assert last.data["status"] == 403
    assert Package.objects.count() == 1


def test_the_outbox_publishes_only_what_it_is_told(signed, client, world, settings):
    admin = world.actors["system_admin"]
    client.force_login(admin)
    settings.SHEGONG_EXCHANGE_PUBLISH_RULES = ["43"]
    url = "/api/exchange/outbox/{}/{}/{}"
    rules = client.get(url.format("rules", "43", 2026))
    assert rules.status_code == 200 and rules["Content-Type"] == "application/zip"
    assert fmt.load(rules.content)["package"]["kind"] == "rules"
    for kind, code, year in [
        ("figures", "430302", 2026),  # figures are not published here
        ("rules", "4303", 2026),
        ("other", "43", 2026),
        ("rules", "43", 1900),
    ]:
        refused = client.get(url.format(kind, code, year))
        assert refused.status_code == 404 and "不发布" in refused.json()["detail"], kind
    client.force_login(world.actors["province_officer"])
    assert client.get(url.format("rules", "43", 2026)).status_code == 403


def test_pulling_is_set_only_for_a_known_peer_with_a_token(signed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.peer_pull_set(name="无此系统", url="ftp://x", token="")
    assert set(caught.value.message_dict) == {"name", "url", "token"}
    with pytest.raises(ValidationError) as caught:
        services.peer_pull_set(name="雨湖区", url="https://x/api/exchange/outbox", token="")
    assert set(caught.value.message_dict) == {"token"}
    with pytest.raises(ValidationError) as caught:  # 雨湖区 sends no rule sets here
        services.peer_pull_set(name="雨湖区", url="https://x", token="t", rules="43")
    assert set(caught.value.message_dict) == {"rules"}
    peer = services.peer_pull_set(name="雨湖区", url="https://x/api/exchange/outbox", token="sg_1")
    assert peer.pull_token == "sg_1"  # kept encrypted (EncryptedTextField)


def test_package_pages_by_role(signed, world, client):
    """The system administrator receives by upload and reads every package; officers read
    those of their area; nobody else reaches the pages."""
    data = fmt.dump(
        fmt.sign(_package(region={"code": "430302", "name": "雨湖区"}), fmt.private_key())
    )
    admin = world.actors["system_admin"]
    client.force_login(admin)
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post(
        reverse("exchange:receive"), {"file": SimpleUploadedFile("p.json", data)}, follow=True
    )
    row = Package.objects.get()
    # 雨湖区 has stations in this world: refused, with the reason on the page
    assert row.status == "refused" and "重复计算" in page.content.decode()
    urls = [reverse("exchange:list"), reverse("exchange:detail", args=[row.pk])]
    expected = {
        "system_admin": (200, 200, 200),
        "county_officer": (200, 200, 403),
        "city_officer": (200, 200, 403),
        "province_officer": (200, 200, 403),
        "social_worker": (403, 404, 403),
        "station_lead": (403, 404, 403),
        "agency_admin": (403, 404, 403),
        "evaluator": (403, 404, 403),
        "security_admin": (403, 404, 403),
        "audit_admin": (403, 404, 403),
    }
    for role, codes in expected.items():
        client.force_login(world.actors[role])
        got = tuple(client.get(u).status_code for u in [*urls, reverse("exchange:receive")])
        assert got == codes, role
        api = client.get("/api/exchange/packages").json()
        assert api["count"] == (1 if codes[0] == 200 else 0), role
        if role != "system_admin":  # only the system administrator's token may push
            refused = client.post(
                "/api/exchange/packages", {"package": SimpleUploadedFile("p.json", data)}
            )
            assert refused.status_code == 403, role


def test_a_published_tree_is_never_changed_by_a_package(regions, tmp_path, settings):
    """The province's tree of the same title but other items: the package is refused whole
    (its rule sets too), and the tree here keeps its items."""
    from shegong.evaluation.models import Tree
    from shegong.regions.models import Region

    key = _key(tmp_path / "hn.pem")
    settings.SHEGONG_EXCHANGE_KEY = str(key)
    services.add_peer(name="湖南省民政厅", public_key=_public(key), regions=[], sends_rules=True)
    pkg = services.rules_package(region=Region.objects.get(code="43"), year=2025)
    tree = pkg["trees"][0]
    items = [n for n in tree["nodes"] if n["level"] == 3]
    items[0]["standard"] += "（改）"
    row, outcome = services.receive_package(data=fmt.dump(fmt.sign(pkg, fmt.private_key())))
    assert outcome == "refused" and "已发布的指标体系不能更改" in row.reason
    here = Tree.objects.get(region_code="43", year=2025, title=tree["title"])
    assert not here.nodes.filter(standard__endswith="（改）").exists()
    # the same tree unchanged is simply there already: the package applies
    pkg = services.rules_package(region=Region.objects.get(code="43"), year=2025)
    row, outcome = services.receive_package(data=fmt.dump(fmt.sign(pkg, fmt.private_key())))
    assert outcome == "applied" and row.counts["trees"] == 1
