"""The one restriction mechanism (in the style of NetBox's ``restrict(user, action)``).

Every list, detail, export and API call reads through ``Model.objects.restrict(user, action)``.
Each restricted model answers ``restrict_q(user, action)`` with a ``Q`` (rows allowed) or
``None`` (nothing). The scope is always the user's region code as a prefix range, so
"this region and below" is an index range scan. Callers fetching one object use
``get_restricted_or_404`` so that "missing" and "not yours" look the same: 404.
"""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import F, Q
from django.http import Http404

from shegong.core.divisions import in_subtree
from shegong.core.fields import EncryptedTextField
from shegong.core.sqlcache import PLAIN_VALUES, keep

# "view_masked": rows a user may read de-identified (names masked, free text left out),
# which is how evaluators and agencies read station work
ACTIONS = ("view", "view_masked", "add", "change", "delete", "reveal", "approve")


def scope_q(user, field: str, *, admin_everything: bool = False) -> Q:
    """Rows whose division code ``field`` lies in the user's scope region and below.

    A user without a scope region sees nothing, unless ``admin_everything`` is set and the
    user is one of the three administrators, whose unscoped account means nationwide.
    """
    code = user.scope_code
    if code is None:
        if admin_everything and user.sees_whole_country:
            return Q()
        return Q(pk__in=[])
    return in_subtree(field, code)


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view") -> "RestrictedQuerySet":
        """Only the rows ``user`` may ``action``; an anonymous or inactive user gets none."""
        q = allowed_q(self.model, user, action)
        return self.none() if q is None else self.filter(q)

    @classmethod
    def as_manager(cls):
        """A manager whose ``restrict`` builds each restriction once (``RestrictedManager``)."""
        manager = RestrictedManager.from_queryset(cls)()
        manager._built_with_as_manager = True
        return manager

    as_manager.queryset_only = True

    def without_secrets(self, *, keep: tuple[str, ...] = ()) -> "RestrictedQuerySet":
        """The same rows with every encrypted field left unread: the model's own and those
        of each relation joined by ``select_related``. For lists and exports that show none
        of them (a visit's person is listed by name): each encrypted value read costs a
        decryption (~270 on a page of visits), and a value never read is never in memory.
        Reading a left-out field afterwards costs a query per row, which the list's query
        pin catches. ``keep``: paths still read (the people list masks ID number and phone)."""
        paths = secret_paths(self.model, self.query.select_related)
        return self.defer(*[p for p in paths if p not in keep])


# ----- the restriction built once per process ---------------------------------------------
#
# ``Model.objects.restrict(user)`` starts every list, detail, count and export. Django builds
# the restriction's ``Q`` into the query anew each time (resolving each lookup's field path
# and joins): 60–120 µs, and a page restricts three to seven times. The same ``Q`` on the
# same model always builds the same query, and most ``Q``s repeat — every officer of a
# county has the same one, and a worker's is the same on every request. So the manager
# keeps the restricted query set for each (query set class, model, database, ``Q``), and
# hands out a copy of it (``_chain``, ~4 µs), as any further ``filter()`` would make.
#
# Only the model's own managers keep them (a related manager's query set holds its row).
# Only a ``Q`` made of plain values is kept (text, numbers, dates, ids, model rows by their
# id, ``F``), each told apart by its type as well (``1`` and ``True`` are equal in Python
# and are not one restriction). A ``Q`` holding a subquery (``Exists``) is built each time,
# as before: its identity would be the subquery object itself.

KEPT_LIMIT = 2000  # restricted query sets kept per process; the oldest goes first
_kept: dict = {}


class _NotPlain(Exception):
    pass


