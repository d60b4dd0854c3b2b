"""Exchange between deployments (省市县数据共享): make a signed package for a region and
year, and receive one from a peer.

A **figures** package holds a region's aggregates (node, period, metric, value) for every
month, quarter and the year, down to its townships, and its registry of stations and
agencies: no personal data. A **rules** package holds the rule sets and the published
indicator trees a province or city publishes, for the counties' deployments to use.

Receiving is idempotent: the same package again (same digest) changes nothing. A package
replaces the one in force for the same kind, region and year only if it was made later;
an older one is kept in the history, not applied. Every package received or refused is a
``Package`` row and an audit entry.
"""

import datetime
import json
import urllib.error
import urllib.request
import uuid
from dataclasses import fields
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from shegong.accounts.roles import Role
from shegong.audit.services import audit_log
from shegong.core.divisions import in_subtree
from shegong.evaluation import services as evaluation_services
from shegong.evaluation.models import Tree
from shegong.evaluation.trees import NodeLine
from shegong.indicators import services as indicator_services
from shegong.indicators.models import Aggregate, RuleSet
from shegong.indicators.services import RuleLine, RuleSetInput
from shegong.regions.models import Region
from shegong.stations.models import Agency, Station

from . import package as fmt
from .models import Package, Peer

RULE_FIELDS = [f.name for f in fields(RuleLine)]
SET_FIELDS = [f.name for f in fields(RuleSetInput) if f.name != "rules"]


def may_receive(*, user: AbstractBaseUser) -> bool:
    """Whether ``user`` may bring in packages (by upload or through the API): the system
    administrator, who keeps the list of trusted deployments."""
    return getattr(user, "is_active", False) and getattr(user, "role", "") == Role.SYSTEM_ADMIN


def deployment_name() -> str:
    """This deployment's name as its packages give it (``SHEGONG_EXCHANGE_NAME``)."""
    return getattr(settings, "SHEGONG_EXCHANGE_NAME", "") or str(settings.SHEGONG_SITE_NAME)


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.01')).normalize():f}"
    return value


def figures_package(*, region: Region, year: int) -> dict:
    """The (unsigned) figures package of ``region`` for ``year``: its aggregates for the
    year, its quarters and months, from the region down to its townships; its agencies and
    stations."""
    keys = [str(year), *(f"{year}Q{q}" for q in range(1, 5))]
    keys += [f"{year}-{m:02d}" for m in range(1, 13)]
    aggregates = [
        {"node": node, "level": level, "period": period, "metric": metric, "value": _text(value)}
        for node, level, period, metric, value in Aggregate.objects.filter(
            in_subtree("node", region.code), period__in=keys
        )
        .exclude(value=0)
        .order_by("node", "period", "metric")
        .values_list("node", "level", "period", "metric", "value")
        .iterator(chunk_size=5000)
    ]
    agencies = [
        {"name": name, "credit_code": credit, "region": code}
        for name, credit, code in Agency.objects.filter(in_subtree("region_id", region.code))
        .order_by("credit_code")
        .values_list("name", "credit_code", "region_id")
    ]
    stations = [
        {
            "name": s.name,
            "region": s.region_id,
            "tier": s.tier,
            "is_county_general": s.is_county_general,
            "agency": s.agency.credit_code if s.agency_id else None,
            "star_rating": s.star_rating,
            "service_version": s.service_version,
            "opened_on": s.opened_on.isoformat() if s.opened_on else None,
            "is_active": s.is_active,
        }
        for s in Station.objects.filter(in_subtree("region_id", region.code))
        .select_related("agency")
        .order_by("region_id", "name")
    ]
    return {
        **_head("figures", region, year),
        "aggregates": aggregates,
        "agencies": agencies,
        "stations": stations,
    }


NODE_FIELDS = ("code", "level", "title", "max_score", "standard", "evidence", "method")


def rules_package(*, region: Region, year: int) -> dict:
    """The (unsigned) rules package: the rule sets of ``region`` (a province or city) and
    the cities in it, for ``year``, with their rules; and their published indicator trees
    (评估指标体系) with every node."""
    sets = RuleSet.objects.filter(in_subtree("region_code", region.code), year=year)
    trees = Tree.objects.filter(
        in_subtree("region_code", region.code), year=year, status=Tree.Status.PUBLISHED
    ).prefetch_related("nodes")
    return {
        **_head("rules", region, year),
        "rule_sets": [
            {
                **{f: _text(getattr(rs, f)) for f in SET_FIELDS},
                "rules": [
                    {f: _text(getattr(rule, f)) for f in RULE_FIELDS} for rule in rs.rules.all()
                ],
            }
            for rs in sets.prefetch_related("rules").order_by("region_code")
        ],
        "trees": [
            {
                "region_code": tree.region_code,
                "year": tree.year,
                "title": tree.title,
                "total": _text(tree.total),
                "source": tree.source,
                "nodes": [
                    {
                        **{f: _text(getattr(n, f)) for f in NODE_FIELDS},
                        "options": list(n.options or []),
                        "metric": n.metric,
                        "bands": list(n.bands or []),
                    }
                    for n in sorted(tree.nodes.all(), key=lambda n: n.seq)
                ],
            }
            for tree in trees.order_by("region_code", "title")
        ],
    }


