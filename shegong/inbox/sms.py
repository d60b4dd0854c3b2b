"""Text messages (短信) behind a pluggable backend.

``SHEGONG_SMS_BACKEND`` names a class; empty turns text messages off. The default,
``ConsoleBackend``, writes each message to the log (logger ``shegong.sms``) with the
number masked: nothing leaves the machine until a provider's adapter is configured.

An adapter for a provider (a carrier's gateway, or a cloud SMS service reached from
inside the network) is a class with one method::

    class ProviderBackend:
        def __init__(self, **options): ...            # SHEGONG_SMS_OPTIONS, e.g. keys
        def send(self, *, phone: str, text: str) -> None:
            ...   # deliver one message; raise SmsError when the provider refuses

It is called from a background task (``inbox.tasks.send_text``), never inside a web
request, so a slow provider never slows a page; a failure is logged and the task fails
(the task runner records it), and the business record it is about is already saved.
Messages are at most 300 characters and carry no personal data but the tracking code.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from shegong.core.crypto import mask_phone

log = logging.getLogger("shegong.sms")
MAX_TEXT = 300


class SmsError(Exception):
    """The provider refused or could not be reached."""


class ConsoleBackend:
    """Writes each message to the log, the number masked (the default)."""

    def __init__(self, **options):
        self.options = options

    def send(self, *, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", mask_phone(phone), text)


class MemoryBackend:
    """Keeps messages in ``MemoryBackend.outbox`` (for tests, like Django's locmem mail)."""

    outbox: list[tuple[str, str]] = []

    def __init__(self, **options):
        self.options = options

    def send(self, *, phone: str, text: str) -> None:
        MemoryBackend.outbox.append((phone, text))


def backend():
    """The configured backend, or None when text messages are off."""
    path = getattr(settings, "SHEGONG_SMS_BACKEND", "")
    if not path:
        return None
    return import_string(path)(**getattr(settings, "SHEGONG_SMS_OPTIONS", {}))


def enabled() -> bool:
    return bool(getattr(settings, "SHEGONG_SMS_BACKEND", ""))
