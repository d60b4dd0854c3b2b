"""The client's address, behind the reverse proxies this deployment trusts.

Behind nginx every request arrives from the proxy's address; counting or logging that
address would put every user in one bucket. ``SHEGONG_TRUSTED_PROXIES`` lists the
proxies' addresses or networks (``127.0.0.1,10.0.0.0/8``). When the direct peer is one
of them, ``X-Forwarded-For`` is read from the right, skipping trusted hops: the first
address that is not a trusted proxy is the client. A header sent by a client that is not
behind a trusted proxy is ignored, so nobody can choose the address they are counted as.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(s.strip(), strict=False) for s in spec if s.strip())


def _parse(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in net for net in networks)


def client_ip(request) -> str | None:
    """The client's address as a string, or None (no request, or no usable address)."""
    if request is None:
        return None
    peer = _parse(request.META.get("REMOTE_ADDR") or "")
    networks = _networks(tuple(getattr(settings, "SHEGONG_TRUSTED_PROXIES", ())))
    if peer is None:
        return None
    if not _trusted(peer, networks):
        return str(peer)
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            return str(peer)  # a malformed hop: trust nothing beyond the last proxy
        if not _trusted(address, networks):
            return str(address)
    return str(peer)
