from django.db import transaction

from shegong.audit.services import audit_log

from .models import SocialWorkerProfile


@transaction.atomic
def worker_profile_save(*, form, by, request=None) -> SocialWorkerProfile:
    """Save a valid ``SocialWorkerProfileForm`` (villages included) and log what changed."""
    created = form.instance.pk is None
    profile = form.save()
    audit_log(
        action="shegong.worker_profile.created" if created else "shegong.worker_profile.changed",
        actor=by,
        request=request,
        obj=profile.user,
        data={f: str(form.cleaned_data.get(f)) for f in form.changed_data},
    )
    return profile
