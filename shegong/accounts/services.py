from django.db import transaction

from shegong.audit.services import audit_log

from .models import User
from .roles import STATION_ROLES


@transaction.atomic
def user_save(*, form, by, request=None) -> User:
    """Save a valid ``UserForm``; role or scope changes are logged as such.

    A station worker always leaves with a ``SocialWorkerProfile``.
    """
    created = form.instance.pk is None
    user = form.save()
    if user.role in STATION_ROLES:
        # Every station worker has a profile (education, qualification, villages).
        from shegong.workforce.models import SocialWorkerProfile

        SocialWorkerProfile.objects.get_or_create(user=user)
    changed = [f for f in form.changed_data if f != "password"]
    if created:
        action = "shegong.user.created"
    elif {"role", "scope_region", "station", "agency"} & set(changed):
        action = "shegong.user.role_changed"
    else:
        action = "shegong.user.changed"
    data = {f: str(form.cleaned_data.get(f)) for f in changed}
    if form.cleaned_data.get("password") and not created:
        data["password_reset"] = True
    audit_log(action=action, actor=by, request=request, obj=user, data=data)
    return user
