"""The demo's exchange (省市县数据共享): 芙蓉区 (长沙市) runs its own deployment and sends its
figures up. The province deployment trusts its key for 430102 and has received two packages:
an earlier one (replaced) and the one in force; a third, changed after signing, was refused.
The figures are 雨湖区's own demo figures of the latest year, moved onto 芙蓉区's codes and
scaled: a believable county that the province, 长沙市 and 芙蓉区 dashboards show as imported."""

import datetime
import json
from decimal import Decimal

from cryptography.hazmat.primitives import serialization
from django.utils import timezone

from shegong.core.divisions import in_subtree
from shegong.exchange import package as fmt
from shegong.exchange import services
from shegong.exchange.models import Package, Peer
from shegong.indicators.models import Aggregate
from shegong.regions.models import Region

SENDER = "芙蓉区社工站系统"
FROM, TO = "430302", "430102"


def _package(region: Region, year: str, rows: list, made: datetime.datetime) -> dict:
    return {
        "kind": "figures",
        "sender": {"name": SENDER},
        "region": {"code": region.code, "name": region.name},
        "period": year,
        "generated_at": made.isoformat(timespec="seconds"),
        "aggregates": rows,
        "agencies": [],
        "stations": [
            {"name": f"{t.name}社工站", "region": t.code, "tier": "township", "is_active": True}
            for t in Region.objects.filter(parent_id=region.code).order_by("code")
        ],
    }


def demo_exchange_load() -> dict[str, int]:
    """Three packages from 芙蓉区's deployment; none if a package or peer exists already."""
    region = Region.objects.filter(code=TO).first()
    if region is None or Package.objects.exists() or Peer.objects.exists():
        return {"packages": 0}
    years = Aggregate.objects.filter(node=FROM, level=3, period__regex=r"^\d{4}$")
    year = years.order_by("-period").values_list("period", flat=True).first()
    if year is None:
        return {"packages": 0}
    theirs = list(
        Region.objects.filter(parent_id=TO).order_by("code").values_list("code", flat=True)
    )
    ours = sorted(
        Aggregate.objects.filter(in_subtree("node", FROM), level=4)
        .values_list("node", flat=True)
        .distinct()
    )
    nodes = {FROM: TO} | {a: b for a, b in zip(ours, theirs, strict=False)}
    key = serialization.load_pem_private_key(fmt.new_private_key_pem(), password=None)
    services.add_peer(name=SENDER, public_key=fmt.public_text(key.public_key()), regions=[TO])

    def rows(scale: Decimal) -> list[dict]:
        out = []
        for node, level, period, metric, value in (
            Aggregate.objects.filter(node__in=list(nodes), period__startswith=year)
            .exclude(value=0)
            .order_by("node", "period", "metric")
            .values_list("node", "level", "period", "metric", "value")
        ):
            scaled = (Decimal(value) * scale).quantize(Decimal("1" if value % 1 == 0 else "0.01"))
            if scaled:
                out.append(
                    {
                        "node": nodes[node],
                        "level": level,
                        "period": period,
                        "metric": metric,
                        "value": f"{scaled:f}",
                    }
                )
        return out

    now = timezone.localtime()
    older = fmt.sign(
        _package(region, year, rows(Decimal("0.7")), now - datetime.timedelta(days=31)), key
    )
    newer = fmt.sign(
        _package(region, year, rows(Decimal("0.8")), now - datetime.timedelta(days=1)), key
    )
    for envelope in (older, newer):
        services.receive_package(data=fmt.dump(envelope, zipped=True))
    newer["package"]["aggregates"][0]["value"] = "99999"  # changed after signing
    services.receive_package(data=json.dumps(newer, ensure_ascii=False).encode())
    return {"packages": Package.objects.count(), "figures": len(newer["package"]["aggregates"])}
