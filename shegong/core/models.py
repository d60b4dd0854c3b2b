from django.conf import settings
from django.db import models


class Versioned(models.Model):
    """A record people edit: ``version`` goes up by one with every saved edit.

    An edit form carries the version it was opened at; saving claims the next version with
    a conditional UPDATE (``core.forms.claim_version``), so of two people editing the same
    record the second is told what changed instead of silently overwriting the first.
    """

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class SubmittedForm(models.Model):
    """An idempotency key: a form submitted twice (double tap, flaky signal) saves once.

    A key belongs to one user and one endpoint (``scope``: the form's path, or the API
    method and path), so the same key elsewhere, or another user's, is a new request.
    """

    key = models.CharField(max_length=64)
    scope = models.CharField(max_length=200, default="")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=300, blank=True)
    # the API body's SHA-256: the same key with another body is a client error, not a replay
    body_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="submitted_form_once")
        ]

    def __str__(self) -> str:
        return self.key


class Voidable(models.Model):
    """A record that is corrected by voiding (作废), never by deleting: a voided record keeps
    its row, leaves the figures (its facts are removed), and stays visible, marked, with who
    voided it, when and why (``indicators.corrections.void``)."""

    voided_at = models.DateTimeField(null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    void_reason = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def voided(self) -> bool:
        return self.voided_at is not None


class Change(models.Model):
    """One write of a record a phone keeps offline: the feed "changes since" reads.

    Its ``id`` is the cursor: a phone that holds cursor N asks for the changes after N in
    its township (``region_code`` is the record's village or township code, so a station's
    changes are a prefix range). Written by ``core.changes.track`` on every save of a
    tracked model, in the save's transaction; it says only which record changed, never what
    it holds (the feed reads the record itself, through the caller's restriction).
    """

    region_code = models.CharField(max_length=12)
    kind = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["region_code", "id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
