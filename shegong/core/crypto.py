"""Encryption at rest for sensitive personal fields, keyed hashes, and masking.

Keys come from the environment:
  SHEGONG_FIELD_KEYS  comma-separated Fernet keys (urlsafe base64, 32 bytes); the first
                      encrypts, all decrypt, so a new key is added in front and
                      ``manage.py rotate_field_keys`` re-encrypts every row with it.
  SHEGONG_HASH_KEY    secret for the keyed hash (HMAC-SHA256) used for lookups and
                      duplicate checks of ID numbers; never rotated without a rehash.
In development and tests (SHEGONG_DEBUG / SHEGONG_INSECURE_DEV_KEY) both are derived from
the secret key; a production start without them fails.
"""

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _derived(label: str) -> bytes:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{label}".encode()).digest()


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def field_keys() -> tuple[str, ...]:
    keys = tuple(k for k in settings.SHEGONG_FIELD_KEYS if k)
    if keys:
        return keys
    if settings.SHEGONG_ALLOW_DERIVED_KEYS:
        return (base64.urlsafe_b64encode(_derived("field-encryption")).decode(),)
    raise ImproperlyConfigured("SHEGONG_FIELD_KEYS is not set (设置字段加密密钥)")


def encrypt(text: str) -> str:
    if not text:
        return ""
    return _fernet(field_keys()).encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(field_keys()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An encrypted field cannot be read with the configured SHEGONG_FIELD_KEYS"
        ) from exc


def reencrypt(token: str) -> str:
    """The same plaintext under the current (first) key."""
    if not token:
        return ""
    return _fernet(field_keys()).rotate(token.encode()).decode()


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 hex of ``value``: equal inputs match, the input cannot be recovered."""
    key = settings.SHEGONG_HASH_KEY.encode() if settings.SHEGONG_HASH_KEY else None
    if key is None:
        if not settings.SHEGONG_ALLOW_DERIVED_KEYS:
            raise ImproperlyConfigured("SHEGONG_HASH_KEY is not set (设置检索哈希密钥)")
        key = _derived("lookup-hash")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """430102********1234"""
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678"""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """张伟华 -> 张**: a person's name in a de-identified list (the surname only)."""
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)


def mask_text(value: str) -> str:
    return "******" if value else ""
