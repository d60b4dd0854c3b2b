from django.db import transaction

from shegong.audit.services import audit_log
from shegong.core.services import form_changes

from .models import User
from .roles import STATION_ROLES

ROLE_FIELDS = {"role", "scope_region", "station", "agency"}


@transaction.atomic
def user_save(*, form, by, request=None) -> User:
    """Save a valid ``UserForm``; role or scope changes are logged as such.

    A station worker always leaves with a ``SocialWorkerProfile``.
    """
    created = form.instance.pk is None
    user = form.save()
    if user.role in STATION_ROLES:
        from shegong.workforce.models import SocialWorkerProfile

        SocialWorkerProfile.objects.get_or_create(user=user)
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
