"""Run the site's own forms and services behind the JSON API: one set of rules for both."""

from django.db import IntegrityError, transaction
from django.http import QueryDict
from ninja import Field, Schema, Status
from ninja.pagination import LimitOffsetPagination

from .models import SubmittedForm


def as_form_data(payload: dict) -> QueryDict:
    """JSON (lists for multi-choice fields) as the QueryDict a Django form expects."""
    data = QueryDict(mutable=True)
    for key, value in payload.items():
        if isinstance(value, list):
            data.setlist(key, [str(v) for v in value])
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif value is not None:
            data[key] = str(value)
    return data


def form_errors(form) -> dict:
    errors = {name: [str(m) for m in msgs] for name, msgs in form.errors.items()}
    return {"detail": "invalid", "errors": errors}


def api_submit(request, form, *, save, key: str = "", **save_kwargs):
    """Validate and save through ``save``; (status, body). An ``Idempotency-Key`` header
    makes a retried request (lost signal in a village) answer with the first result."""
    key = key or request.headers.get("Idempotency-Key", "")
    if key:
        done = SubmittedForm.objects.filter(key=key, user=request.user).exclude(url="").first()
        if done is not None:
            return Status(200, {"id": int(done.url.rsplit(":", 1)[-1]), "replayed": True})
    if not form.is_valid():
        return Status(422, form_errors(form))
    try:
        with transaction.atomic():
            if key:
                SubmittedForm.objects.create(key=key[:64], user=request.user)
            obj = save(form=form, by=request.user, request=request, **save_kwargs)
            if key:
                SubmittedForm.objects.filter(key=key[:64]).update(url=f"api:{obj.pk}")
    except IntegrityError:
        return api_submit(request, form, save=save, key=key, **save_kwargs)
    return Status(201, {"id": obj.pk})


class Paged(LimitOffsetPagination):
    """Limit/offset paging with bounds: a huge offset is a 422, not a database overflow."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=500)
        offset: int = Field(0, ge=0, le=1_000_000_000)