def _head(kind: str, region: Region, year: int) -> dict:
    return {
        "kind": kind,
        "sender": {"name": deployment_name()},
        "region": {"code": region.code, "name": region.name},
        "period": str(year),
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
    }


def export_package(
    *, region: Region, year: int, kind: str = "figures", zipped: bool = False
) -> bytes:
    """A signed package file of ``kind`` for ``region`` and ``year``, with this deployment's
    key (``SHEGONG_EXCHANGE_KEY``). The caller writes or sends the bytes."""
    build = rules_package if kind == Package.Kind.RULES else figures_package
    envelope = fmt.sign(build(region=region, year=year), fmt.private_key())
    audit_log(
        action="shegong.exchange.exported",
        actor_name="manage.py",
        data={"kind": kind, "region": region.code, "year": year, "digest": fmt.digest(envelope)},
    )
    return fmt.dump(envelope, zipped=zipped)


def add_peer(*, name: str, public_key: str, regions: list[str], sends_rules: bool = False) -> Peer:
    """Trust another deployment: its name, its public key (base64) and the regions it may
    send figures for. Regions must be known here and may not overlap another peer's."""
    public = fmt.public_from_text(public_key)
    codes = sorted(set(regions))
    known = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    errors = {}
    if unknown := [c for c in codes if c not in known]:
        errors["regions"] = _("Unknown region codes: %(codes)s") % {"codes": ", ".join(unknown)}
    for other in Peer.objects.exclude(name=name):
        for a in codes:
            for b in other.region_codes():
                if a.startswith(b) or b.startswith(a):
                    errors["regions"] = _("%(a)s overlaps %(b)s, which %(peer)s sends.") % {
                        "a": a,
                        "b": b,
                        "peer": other.name,
                    }
    if errors:
        raise ValidationError(errors)
    peer, _created = Peer.objects.update_or_create(
        name=name,
        defaults={
            "public_key": fmt.public_text(public),
            "key_id": fmt.key_id(public),
            "regions": " ".join(codes),
            "sends_rules": sends_rules,
            "is_active": True,
        },
    )
    audit_log(
        action="shegong.exchange.peer_saved",
        actor_name="manage.py",
        obj=peer,
        data={"name": name, "key": peer.key_id, "regions": codes, "rules": sends_rules},
    )
    return peer


def peer_pull_set(*, name: str, url: str, token: str, rules: str = "") -> Peer:
    """Pull from a trusted deployment: its outbox's address (``…/api/exchange/outbox``),
    the API token its administrator made for this deployment, and the region whose rule
    sets to fetch (a peer that sends rules). An empty ``url`` stops pulling."""
    peer = Peer.objects.filter(name=name).first()
    errors = {}
    if peer is None:
        errors["name"] = _("No trusted deployment is called %(name)s.") % {"name": name}
    if url and not url.startswith(("https://", "http://")):
        errors["url"] = _("The outbox's address begins with https:// or http://.")
    if url and not token:
        errors["token"] = _("Give the API token the other deployment made for this one.")
    if rules and not Region.objects.filter(code=rules).exists():
        errors["rules"] = _("Unknown region codes: %(codes)s") % {"codes": rules}
    if rules and peer is not None and not peer.sends_rules:
        errors["rules"] = _("%(peer)s does not send rule sets to this deployment.") % {"peer": name}
    if errors:
        raise ValidationError(errors)
    peer.pull_url, peer.pull_token, peer.pull_rules = url, token if url else "", rules
    peer.save(update_fields=["pull_url", "pull_token", "pull_rules"])
    audit_log(
        action="shegong.exchange.peer_saved",
        actor_name="manage.py",
        obj=peer,
        data={"name": name, "pull_url": url, "pull_rules": rules},  # never the token
    )
    return peer


