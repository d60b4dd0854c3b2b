"""Password rules of GB/T 22239 level 3: complexity, no reuse, expiry (messages in Chinese)."""

import datetime

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import PasswordHistory
from .roles import ADMIN_ROLES, OFFICER_ROLES

HISTORY = 5


class ComplexityValidator:
    """At least 8 characters with at least three of: upper case, lower case, digit, symbol."""

    def validate(self, password, user=None):
        classes = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if len(password) < 8 or sum(classes) < 3:
            raise ValidationError(
                _(
                    "A password needs at least 8 characters and three of: capital letters, small "
                    "letters, digits, symbols."
                ),
                code="password_complexity",
            )

    def get_help_text(self):
        return _(
            "At least 8 characters, with three of: capital letters, small letters, digits, symbols."
        )


class HistoryValidator:
    """Not one of the user's last five passwords (nor the current one)."""

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return

        hashes = [user.password] + list(
            PasswordHistory.objects.filter(user=user)
            .order_by("-created_at")
            .values_list("password", flat=True)[:HISTORY]
        )
        if any(h and check_password(password, h) for h in hashes):
            raise ValidationError(
                _("This password was used recently; choose one not among your last %(n)s.")
                % {"n": HISTORY},
                code="password_reused",
            )

    def get_help_text(self):
        return _("Not one of your last %(n)s passwords.") % {"n": HISTORY}


def password_expired(user) -> bool:
    """Officers and administrators change their password every 90 days (configurable)."""

    if user.role not in OFFICER_ROLES and user.role not in ADMIN_ROLES:
        return False
    changed = user.password_changed_at or user.date_joined
    return changed < timezone.now() - datetime.timedelta(
        days=settings.SHEGONG_PASSWORD_MAX_AGE_DAYS
    )
