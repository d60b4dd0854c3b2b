from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from shegong.core.keys import missing_production_keys


@register(Tags.security, deploy=True)
def production_keys_set(app_configs, **kwargs):

    missing = missing_production_keys()
    if not missing:
        return []
    return [
        Error(
            f"Not set: {', '.join(missing)} (未设置生产密钥)",
            hint="See docs/security.md, 'Key custody'.",
            id="shegong.E002",
        )
    ]


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    """Production runs several processes: the login throttle and the cache must be shared."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend.endswith("LocMemCache"):
        return [
            Warning(
                "The cache is each process's own memory: with several processes the login "
                "throttle allows each its own ceiling (缓存未共享).",
                hint="Set SHEGONG_REDIS_URL (docs/operations.md, 'Shared state').",
                id="shegong.W010",
            )
        ]
    return []