def outbox_package(
    *,
    kind: str,
    code: str,
    year: int,
    by: AbstractBaseUser,
    request: HttpRequest | None = None,
) -> bytes:
    """The signed package (zipped) of ``kind`` for region ``code`` and ``year`` that a
    deployment pulling from this one fetches. The caller may rely on: only the system
    administrator's token (the account made for the pulling deployment); only what this
    deployment publishes (``SHEGONG_EXCHANGE_PUBLISH_REGIONS`` for figures,
    ``SHEGONG_EXCHANGE_PUBLISH_RULES`` for rule sets), else ``LookupError``; the fetch
    audited."""
    if not may_receive(user=by):
        raise PermissionDenied(_("Only the system administrator exchanges data packages."))
    published = {
        Package.Kind.FIGURES: getattr(settings, "SHEGONG_EXCHANGE_PUBLISH_REGIONS", []),
        Package.Kind.RULES: getattr(settings, "SHEGONG_EXCHANGE_PUBLISH_RULES", []),
    }
    region = Region.objects.filter(code=code).first()
    if code not in published.get(kind, ()) or region is None or not 2000 <= year <= 2100:
        raise LookupError(_("This deployment does not publish that package."))
    build = rules_package if kind == Package.Kind.RULES else figures_package
    envelope = fmt.sign(build(region=region, year=year), fmt.private_key())
    audit_log(
        action="shegong.exchange.fetched",
        actor=by,
        request=request,
        data={"kind": kind, "region": code, "year": year, "digest": fmt.digest(envelope)},
    )
    return fmt.dump(envelope, zipped=True)


def pull_packages(*, year: int | None = None) -> list[tuple[str, str, str, int, str]]:
    """Fetch from each active peer with an outbox address the figures of its regions (and
    the rule sets of ``pull_rules``) for ``year`` (the current year unless given), and
    receive each as a file or a push would be received (``receive_package``: signature,
    regions, history). Returns (peer, kind, region, HTTP status, outcome) for each; every
    fetch is audited, and a failed one is tried again at the next run."""
    year = year or timezone.localdate().year
    results = []
    for peer in Peer.objects.filter(is_active=True).exclude(pull_url="").order_by("name"):
        wanted = [(Package.Kind.FIGURES, code) for code in peer.region_codes()]
        if peer.sends_rules and peer.pull_rules:
            wanted.append((Package.Kind.RULES, peer.pull_rules))
        for kind, code in wanted:
            url = f"{peer.pull_url.rstrip('/')}/{kind}/{code}/{year}"
            status, got = _fetch(url, peer.pull_token)
            outcome = got if status != 200 else ""
            if status == 200:
                _row, outcome = receive_package(data=got, channel=Package.Channel.PULL)
            audit_log(
                action="shegong.exchange.pulled",
                actor_name="exchange_pull",
                success=status == 200 and outcome != "refused",
                data={
                    "peer": peer.name,
                    "kind": kind,
                    "region": code,
                    "year": year,
                    "url": url,
                    "status": status,
                    "outcome": str(outcome)[:200],
                },
            )
            results.append((peer.name, kind, code, status, str(outcome)))
    return results


def _fetch(url: str, token: str) -> tuple[int, bytes | str]:
    """GET ``url`` with the token: (200, the body) or (status, what went wrong)."""
    if not url.startswith(("https://", "http://")):
        return 0, "not an http(s) address"
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        url, headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            body = response.read(fmt.MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read() or b"{}").get("detail", "")
        except ValueError:
            detail = ""
        return exc.code, str(detail or exc.reason)
    except OSError as exc:  # refused, unreachable, timed out
        return 0, f"unreachable: {exc}"
    if len(body) > fmt.MAX_BYTES:
        return 413, "the package is too large"
    return 200, body


