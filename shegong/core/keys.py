"""Production keys: the web server does not start without them."""

from django.conf import settings


def missing_production_keys() -> list[str]:
    """Names of the secrets a production deployment has not set (empty while debugging)."""
    if settings.SHEGONG_ALLOW_DERIVED_KEYS:
        return []
    missing = []
    if not settings.SECRET_KEY:
        missing.append("SHEGONG_SECRET_KEY")
    if not any(settings.SHEGONG_FIELD_KEYS):
        missing.append("SHEGONG_FIELD_KEYS")
    if not settings.SHEGONG_HASH_KEY:
        missing.append("SHEGONG_HASH_KEY")
    return missing


def require_production_keys() -> None:
    missing = missing_production_keys()
    if missing:
        raise RuntimeError(
            f"{', '.join(missing)} must be set in production (生产环境必须设置密钥); "
            "for local development set SHEGONG_DEBUG=1."
        )
