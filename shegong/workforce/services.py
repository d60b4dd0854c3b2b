from shegong.accounts.roles import STATION_ROLES
from shegong.audit.services import form_save_audited
from shegong.indicators import engine

from .models import SocialWorkerProfile


def worker_profile_save(*, form, by, request=None) -> SocialWorkerProfile:
    """Save a valid ``SocialWorkerProfileForm`` (villages included); the entry names the user."""
    return form_save_audited(
        form=form, by=by, request=request, entity="worker_profile", audited=lambda p: p.user
    )


def training_record_save(*, form, by, request=None):
    """Record training or supervision received; scoped to the worker's station region."""
    form.instance.created_by = by
    form.instance.region_code = form.cleaned_data["worker"].scope_region_id
    return form_save_audited(
        form=form, by=by, request=request, entity="training", after=engine.sync
    )


def ensure_worker_profile(*, user, **kwargs) -> None:
    """A station worker always has a ``SocialWorkerProfile`` (on ``accounts.user_saved``)."""
    if user.role in STATION_ROLES:
        SocialWorkerProfile.objects.get_or_create(user=user)