def _plain(value):
    """``value`` as a hashable key that tells types apart, or ``_NotPlain``."""
    kind = type(value)
    if kind in PLAIN_VALUES:
        return (kind, value)
    if kind in (list, tuple):
        return (kind, tuple(_plain(v) for v in value))
    if kind in (set, frozenset):
        return (kind, frozenset(_plain(v) for v in value))
    if kind is F:
        return (F, value.name)
    if isinstance(value, Q):
        return (
            kind,
            value.connector,
            value.negated,
            tuple(
                (child[0], _plain(child[1])) if type(child) is tuple else _plain(child)
                for child in value.children
            ),
        )
    if isinstance(value, models.Model) and value.pk is not None:
        return (value._meta.concrete_model._meta.label, _plain(value.pk))
    raise _NotPlain


def restriction_key(q: Q):
    """The key ``q`` is kept under, or None when it holds more than plain values."""
    try:
        return _plain(q)
    except _NotPlain:
        return None


class RestrictedManager(models.Manager):
    """``restrict`` from a manager: the restricted query set built once per ``Q``."""

    def restrict(self, user, action: str = "view"):
        """Only the rows ``user`` may ``action`` (``RestrictedQuerySet.restrict``)."""
        q = allowed_q(self.model, user, action)
        if q is None:
            return self.get_queryset().none()
        # only a model's own manager (``Model.objects``) starts from every row: a related
        # manager (``station.staff``) or a ``db_manager`` copy narrows or routes its query set
        # by what it holds, so it builds its restriction each time
        own = any(m is self for m in self.model._meta.managers)
        key = restriction_key(q) if own else None
        if key is None:
            return self.get_queryset().filter(q)
        key = (self._queryset_class, self.model, self._db, key)
        base = _kept.get(key)
        if base is None:
            base = self.get_queryset().filter(q)
            keep(_kept, key, base, KEPT_LIMIT)
        return base._chain()


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def allowed_q(model, user, action: str):
    """The rows of ``model`` that ``user`` may ``action``, as a ``Q``, or None (none): the
    one answer ``restrict``, ``get_restricted_or_404`` and ``can`` filter by."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return model.restrict_q(user, action) if _active(user) else None


def get_restricted_or_404(queryset, user, action: str = "view", **lookup):
    """One object the user may ``action``, else 404 (never 403: existence is not leaked).
    The object remembers the restriction it was read through, for ``can``."""
    q = allowed_q(queryset.model, user, action)
    if q is None:
        raise Http404
    try:
        obj = queryset.filter(q).get(**lookup)  # what ``restrict(user, action)`` reads
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    obj._shegong_read_through = (user.pk, q)
    return obj


def can(user, obj, action: str) -> bool:
    """Whether ``user`` may ``action`` this (already visible) object.

    An object ``get_restricted_or_404`` has just read for ``user`` through the very rows
    ``action`` allows (the same ``Q``: a worker changes and reveals the people their view
    shows) is known to be among them: no query. Otherwise (another ``Q``, or a ``Q``
    holding a subquery, which compares by identity) the database is asked."""
    q = allowed_q(type(obj), user, action)
    if q is None:
        return False
    read = getattr(obj, "_shegong_read_through", None)
    if read is not None and read[0] == user.pk and read[1] == q:
        return True
    return type(obj).objects.filter(q).filter(pk=obj.pk).exists()


def may_add(user, model) -> bool:
    """Whether the policy lets ``user`` add ``model`` rows anywhere (there is no row yet)."""
    return allowed_q(model, user, "add") is not None


def require_may_save(user, model, instance, *, add_refused, change_refused) -> None:
    """PermissionDenied unless ``user`` may add a ``model`` row (``instance`` None) or change
    ``instance``: the first check of every create-or-edit service."""
    if instance is None and not may_add(user, model):
        raise PermissionDenied(add_refused)
    if instance is not None and not can(user, instance, "change"):
        raise PermissionDenied(change_refused)


def secret_paths(model, related, prefix: str = "") -> list[str]:
    """``defer()`` paths of the encrypted fields of ``model`` and of the relations in
    ``related`` (``Query.select_related``: a nested dict, or ``True``/``False``)."""
    paths = [
        prefix + f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
    ]
    if isinstance(related, dict):
        for name, below in related.items():
            target = model._meta.get_field(name).related_model
            paths += secret_paths(target, below, f"{prefix}{name}__")
    return paths
