"""Idempotency keys for forms and the API: one mechanism, exact.

A phone with poor signal retries a POST it never saw answered; a person taps "save" twice.
The first request claims its key in the same transaction as its write, so exactly one
write happens; any retry gets the first result back. A key is scoped to the user and to
the endpoint, so the same key sent by someone else, or to another endpoint, is a new
request and can never replay another record's id.
"""

import hashlib
import re

from django.db import IntegrityError, transaction

from .models import SubmittedForm

MAX_KEY_LENGTH = 64
# printable ASCII without spaces: what a UUID, a ULID or a client's own token is made of
KEY_RE = re.compile(r"[\x21-\x7e]{1,64}\Z")


class InvalidKey(ValueError):
    """The key is longer than 64 characters, or has characters other than printable ASCII."""


class InProgress(Exception):
    """The same key's first request has not finished: the client should retry later."""


def check_key(key: str) -> str:
    if key and not KEY_RE.match(key):
        raise InvalidKey(key)
    return key


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def previous(*, user, scope: str, key: str) -> SubmittedForm | None:
    """The finished first request with this key, if any; InProgress if it is still running."""
    if not key:
        return None
    done = SubmittedForm.objects.filter(user=user, scope=scope, key=key).first()
    if done is not None and not done.url:
        raise InProgress(key)
    return done


def run_once(*, user, scope: str, key: str, write, result_url, digest: str = ""):
    """``write()`` inside a transaction that also claims the key; returns (obj, None), or
    (None, the first request's record) when another request with the key won the race."""
    try:
        with transaction.atomic():
            claim = (
                SubmittedForm.objects.create(user=user, scope=scope, key=key, body_hash=digest)
                if key
                else None
            )
            obj = write()
            if claim is not None:
                claim.url = result_url(obj)
                claim.save(update_fields=["url"])
            return obj, None
    except IntegrityError:
        if not key:
            raise
        done = previous(user=user, scope=scope, key=key)
        if done is None:
            raise
        return None, done
