"""An import job: a file brought in from Excel or CSV, checked in the background (a dry
run), previewed, then committed all-or-nothing (or only its valid rows, when the importer
chooses). The job is the import's report: who, when, which file (name and SHA-256), what
each run counted, and the first problems, line by line. The uploaded file itself is
deleted after ``SHEGONG_IMPORT_KEEP_DAYS``; the report stays."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shegong.accounts.roles import OFFICER_ROLES, STATION_ROLES
from shegong.core.fields import EncryptedTextField
from shegong.core.restrict import RestrictedQuerySet, scope_q
from shegong.regions.models import Region

# the first problems a job keeps (the error workbook re-reads the file for the rest)
MAX_PROBLEMS = 500


def _upload_path(instance, filename: str) -> str:
    return f"imports/{uuid.uuid4().hex}.bin"


def _staged_path(instance, filename: str) -> str:
    return f"imports/{uuid.uuid4().hex}.staged.gz"


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        PEOPLE = "people", _("Service recipients")
        VOLUNTEERS = "volunteers", _("Volunteers")
        WORKERS = "workers", _("Station staff accounts")

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        COMMITTING = "committing", _("Importing")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Not imported")
        FAILED = "failed", _("Failed")

    class Existing(models.TextChoices):
        UPDATE = "update", _("Update the allowed fields")
        SKIP = "skip", _("Skip the row")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file = models.FileField(upload_to=_upload_path, blank=True)
    file_name = models.CharField(_("file name"), max_length=200)
    file_sha256 = models.CharField(_("SHA-256"), max_length=64)
    file_size = models.PositiveBigIntegerField(_("size (bytes)"))
    file_deleted_at = models.DateTimeField(_("file deleted at"), null=True, blank=True)
    # what the dry run found, row by row, prepared for the commit (JSON lines, gzipped;
    # the values as the table stores them, sensitive fields encrypted); deleted by the
    # commit, and with the file
    staged = models.FileField(upload_to=_staged_path, blank=True)
    on_existing = models.CharField(
        _("a person already registered"),
        max_length=8,
        choices=Existing.choices,
        default=Existing.UPDATE,
    )
    valid_only = models.BooleanField(_("import only the valid rows"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.CHECKING
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    # what the dry run found, and what the commit did: {"new": n, "updated": n, ...}
    checked = models.JSONField(_("checked"), default=dict, blank=True)
    committed = models.JSONField(_("imported"), default=dict, blank=True)
    # the first problems: [[line, header, message], ...]
    problems = models.JSONField(default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    # the dry run's invalid rows as a workbook, each bad cell marked
    error_book = models.BinaryField(null=True, blank=True)
    # a staff import's new accounts and their initial passwords (a line each, fields
    # separated by tabs), encrypted, until the importer downloads them once
    passwords = EncryptedTextField(blank=True, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["region", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.COMMITTING)

    @property
    def invalid(self) -> int:
        return int(self.checked.get("invalid", 0))

    @classmethod
    def restrict_q(cls, user, action: str):
        """The importer's own jobs; station staff and officers see the imports into their
        area (their reports), and only the importer commits."""
        mine = Q(created_by=user)
        if action == "view" and (user.role in STATION_ROLES or user.role in OFFICER_ROLES):
            return mine | scope_q(user, "region_id")
        return mine
