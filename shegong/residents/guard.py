"""Keeping the public form for residents: a sum to solve (no outside captcha: these networks
are closed), a field only robots fill in, and limits per address and per phone.

The sum travels signed (``django.core.signing``) with its time, so the server keeps no
state for it and an answer cannot be reused after ``CHALLENGE_SECONDS``; the limits are
counters in the cache (``SHEGONG_REQUEST_LIMITS``).
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache

SALT = "shegong.residents.challenge"
CHALLENGE_SECONDS = 30 * 60
HONEYPOT = "website"  # hidden from people by CSS; a robot fills it in


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def new_challenge() -> Challenge:
    """A small sum, and the signed token that carries its answer."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = signing.dumps({"a": a + b, "n": secrets.token_hex(4)}, salt=SALT)
    return Challenge(question=f"{a} + {b} = ?", token=token)


def challenge_passed(token: str, answer: str) -> bool:
    """Whether ``answer`` solves the sum of ``token`` (signed by us, not too old)."""
    try:
        expected = signing.loads(token or "", salt=SALT, max_age=CHALLENGE_SECONDS)["a"]
    except (signing.BadSignature, KeyError, TypeError):
        return False
    text = (answer or "").strip()
    return text.isascii() and text.isdigit() and len(text) <= 3 and int(text) == expected


def _limits() -> dict:
    return {
        "address": (5, 3600),  # requests per address per hour
        "phone": (3, 86400),  # per phone per day
        "track": (30, 3600),  # tracking look-ups per address per hour
        **getattr(settings, "SHEGONG_REQUEST_LIMITS", {}),
    }


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]
    return f"residents:limit:{kind}:{digest}"


def over_limit(kind: str, value: str) -> bool:
    """Whether ``value`` (an address, a phone) has used up its allowance of ``kind``."""
    allowed, _seconds = _limits()[kind]
    return (cache.get(_key(kind, value)) or 0) >= allowed


def count(kind: str, value: str) -> None:
    """One more use of ``kind`` by ``value``."""
    _allowed, seconds = _limits()[kind]
    key = _key(kind, value)
    if cache.add(key, 1, seconds):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired in between
        cache.add(key, 1, seconds)