def receive_package(
    *,
    data: bytes,
    by: AbstractBaseUser | None = None,
    channel: str = "file",
    request: HttpRequest | None = None,
) -> tuple[Package, str]:
    """Receive one package file; returns the package row and what happened: ``applied``,
    ``unchanged`` (received before), ``older`` (kept, not applied) or ``refused``.

    The caller may rely on: a package is applied only if it follows the schema, comes from
    an active peer, carries that peer's valid signature, and covers a region the peer may
    send (figures) or is a rules package from a peer that sends rules; what it applies and
    its row are one transaction; a refused package is recorded with its reason and changes
    nothing else."""
    try:
        envelope = fmt.load(data)
    except fmt.PackageError as exc:
        return _refused(None, {}, str(exc), by, channel, request), "refused"
    pkg, digest = envelope["package"], fmt.digest(envelope)
    peer = Peer.objects.filter(key_id=envelope["signature"]["key"], is_active=True).first()
    reason = ""
    if peer is None:
        reason = _("No trusted deployment has the key %(key)s.") % {
            "key": envelope["signature"]["key"]
        }
    else:
        try:
            fmt.verify(envelope, fmt.public_from_text(peer.public_key))
        except fmt.PackageError as exc:
            reason = str(exc)
    code = pkg["region"]["code"]
    if not reason and pkg["kind"] == Package.Kind.FIGURES:
        if not any(code.startswith(r) for r in peer.region_codes()):
            reason = _("%(peer)s may not send figures for %(code)s.") % {
                "peer": peer.name,
                "code": code,
            }
        elif not Region.objects.filter(code=code).exists():
            reason = _("Region %(code)s is not known here.") % {"code": code}
    if not reason and pkg["kind"] == Package.Kind.RULES and not peer.sends_rules:
        reason = _("%(peer)s does not send rule sets to this deployment.") % {"peer": peer.name}
    if reason:
        return _refused(peer, pkg, reason, by, channel, request, digest), "refused"
    seen = Package.objects.filter(sha256=digest).exclude(status=Package.Status.REFUSED).first()
    if seen is not None:
        return seen, "unchanged"
    try:
        with transaction.atomic():
            return _apply(peer, pkg, digest, by, channel, request)
    except ValidationError as exc:
        return _refused(peer, pkg, "; ".join(exc.messages), by, channel, request, digest), "refused"


def _apply(peer, pkg, digest, by, channel, request) -> tuple[Package, str]:
    made = parse_datetime(pkg["generated_at"])
    if made is None:
        raise ValidationError(_("The package's date cannot be read."))
    if timezone.is_naive(made):
        made = timezone.make_aware(made)
    same = Package.objects.select_for_update().filter(
        kind=pkg["kind"], region_code=pkg["region"]["code"], period=pkg["period"]
    )
    current = same.filter(status=Package.Status.CURRENT).first()
    row = Package(
        kind=pkg["kind"],
        peer=peer,
        sender=pkg["sender"]["name"][:128],
        region_code=pkg["region"]["code"],
        region_name=pkg["region"]["name"][:64],
        period=pkg["period"],
        generated_at=made,
        received_by=by if getattr(by, "pk", None) else None,
        channel=channel,
        sha256=digest,
        content=pkg,
    )
    if current is not None and current.generated_at >= made:
        row.status = Package.Status.OLDER
        row.counts = _counts(pkg)
        row.save()
        _audit(row, "received", by, request, outcome="older")
        return row, "older"
    row.status = Package.Status.CURRENT
    row.counts = _counts(pkg)
    row.save()
    if pkg["kind"] == Package.Kind.FIGURES:
        _apply_figures(row, pkg, made)
    else:
        _apply_rules(row, pkg)
    if current is not None:
        current.status = Package.Status.REPLACED
        current.save(update_fields=["status"])
    _audit(row, "received", by, request, outcome="applied")
    return row, "applied"


def _apply_figures(row: Package, pkg: dict, made: datetime.datetime) -> None:
    year = pkg["period"]
    rows = []
    for a in pkg["aggregates"]:
        if not a["period"].startswith(year):
            raise ValidationError(
                _("A figure of %(period)s is outside the package's year %(year)s.")
                % {"period": a["period"], "year": year}
            )
        rows.append((a["node"], a["level"], a["period"], a["metric"], Decimal(a["value"])))
    indicator_services.shared_figures_replace(
        region=row.region_code,
        name=row.region_name,
        year=year,
        source=row.sender,
        package_id=row.pk,
        generated_at=made,
        rows=rows,
    )


def _apply_rules(row: Package, pkg: dict) -> None:
    for item in pkg["rule_sets"]:
        if not item["region_code"].startswith(row.region_code):
            raise ValidationError(
                _("The rule set of %(code)s is outside %(region)s.")
                % {"code": item["region_code"], "region": row.region_code}
            )
        data = RuleSetInput(
            rules=tuple(
                RuleLine(**{k: _typed(RuleLine, k, v) for k, v in rule.items()})
                for rule in item["rules"]
            ),
            **{k: _typed(RuleSetInput, k, v) for k, v in item.items() if k != "rules"},
        )
        indicator_services.rule_set_received(data=data, source=row.sender)
    for item in pkg.get("trees", []):
        if not item["region_code"].startswith(row.region_code):
            raise ValidationError(
                _("The rule set of %(code)s is outside %(region)s.")
                % {"code": item["region_code"], "region": row.region_code}
            )
        nodes = tuple(
            NodeLine(
                code=n["code"],
                parent_code=n["code"].rsplit(".", 1)[0] if "." in n["code"] else None,
                level=n["level"],
                title=n["title"],
                max_score=Decimal(n["max_score"]),
                standard=n.get("standard", ""),
                evidence=n.get("evidence", ""),
                method=n.get("method", ""),
                options=tuple(n.get("options", [])),
                metric=n.get("metric", ""),
                bands=tuple(n.get("bands", [])),
            )
            for n in item["nodes"]
        )
        evaluation_services.tree_received(
            data=evaluation_services.TreeInput(
                region_code=item["region_code"],
                year=item["year"],
                title=item["title"],
                nodes=nodes,
                total=Decimal(item["total"]),
                source=item.get("source", ""),
            ),
            source=row.sender,
        )


