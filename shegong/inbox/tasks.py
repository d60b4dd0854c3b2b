"""Background delivery (Django Tasks API): inbox rows and text messages are written by
the task runner, not by the request that caused them. With the database backend the
task is enqueued inside the caller's transaction, so a write that rolls back sends
nothing."""

from django_tasks import task

from shegong.core.crypto import decrypt

from . import sms
from .models import Notification


@task()
def deliver(
    user_ids: list[int], event: str, subject: str, url: str = "", note: str = "", key: str = ""
) -> int:
    """One notification per user (once per ``key``, when given); returns how many."""
    rows = [
        Notification(
            recipient_id=uid,
            event=event,
            subject=subject[:200],
            url=url[:300],
            note=note[:300],
            key=key[:100],
        )
        for uid in dict.fromkeys(user_ids)
    ]
    if key:
        seen = set(
            Notification.objects.filter(recipient_id__in=user_ids, key=key[:100]).values_list(
                "recipient_id", flat=True
            )
        )
        rows = [r for r in rows if r.recipient_id not in seen]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@task()
def send_text(sealed_phone: str, text: str) -> None:
    """One text message through the configured backend (see ``inbox.sms``). The number
    travels encrypted (the task's arguments are stored in the task table)."""
    backend = sms.backend()
    if backend is None:
        return
    try:
        backend.send(phone=decrypt(sealed_phone), text=text[: sms.MAX_TEXT])
    except sms.SmsError:
        sms.log.warning("SMS not sent", exc_info=True)
        raise
