from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from shegong.audit.describe import snapshot
from shegong.audit.services import audit_saved
from shegong.core.restrict import require_may_save
from shegong.core.validation import changes, full_clean, one_of
from shegong.core.validators import normalize_phone
from shegong.regions.selectors import place_in_scope

from .models import User
from .roles import ADMIN_ROLES
from .signals import user_saved

ROLE_FIELDS = {"role", "scope_region", "station", "agency"}
# what nobody may change on their own account (deactivating oneself included)
SELF_FIELDS = ROLE_FIELDS | {"is_active"}


def check_role_change(
    *, by: User, target_pk: int | None, old_role: str, new_role: str, fields: Iterable[str]
) -> None:
    """Refuse what 三员分立 forbids from the web: PermissionDenied with the reason.

    - nobody changes their own role, scope, station or agency;
    - no account enters or leaves one of the three administrator roles, and no administrator
      account is changed at all: ``manage.py admin_account`` on the server does that.
    """
    if target_pk is not None and target_pk == by.pk and SELF_FIELDS & set(fields):
        raise PermissionDenied(_("Nobody may change their own role or scope."))
    if old_role in ADMIN_ROLES or new_role in ADMIN_ROLES:
        raise PermissionDenied(
            _(
                "Administrator accounts (system, security, audit) are created and changed "
                "only on the server with “manage.py admin_account”."
            )
        )


@dataclass(frozen=True)
class AccountInput:
    """An account as the security administrator types it: scope as a division code,
    station and agency by id; ``password`` only to set one (required for a new account)."""

    username: str
    role: str
    full_name: str = ""
    phone: str = ""
    scope_region: str = ""
    station: int | None = None
    agency: int | None = None
    is_active: bool = True
    password: str = ""


ACCOUNT_COLUMNS = ("username", "full_name", "phone", "role", "is_active")
# what the audit log keeps of an account, as saved (never the password)
ACCOUNT_AUDIT = (*ACCOUNT_COLUMNS, "scope_region", "station", "agency")


@transaction.atomic
def user_record(
    *,
    by: User,
    data: AccountInput,
    instance: User | None = None,
    request: HttpRequest | None = None,
) -> User:
    """Create an account (``instance`` None) or change one ``by`` may change.

    The caller may rely on: only the security administrator does this; 三员分立 holds
    (``check_role_change``: never one's own role or scope, never an administrator account);
    the scope region, station and agency are ones ``by`` may see; the phone is normalised;
    a password (required for a new account) passes the password rules; the role, scope and
    station fit together (``User.clean``). The row, ``signals.user_saved`` (workforce gives
    every station worker a profile) and the audit entry (``.created``, ``.role_changed``
    or ``.changed``; never the password) are one transaction.
    """
    refused = _("Only the security administrator manages accounts.")
    require_may_save(by, User, instance, add_refused=refused, change_refused=refused)
    errors: dict[str, str] = {}
    user = instance or User()
    before = _account_values(user) if instance is not None else {}
    audited = snapshot(instance, ACCOUNT_AUDIT) if instance is not None else None
    for name in ACCOUNT_COLUMNS:
        setattr(user, name, getattr(data, name))
    user.phone = normalize_phone(data.phone or "")
    if data.scope_region:
        region = place_in_scope(
            by=by, code=data.scope_region, levels=tuple(range(1, 6)), errors=errors
        )
        user.scope_region = region
        if region is None:
            errors["scope_region"] = errors.pop("region")
    else:
        user.scope_region = None
    user.station = one_of(_related("station").objects.restrict(by), data.station, "station", errors)
    user.agency = one_of(_related("agency").objects.restrict(by), data.agency, "agency", errors)
    if not data.role:
        errors["role"] = _("This field is required.")
    after = _account_values(user)
    check_role_change(
        by=by,
        target_pk=user.pk,
        old_role=before.get("role", ""),
        new_role=data.role,
        fields=[k for k, v in after.items() if before.get(k) != v] if instance else list(after),
    )
    if data.password:
        try:
            validate_password(data.password, user)
        except ValidationError as exc:
            errors["password"] = " ".join(exc.messages)
        user.set_password(data.password)
        user.must_change_password = True  # set by an administrator: changed at first login
    elif instance is None:
        errors["password"] = _("This field is required.")
    full_clean(user, errors, exclude=("password",))
    user.save()
    user_saved.send(sender=User, user=user, created=instance is None, by=by)
    changed = changes(before, _account_values(user))
    action = ""
    if instance is not None and ROLE_FIELDS & set(changed):
        action = "shegong.user.role_changed"
    audit_saved(
        entity="user",
        obj=user,
        by=by,
        request=request,
        before=audited,
        fields=ACCOUNT_AUDIT,
        extra={"password_reset": True} if data.password and instance is not None else None,
        action=action,
    )
    return user


def _related(field: str):
    """The model a user's foreign key points at (stations sit above accounts)."""
    return User._meta.get_field(field).related_model


def _account_values(user: User) -> dict:
    return {
        **{name: getattr(user, name) for name in ACCOUNT_COLUMNS},
        "scope_region": user.scope_region_id,
        "station": user.station_id,
        "agency": user.agency_id,
    }
