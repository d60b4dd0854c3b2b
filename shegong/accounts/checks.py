from django.core.checks import Error, Tags, register

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
