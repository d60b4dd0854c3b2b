import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shegong.audit.models import RETENTION_DAYS, AuditEntry
from shegong.audit.services import audit_log


class Command(BaseCommand):
    help = "Delete audit entries older than N days (N ≥ 180). 清理超过保存期限的审计日志。"

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, default=365)

    def handle(self, *args, **opts):
        days = opts["older_than_days"]
        if days < RETENTION_DAYS:
            raise CommandError(
                f"审计日志至少保存 {RETENTION_DAYS} 天 (keep at least {RETENTION_DAYS} days); got {days}"
            )
        cutoff = timezone.now() - datetime.timedelta(days=days)
        # A queryset delete goes straight to SQL; the database trigger still guards recent rows.
        deleted, _ = AuditEntry.objects.filter(at__lt=cutoff)._raw_delete(AuditEntry.objects.db), 0

        audit_log(action="shegong.audit.purged", data={"older_than_days": days, "deleted": deleted})
        self.stdout.write(f"deleted {deleted} audit entries older than {cutoff:%Y-%m-%d}")
