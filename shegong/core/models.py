from django.conf import settings
from django.db import models


class SubmittedForm(models.Model):
    """An idempotency key: a form submitted twice (double tap, flaky signal) saves once."""

    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.key
