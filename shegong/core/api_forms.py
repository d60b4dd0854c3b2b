"""Run the site's own forms and services behind the JSON API: one set of rules for both."""

from django.http import QueryDict
from ninja import Field, Schema, Status
from ninja.pagination import LimitOffsetPagination

from .idempotency import (
    MAX_KEY_LENGTH,
    InProgress,
    InvalidKey,
    body_hash,
    check_key,
    previous,
    run_once,
)


class Created(Schema):
    id: int
    replayed: bool = False


class Invalid(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


# What a write through ``api_submit`` may answer: created, replayed, a bad or busy
# Idempotency-Key, forbidden, invalid.
WRITE_RESPONSES = {
    201: Created,
    200: Created,
    400: Invalid,
    403: Invalid,
    409: Invalid,
    422: Invalid,
}


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


def api_submit(request, form, *, save, **save_kwargs):
    """Validate and save through ``save``; (status, body).

    An ``Idempotency-Key`` header (at most 64 printable ASCII characters, else 400) makes a
    retried request (lost signal in a village) answer 200 with the first result: the key
    is the user's own and this endpoint's, so it never replays another endpoint's record.
    The same key with a different body answers 422; while the first request is still
    running, 409.
    """
    key = request.headers.get("Idempotency-Key", "")
    scope = f"api {request.method} {request.path}"
    try:
        check_key(key)
        done = previous(user=request.user, scope=scope, key=key)
    except InvalidKey:
        return Status(400, invalid_key_body())
    except InProgress:
        return Status(409, in_progress_body())
    digest = body_hash(request.body) if key else ""
    if done is not None:
        return replayed(done, digest)
    if not form.is_valid():
        return Status(422, form_errors(form))
    try:
        obj, done = run_once(
            user=request.user,
            scope=scope,
            key=key,
            digest=digest,
            write=lambda: save(form=form, by=request.user, request=request, **save_kwargs),
            result_url=lambda o: f"api:{o.pk}",
        )
    except InProgress:
        return Status(409, in_progress_body())
    if done is not None:
        return replayed(done, digest)
    return Status(201, {"id": obj.pk})


def replayed(done, digest: str):
    if done.body_hash and digest and done.body_hash != digest:
        return Status(
            422,
            {
                "detail": "此 Idempotency-Key 已用于另一请求 / this Idempotency-Key was used "
                "with a different request body",
                "errors": {},
            },
        )
    return Status(200, {"id": int(done.url.rsplit(":", 1)[-1]), "replayed": True})


def invalid_key_body() -> dict:
    return {
        "detail": f"Idempotency-Key 至多 {MAX_KEY_LENGTH} 个可打印 ASCII 字符 / at most "
        f"{MAX_KEY_LENGTH} printable ASCII characters",
        "errors": {},
    }


def in_progress_body() -> dict:
    return {
        "detail": "同一 Idempotency-Key 的请求正在处理，请稍后重试 / the first request with "
        "this key is still being processed; retry shortly",
        "errors": {},
    }


class Paged(LimitOffsetPagination):
    """Limit/offset paging with bounds: a huge offset is a 422, not a database overflow."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=500)
        offset: int = Field(0, ge=0, le=1_000_000_000)
