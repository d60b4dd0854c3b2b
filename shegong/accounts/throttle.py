"""Login throttling by (client address, username), with a delay that grows.

Per-account lockout (django-axes: 5 failures lock the account for 15 minutes) is the
等保 control. This adds a pause per address *and* username, so guessing one account from
one place slows down at once, while nobody else is touched: no hard block of an address,
which behind a proxy or a county office's NAT would block everyone. After ``FREE``
failures the next attempt must wait 1 s, then 2, 4 … up to ``MAX_DELAY``; a success
clears it. The counters live in the default cache (moved to a shared cache when a
deployment runs several processes: the production issue).
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

from shegong.core.net import client_ip

FREE = 3
MAX_DELAY = 300
WINDOW = 900  # a pair's failures are forgotten after 15 quiet minutes


MAX_ADDRESSES = 1000  # addresses remembered per username (oldest forgotten first)


def _key(username: str) -> str:
    return "login-throttle:" + hashlib.sha256(username.strip().lower().encode()).hexdigest()


def delay_for(failures: int) -> int:
    if failures < FREE:
        return 0
    return min(2 ** (failures - FREE), getattr(settings, "SHEGONG_LOGIN_MAX_DELAY", MAX_DELAY))


def wait_seconds(request, username: str) -> int:
    """Seconds this address must still wait before trying ``username`` again (0: go on)."""
    state = (cache.get(_key(username)) or {}).get(client_ip(request) or "")
    if not state:
        return 0
    failures, last = state
    remaining = last + delay_for(failures) - time.time()
    return max(0, int(remaining + 0.999))


def failed(request, username: str) -> None:
    key = _key(username)
    addresses = cache.get(key) or {}
    address = client_ip(request) or ""
    failures, _last = addresses.pop(address, (0, 0.0))
    addresses[address] = (failures + 1, time.time())
    while len(addresses) > MAX_ADDRESSES:
        addresses.pop(next(iter(addresses)))
    cache.set(key, addresses, WINDOW)


def succeeded(request, username: str) -> None:
    """A successful login clears this address's pause for the username."""
    key = _key(username)
    addresses = cache.get(key) or {}
    if addresses.pop(client_ip(request) or "", None) is not None:
        cache.set(key, addresses, WINDOW)


def clear(username: str) -> None:
    """Forget every pause for ``username`` (the security administrator unlocked it)."""
    cache.delete(_key(username))
