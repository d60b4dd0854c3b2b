"""Training and supervision received, over the API: the same forms and services as the
pages, corrections with ``If-Match``, voids with a reason."""

import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from shegong.accounts import policy
from shegong.core.api_forms import (
    UPDATE_RESPONSES,
    WRITE_RESPONSES,
    Paged,
    api_submit,
    api_update,
    as_form_data,
    object_first,
    refuse_first,
    schema_for,
)
from shegong.core.forms import through
from shegong.core.restrict import may_add
from shegong.indicators.forms import VoidForm

from .forms import TrainingRecordForm
from .models import TrainingRecord
from .services import training_record, training_void

router = Router(tags=["training"])


class TrainingOut(Schema):
    id: int
    version: int
    worker_id: int
    kind: str
    date: datetime.date
    hours: Decimal
    organiser: str
    topic: str
    supervisor: str
    voided_at: datetime.datetime | None
    void_reason: str


TrainingIn = schema_for(TrainingRecordForm, "TrainingIn")


class TrainingVoidIn(Schema):
    """Why the record is voided (作废): it stays, marked, and its hours leave the figures."""

    reason: str = Field(..., min_length=1, max_length=200, title="作废原因 / reason")


def may_correct(user, record) -> bool:
    station_id, author_id = record.correction_keys()
    return policy.may_correct(user, station_id=station_id, author_id=author_id)


def _current(request, record_id: int):
    return lambda: get_object_or_404(
        TrainingRecord.objects.restrict(request.user).select_related("worker"), pk=record_id
    )


@router.get("/training", response=list[TrainingOut])
@paginate(Paged)
def training_list(request):
    return TrainingRecord.objects.restrict(request.user).order_by("-date", "-pk")


@router.get("/training/{record_id}", response=TrainingOut)
def training_get(request, record_id: int):
    return _current(request, record_id)()


@router.post("/training", response=WRITE_RESPONSES)
@refuse_first(
    lambda user: may_add(user, TrainingRecord) and bool(user.station_id),
    "只有驻站人员可以登记培训督导 / station staff only",
)
def training_create(request, payload: TrainingIn):
    """Record training or supervision received (a lead for anyone at the station, a worker
    for themselves)."""
    form = TrainingRecordForm(as_form_data(payload.dict()), user=request.user)
    return api_submit(request, form, save=through(training_record))


@router.put("/training/{record_id}", response=UPDATE_RESPONSES)
@object_first(TrainingRecord, "record_id", action="view", may=may_correct)
def training_update(request, record_id: int, payload: TrainingIn):
    """Correct a training or supervision record; ``If-Match``: the version read."""
    current = _current(request, record_id)
    form = TrainingRecordForm(as_form_data(payload.dict()), instance=current(), user=request.user)
    return api_update(
        request,
        form,
        save=through(training_record, edit=True),
        current=current,
        out=TrainingOut,
    )


@router.post("/training/{record_id}/void", response=UPDATE_RESPONSES)
@object_first(TrainingRecord, "record_id", action="view", may=may_correct)
def training_void_endpoint(request, record_id: int, payload: TrainingVoidIn):
    """Void a training or supervision record, with a reason (``If-Match``: the version read)."""
    current = _current(request, record_id)
    return api_update(
        request,
        VoidForm(as_form_data(payload.dict())),
        save=lambda *, form, by, request=None: training_void(
            by=by, instance=current(), data=form.to_input(), request=request
        ),
        current=current,
        out=TrainingOut,
    )
