"""Personal API tokens: made and revoked by their user, shown once, kept as a digest.

``token_make`` and ``token_revoke`` are the services (audited); ``user_for`` is what the
API's bearer authentication asks (``shegong.api.TokenAuth``).
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.audit.services import audit_log

from .models import ApiToken, User

PREFIX = "sg_"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# how often a token's last use is written (not on every request)
TOUCH_EVERY = datetime.timedelta(minutes=5)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class TokenInput:
    """A token as asked for: a name to tell it apart, its scope, and how many days it lasts
    (at most ``SHEGONG_API_TOKEN_MAX_DAYS``)."""

    name: str
    scope: str
    days: int


@transaction.atomic
def token_make(
    *, by: User, data: TokenInput, request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """Make a token for ``by`` and return it with its secret: the only time the secret
    exists outside the caller's hands. Audited (``shegong.token.created``), without it."""
    if not by.is_active:
        raise PermissionDenied
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = _("Name the token (what system will use it).")
    if data.scope not in ApiToken.Scope.values:
        errors["scope"] = _("Choose read only, or read and write.")
    longest = settings.SHEGONG_API_TOKEN_MAX_DAYS
    if not 1 <= (data.days or 0) <= longest:
        errors["days"] = _("Between 1 and %(n)s days.") % {"n": longest}
    if errors:
        raise ValidationError(errors)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=by,
        name=name[:64],
        prefix=secret[:10],
        digest=digest(secret),
        scope=data.scope,
        expires_at=timezone.now() + datetime.timedelta(days=data.days),
    )
    audit_log(
        action="shegong.token.created",
        actor=by,
        request=request,
        obj=token,
        data={
            "name": token.name,
            "scope": token.get_scope_display(),
            "expires": f"{token.expires_at:%Y-%m-%d}",
        },
    )
    return token, secret


@transaction.atomic
def token_revoke(*, by: User, token: ApiToken, request: HttpRequest | None = None) -> ApiToken:
    """Revoke one of ``by``'s own tokens (at once: the next request with it is refused).
    Audited as ``shegong.token.revoked``."""
    row = ApiToken.objects.select_for_update().filter(pk=token.pk, user=by).first()
    if row is None:
        raise PermissionDenied
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        audit_log(
            action="shegong.token.revoked",
            actor=by,
            request=request,
            obj=row,
            data={"name": row.name, "prefix": row.prefix},
        )
    return row


def user_for(*, secret: str, method: str) -> User | None:
    """The user a bearer token acts as, or None (unknown, revoked, expired, a user no longer
    active or who must first change a password an administrator set); a read-only token
    asked to write is refused in words (PermissionDenied)."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=digest(secret)).first()
    if token is None or not token.active:
        return None
    user = token.user
    if not user.is_active or user.must_change_password:
        return None
    if token.scope == ApiToken.Scope.READ and method.upper() not in SAFE_METHODS:
        raise PermissionDenied("此令牌只读 / this token is read-only")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user.api_token = token  # the audit entry of a write can name it
    return user
