"""The logged-in user read from the shared cache, not from the database on every request.

Every request of a logged-in user loads the user with their scope region and station
(``backends.ShegongBackend.get_user``): one query with two joins and three model objects,
about a fifteenth of a page's CPU under load (bench/results.md). With Redis as the shared
cache (``SHEGONG_REDIS_URL``) the loaded user is kept there for
``SHEGONG_USER_CACHE_SECONDS`` (60 by default) and forgotten the moment it changes:

* a user saved or deleted (``post_save``/``post_delete``): role, scope, station, password
  (the session's hash is checked against the cached password), ``is_active``;
* users updated through a query set (``UserQuerySet.update``, used by ``bulk_update`` too);
* a station or region saved or deleted: the users whose station or scope region it is
  (``watch``).

Each is forgotten at once and again when the transaction commits, so a request that read
the old row while the change was being written does not put it back for long. The rest —
a change made outside Django (SQL by hand, a restore) — is seen within the minute.

Only a shared cache is used: with each process's own memory (no Redis) a change made in
one process would not reach the others, so the setting is 0 there and every request reads
the database, as before. A cache that cannot be reached is not an error: the user is read
from the database.
"""

from django.conf import settings

from shegong.core import sharedcache


def _key(pk) -> str:
    return f"auth:user:{pk}"


def _seconds() -> int:
    return getattr(settings, "SHEGONG_USER_CACHE_SECONDS", 0)


def cached_user(pk, load):
    """The user ``pk`` from the cache, or ``load()`` (None: no such user), kept for next
    time."""
    return sharedcache.read(_key(pk), load, _seconds())


def forget(pks) -> None:
    """Drop these users from the cache, now and again when the transaction commits."""
    if _seconds():
        sharedcache.forget(_key(pk) for pk in pks)


def watch(model, *, field: str) -> None:
    """Forget the users whose ``field`` (a foreign key loaded with them) is a row of
    ``model`` when that row is saved or deleted: called by the app that owns ``model``
    in its ``ready()`` (the stations app for ``Station``), as ``core.changes.track`` is."""
    from django.db.models.signals import post_delete, post_save

    from .models import User

    def changed(sender, instance, **kwargs):
        if _seconds():
            forget(User.objects.filter(**{field: instance.pk}).values_list("pk", flat=True))

    uid = f"shegong.usercache.{model._meta.label}"
    post_save.connect(changed, sender=model, dispatch_uid=uid, weak=False)
    post_delete.connect(changed, sender=model, dispatch_uid=uid + ".delete", weak=False)


def connect() -> None:
    """Forget a user when saved or deleted, and the users of a scope region when it is
    (``AccountsConfig.ready``; stations watch their own model)."""
    from django.db.models.signals import post_delete, post_save

    from shegong.regions.models import Region

    from .models import User

    def user_changed(sender, instance, **kwargs):
        forget([instance.pk])

    post_save.connect(user_changed, sender=User, weak=False, dispatch_uid="shegong.usercache")
    post_delete.connect(
        user_changed, sender=User, weak=False, dispatch_uid="shegong.usercache.delete"
    )
    watch(Region, field="scope_region")