_DECIMAL_FIELDS = {
    cls: {f.name for f in fields(cls) if "Decimal" in str(f.type)}
    for cls in (RuleLine, RuleSetInput)
}


def _typed(cls, name: str, value):
    if value is not None and name in _DECIMAL_FIELDS[cls]:
        return Decimal(value)
    return value


def _counts(pkg: dict) -> dict:
    return {
        key: len(pkg[key])
        for key in ("aggregates", "agencies", "stations", "rule_sets", "trees")
        if key in pkg
    }


def _refused(peer, pkg, reason, by, channel, request, digest="") -> Package:
    region = pkg.get("region") or {}
    row = Package.objects.create(
        kind=pkg.get("kind", Package.Kind.FIGURES),
        peer=peer,
        sender=str((pkg.get("sender") or {}).get("name", ""))[:128],
        region_code=str(region.get("code", ""))[:12],
        region_name=str(region.get("name", ""))[:64],
        period=str(pkg.get("period", ""))[:7],
        received_by=by if getattr(by, "pk", None) else None,
        channel=channel,
        sha256=digest,
        status=Package.Status.REFUSED,
        reason=reason,
    )
    _audit(row, "refused", by, request, outcome="refused", success=False)
    return row


def _audit(row, what, by, request, *, outcome, success=True) -> None:
    audit_log(
        action=f"shegong.exchange.{what}",
        actor=by if getattr(by, "pk", None) else None,
        actor_name="" if getattr(by, "pk", None) else "manage.py",
        request=request,
        obj=row,
        success=success,
        data={
            "kind": row.kind,
            "region": row.region_code,
            "year": row.period,
            "sender": row.sender,
            "outcome": outcome,
            "reason": row.reason,
            "digest": row.sha256,
        },
    )


def _multipart(field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    """One file as multipart/form-data (what ``POST /api/exchange/packages`` takes)."""
    boundary = f"shegong-{uuid.uuid4().hex}"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{filename}"\r\nContent-Type: application/zip\r\n\r\n'
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


def push_packages(*, year: int | None = None) -> list[tuple[str, int, str]]:
    """Send this deployment's figures for each region in ``SHEGONG_EXCHANGE_PUSH_REGIONS``
    (the current year unless ``year``) to the deployment at ``SHEGONG_EXCHANGE_PUSH_URL``,
    with the API token ``SHEGONG_EXCHANGE_PUSH_TOKEN``; returns (region, HTTP status,
    outcome) for each. Run on a schedule by ``manage.py exchange_push`` (cron or a systemd
    timer); a failed push is audited and tried again at the next run."""
    url = getattr(settings, "SHEGONG_EXCHANGE_PUSH_URL", "")
    token = getattr(settings, "SHEGONG_EXCHANGE_PUSH_TOKEN", "")
    codes = getattr(settings, "SHEGONG_EXCHANGE_PUSH_REGIONS", [])
    if not url.startswith(("https://", "http://")):
        raise ValueError("SHEGONG_EXCHANGE_PUSH_URL must be an http(s) address.")
    year = year or timezone.localdate().year
    results = []
    for region in Region.objects.filter(code__in=codes).order_by("code"):
        data = export_package(region=region, year=year, zipped=True)
        body, content_type = _multipart("package", f"{region.code}-{year}.zip", data)
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
            url,
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        except OSError as exc:  # refused, unreachable, timed out
            status, body = 0, json.dumps({"outcome": f"unreachable: {exc}"}).encode()
        try:
            outcome = str(json.loads(body or b"{}").get("outcome") or status)
        except ValueError:
            outcome = str(status)
        audit_log(
            action="shegong.exchange.pushed",
            actor_name="exchange_push",
            success=status == 200,
            data={
                "region": region.code,
                "year": year,
                "url": url,
                "status": status,
                "outcome": outcome[:200],
            },
        )
        results.append((region.code, status, outcome))
    return results
