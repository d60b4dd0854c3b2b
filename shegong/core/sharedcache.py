"""A few rows that many requests read, kept in the cache every process shares (Redis) and
forgotten the moment they change: the logged-in user (``accounts.usercache``), the rule
sets (``indicators.compute.all_rule_sets``).

``read(key, load, seconds)`` answers from the cache, or ``load()`` and keeps it; with
``seconds`` 0 (no shared cache: each process's own memory would not hear of a change made
in another) it always loads. ``forget(keys)`` drops keys at once and again when the
transaction commits, so a request that read the old rows while the change was being
written does not put them back for long. A cache that cannot be reached is not an error:
the rows are read from the database, and the keys' expiry bounds what was not forgotten.
"""

import logging

from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)


def read(key: str, load, seconds: int):
    """The value at ``key``, or ``load()`` (kept ``seconds``; None is never kept)."""
    if not seconds:
        return load()
    try:
        value = cache.get(key)
    except Exception:  # Redis down: the database still answers
        log.warning("shared cache unreachable; %s read from the database", key)
        return load()
    if value is None:
        value = load()
        if value is not None:
            try:
                cache.set(key, value, seconds)
            except Exception:
                log.warning("shared cache unreachable; %s not kept", key)
    return value


def forget(keys) -> None:
    """Drop ``keys`` now and again when the transaction commits."""
    keys = list(keys)
    if not keys:
        return

    def drop():
        try:
            cache.delete_many(keys)
        except Exception:
            log.warning("shared cache unreachable; %d keys not forgotten", len(keys))

    drop()
    transaction.on_commit(drop)
