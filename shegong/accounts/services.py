from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from shegong.audit.services import audit_log, form_changes

from .models import User
from .roles import ADMIN_ROLES
from .signals import user_saved

ROLE_FIELDS = {"role", "scope_region", "station", "agency"}
# what nobody may change on their own account (deactivating oneself included)
SELF_FIELDS = ROLE_FIELDS | {"is_active"}


def check_role_change(
    *, by: User, target_pk: int | None, old_role: str, new_role: str, fields
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


@transaction.atomic
def user_save(*, form, by, request=None) -> User:
    """Save a valid ``UserForm``; role or scope changes are logged as such.

    Refuses (PermissionDenied) a change of one's own role or scope and any change touching
    an administrator account (see ``check_role_change``). Sends ``signals.user_saved``
    (workforce gives every station worker a ``SocialWorkerProfile`` on it).
    """
    created = form.instance.pk is None
    old_role = (
        "" if created else User.objects.values_list("role", flat=True).get(pk=form.instance.pk)
    )
    check_role_change(
        by=by,
        target_pk=form.instance.pk,
        old_role=old_role,
        new_role=form.cleaned_data.get("role") or form.instance.role,
        fields=form.changed_data,
    )
    user = form.save()
    user_saved.send(sender=User, user=user, created=created, by=by)
    data: dict[str, object] = dict(form_changes(form))
    if created:
        action = "shegong.user.created"
    elif ROLE_FIELDS & set(data):
        action = "shegong.user.role_changed"
    else:
        action = "shegong.user.changed"
    if form.cleaned_data.get("password") and not created:
        data["password_reset"] = True
    audit_log(action=action, actor=by, request=request, obj=user, data=data)
    return user
