"""Heavy read-only work from a PostgreSQL streaming replica (``DATABASE_REPLICA_URL``).

Dashboards, drill-downs, reports and exports read a great deal and write nothing of
their own; with a replica they read it there and leave the primary to the workers'
saves. Everything else — every write, every read inside a transaction, every page not
marked — uses the primary. The rules:

- **Marked work only.** A view marked ``@heavy_reads`` (or code inside ``reads(...)``)
  may read from the replica; the decision is taken once when it begins, so one page
  never mixes the two servers.
- **Read-your-writes.** After a user's request that may have saved something (any
  unsafe method), the primary's WAL position is kept for that user in the shared cache
  (``ReplicaMiddleware``); until the replica has replayed past it, that user's heavy
  reads use the primary. Someone who saved a visit sees it on the next dashboard.
- **Down or lagging: the primary.** The replica's state (replayed position and lag
  against the primary) is checked at most every ``SHEGONG_REPLICA_CHECK_SECONDS``; one
  that does not answer is left alone for ``SHEGONG_REPLICA_RETRY_SECONDS``; one more
  than ``SHEGONG_REPLICA_MAX_LAG_SECONDS`` behind, or no longer in recovery (promoted),
  is not used.
- **Transactions stay whole.** A read inside ``transaction.atomic()`` on the primary
  stays on the primary: it must see what the transaction wrote.

Without ``DATABASE_REPLICA_URL`` there is no ``replica`` alias and all of this does
nothing. ``/healthz`` reports the same state (``state(fresh=True)``).
"""

import contextlib
import functools
import logging
import math
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

log = logging.getLogger(__name__)

ALIAS = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

_alias: ContextVar[str | None] = ContextVar("shegong_read_alias", default=None)
_heavy: ContextVar[bool] = ContextVar("shegong_heavy_reads", default=False)


def configured() -> bool:
    return ALIAS in settings.DATABASES


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def lsn_number(text: str | None) -> int:
    """``'16/B374D848'`` → an integer that orders as the WAL does."""
    if not text:
        return 0
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


@dataclass(frozen=True)
class State:
    ok: bool
    replayed: int = 0  # the replica's replayed WAL position
    lag_seconds: float = 0.0
    reason: str = ""  # why it is not used: "down", "lagging", "not a replica"
    checked: float = 0.0  # time.monotonic() of the check


_state: State | None = None


def _check() -> State:
    now = time.monotonic()
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_flush_lsn()::text")
            primary = lsn_number(cursor.fetchone()[0])
        with connections[ALIAS].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
                "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())"
            )
            recovering, replayed_text, since_last_replay = cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 (a replica that does not answer is not used)
        log.warning("read replica not used: %s", type(exc).__name__)
        connections[ALIAS].close()
        return State(ok=False, reason="down", checked=now)
    replayed = lsn_number(replayed_text)
    if not recovering:
        return State(ok=False, reason="not a replica", checked=now)
    # caught up with where the primary was a moment ago: no lag; else the time since it
    # last replayed a commit (an upper bound: it may have replayed part of what follows)
    lag = 0.0 if replayed >= primary else float(since_last_replay or math.inf)
    if lag > _setting("SHEGONG_REPLICA_MAX_LAG_SECONDS", 30):
        return State(ok=False, replayed=replayed, lag_seconds=lag, reason="lagging", checked=now)
    return State(ok=True, replayed=replayed, lag_seconds=lag, checked=now)


def state(*, fresh: bool = False) -> State | None:
    """The replica's state, checked again when older than the check interval (or, after
    a failure, the retry interval); ``None`` when no replica is configured."""
    global _state
    if not configured():
        return None
    if not fresh and _state is not None:
        age = time.monotonic() - _state.checked
        wait = (
            _setting("SHEGONG_REPLICA_RETRY_SECONDS", 10)
            if _state.reason == "down"
            else _setting("SHEGONG_REPLICA_CHECK_SECONDS", 1)
        )
        if age < wait:
            return _state
    _state = _check()
    return _state


