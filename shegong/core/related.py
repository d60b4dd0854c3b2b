"""Writing a record's many-to-many and keeping what was written, so that the writes that
follow in the same service (its facts, most of all) read it without asking again."""

from collections.abc import Iterable

from django.db import models


def set_related(obj: models.Model, name: str, rows: Iterable, *, new: bool) -> None:
    """Set ``obj``'s many-to-many ``name`` to ``rows`` (model instances) and keep them as
    its prefetched value, as ``prefetch_related`` would have: ``getattr(obj, name).all()``
    then answers from memory.

    ``new``: ``obj`` was created in this transaction, so it has no links yet: they are
    inserted at once (``add``) rather than read first to compute a difference (``set``)."""
    rows = list(rows)
    manager = getattr(obj, name)
    if new:
        manager.add(*rows)
    else:
        manager.set(rows)
    # as prefetch_related_objects stores a prefetched relation (django.db.models.query,
    # prefetch_one_level): a queryset whose result is already there
    queryset = manager.get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    if not hasattr(obj, "_prefetched_objects_cache"):
        obj._prefetched_objects_cache = {}
    obj._prefetched_objects_cache[manager.prefetch_cache_name] = queryset
