"""The change feed a phone refreshes its offline working set from (``core.models.Change``).

Each app says which of its models a phone keeps, in its ``AppConfig.ready()``:

    changes.track(HomeVisit, kind="visit")                      # region from region_id
    changes.track(GroupSession, kind="session", region=lambda s: s.group.region_id)

and every save (and delete) of such a row appends one ``Change`` in the same transaction.
Bulk loads (the demo, an import) write none: a phone's first download is the whole working
set, with the cursor at the newest change.
"""

from collections.abc import Callable

from django.db.models import Max
from django.db.models.signals import post_delete, post_save

from .divisions import in_subtree
from .models import Change

_TRACKED: dict[type, tuple[str, Callable, Callable]] = {}


def track(
    model,
    *,
    kind: str,
    region: Callable = lambda obj: obj.region_id,
    key: Callable = lambda obj: obj.pk,
) -> None:
    """Append a ``Change`` (``kind``, ``key(obj)``, ``region(obj)``) on every save and
    delete of ``model``; registering again replaces (reloads stay idempotent)."""
    _TRACKED[model] = (kind, region, key)
    uid = f"shegong.changes.{model._meta.label}"
    post_save.connect(_noted, sender=model, dispatch_uid=uid, weak=False)
    post_delete.connect(_noted, sender=model, dispatch_uid=uid + ".delete", weak=False)


def _noted(sender, instance, **kwargs) -> None:
    kind, region, key = _TRACKED[sender]
    code = region(instance) or ""
    if code:
        Change.objects.create(region_code=code[:12], kind=kind, object_id=key(instance))


def latest() -> int:
    """The newest cursor (0 when nothing has changed yet)."""
    return Change.objects.aggregate(m=Max("id"))["m"] or 0


def since(*, code: str, cursor: int, limit: int) -> list[Change]:
    """The changes in region ``code`` (and below) after ``cursor``, oldest first, at most
    ``limit``: one index range per village of the township."""
    return list(
        Change.objects.filter(in_subtree("region_code", code), id__gt=cursor).order_by("id")[:limit]
    )