def forget_state() -> None:
    """Check the replica again on the next read (after settings change, in tests)."""
    global _state
    _state = None


def _written_key(user_id) -> str:
    return f"shegong:replica:written:{user_id}"


def _remembered_seconds() -> int:
    """How long a user's last write position is kept: past the lag bound the replica has
    either replayed it or is not used anyway."""
    return int(_setting("SHEGONG_REPLICA_MAX_LAG_SECONDS", 30)) + 60


def remember_write(*, user_id) -> None:
    """Keep the primary's WAL position after this user's save: their heavy reads use the
    primary until the replica has replayed past it."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_flush_lsn()::text")
        position = lsn_number(cursor.fetchone()[0])
    cache.set(_written_key(user_id), position, _remembered_seconds())


def choose(*, user_id=None) -> str:
    """The alias heavy reads for this user should use now."""
    current = state()
    if current is None or not current.ok:
        return DEFAULT_DB_ALIAS
    if user_id is not None:
        written = cache.get(_written_key(user_id))
        if written is not None and current.replayed < written:
            return DEFAULT_DB_ALIAS  # the replica has not replayed their last save yet
    return ALIAS


@contextlib.contextmanager
def reads(*, user_id=None):
    """Heavy, read-only work inside this block reads from the replica when it may, and
    each of its statements is planned for its own parameters (``plan_each_time``)."""
    alias = choose(user_id=user_id) if configured() else DEFAULT_DB_ALIAS
    token, heavy = _alias.set(alias), _heavy.set(True)
    try:
        yield alias
    finally:
        _heavy.reset(heavy)
        _alias.reset(token)


def plan_each_time(execute, sql, params, many, context):
    """An execute wrapper on every PostgreSQL connection: inside ``reads()`` a statement
    is sent unprepared, so PostgreSQL plans it for its own parameters every time.

    psycopg prepares a statement the fifth time a connection runs it (settings,
    ``prepare_threshold``), and PostgreSQL may then keep one generic plan for it, made
    without the parameters. For a page's small queries that saves their planning; for
    an aggregate over "this region and below" it is a trap: a generic plan cannot see
    that a province's range holds 100,000 rows, takes it for two, and sorts them on disk
    (a province's budget for a year: 181 ms generic, 53 ms planned for its range)."""
    raw = context["connection"].connection
    threshold = getattr(raw, "prepare_threshold", None)
    if threshold is None or not _heavy.get():
        return execute(sql, params, many, context)
    raw.prepare_threshold = None
    try:
        return execute(sql, params, many, context)
    finally:
        raw.prepare_threshold = threshold


def install_planning(sender, connection, **kwargs):
    """``connection_created``: put ``plan_each_time`` on a new PostgreSQL connection."""
    if connection.vendor == "postgresql" and plan_each_time not in connection.execute_wrappers:
        connection.execute_wrappers.append(plan_each_time)


def heavy_reads(view):
    """Mark a view whose reads may come from the replica (a dashboard, a drill-down, a
    report). A template response is rendered inside, so its lazy queries count too."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        with reads(user_id=user_id):
            response = view(request, *args, **kwargs)
            if callable(getattr(response, "render", None)) and not response.is_rendered:
                response.render()
            return response

    return wrapped


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry: marked reads to the replica, everything else to the
    primary (explicitly: an object read from the replica is still saved to the primary)."""

    def db_for_read(self, model, **hints):
        alias = _alias.get()
        if alias and alias != DEFAULT_DB_ALIAS:
            if not connections[DEFAULT_DB_ALIAS].in_atomic_block:
                return alias
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both servers

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaMiddleware:
    """After a request that may have saved something, remember where the primary was, so
    the same user's next heavy read waits for the replica or uses the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and configured():
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                try:
                    remember_write(user_id=user.pk)
                except Exception:  # noqa: BLE001 (the save itself is done; log, go on)
                    log.exception("could not read the write position")
                    # not knowing where it was, send their heavy reads to the primary
                    cache.set(_written_key(user.pk), 1 << 64, _remembered_seconds())
        return response
