"""Model instances read from the database, built without ``Model.__init__``.

Django builds every row of a queryset with ``cls(*values)``: ``__init__`` sends
``pre_init`` and ``post_init``, walks every concrete field and sets each value through
``setattr`` (a foreign key's ``_id`` through its descriptor), and for a row read with
``only()``/``defer()`` first pads the values with a marker per missing field, testing each
field's name against a list. A list page of 50 visits, each with its region, person,
household and household head joined, builds 250 instances that way: about a sixth of the
page's work under the profiler, and 31 % of the CPU of its read (bench/instances.py).

``install`` (CoreConfig.ready) gives every model whose ``__init__`` and ``from_db`` are
Django's own a ``from_db`` that makes the same instance directly: a new object, its
``_state`` (not adding, read from ``db``) and its fetched values in ``__dict__`` under
their attribute names. A field not fetched is not in ``__dict__``, so reading it loads it,
as Django's deferred fields do. Setting a value through a foreign key's descriptor only
differs from writing it by dropping a cached related object, which a new instance has
not got; no field of this project or its libraries sets a value any other way.

Django's own path is kept wherever it could differ: a model with a receiver of
``pre_init`` or ``post_init`` (an image field with dimension fields, say) is built by
Django, checked on every row, so a receiver connected later is honoured.
``SHEGONG_FAST_ROWS = False`` turns this off; with ``SHEGONG_FAST_ROWS_VERIFY`` (on for
the test suite) each row is also built Django's way and must come out the same.
"""

from django.conf import settings
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

_django_from_db = Model.__dict__["from_db"].__func__


def install(models) -> None:
    """Point the ``from_db`` of each of ``models`` that builds rows Django's way at
    ``from_db`` below (or at the checking version, with ``SHEGONG_FAST_ROWS_VERIFY``)."""
    if not getattr(settings, "SHEGONG_FAST_ROWS", True):
        return
    fast = _checked_from_db if getattr(settings, "SHEGONG_FAST_ROWS_VERIFY", False) else from_db
    for model in models:
        if model.__init__ is Model.__init__ and model.from_db.__func__ is _django_from_db:
            model.from_db = classmethod(fast)


def from_db(cls, db, field_names, values):
    """The instance Django's ``Model.from_db`` returns, made without ``__init__``.
    ``field_names`` are the attribute names of ``values``, in their order (every caller in
    Django passes them so)."""
    if pre_init.has_listeners(cls) or post_init.has_listeners(cls):
        return _django_from_db(cls, db, field_names, values)
    new = cls.__new__(cls)
    state = ModelState()
    state.adding = False
    state.db = db
    attrs = new.__dict__
    attrs["_state"] = state
    attrs.update(zip(field_names, values, strict=True))
    return new


class RowMismatch(AssertionError):
    pass


def _checked_from_db(cls, db, field_names, values):
    """``from_db``, compared with Django's: the same attributes, values and state."""
    if pre_init.has_listeners(cls) or post_init.has_listeners(cls):
        return _django_from_db(cls, db, field_names, values)  # Django's, once
    made = from_db(cls, db, field_names, values)
    django = _django_from_db(cls, db, field_names, values)
    ours, theirs = dict(made.__dict__), dict(django.__dict__)
    states = [_state(ours.pop("_state")), _state(theirs.pop("_state"))]
    if (
        ours != theirs
        or [type(v) for v in ours.values()] != [type(theirs.get(k)) for k in ours]
        or states[0] != states[1]
    ):
        raise RowMismatch(
            f"{cls.__name__} built from {list(field_names)}: {made.__dict__} "
            f"!= Django's {django.__dict__}"
        )
    return made


def _state(state: ModelState) -> dict:
    """A row's state as compared: Django's ``__init__`` makes the related-object cache
    (empty) as it sets a foreign key; ours is made when first used."""
    return {k: v for k, v in state.__dict__.items() if not (k == "fields_cache" and not v)}
