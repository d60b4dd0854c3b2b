"""Run the site's own forms and services behind the JSON API: one set of rules for both.

``schema_for(FormClass)`` gives the typed request body of a write, derived from the form
the page uses, so the OpenAPI document shows every field with its type, whether it is
required, its length and its choices, and can never drift from what the form accepts.
"""

import datetime
import hashlib
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Annotated, Any, Literal

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CharField as models_CharField
from django.db.models import QuerySet
from django.http import JsonResponse, QueryDict
from django.http.request import RawPostDataException
from ninja import Field, Schema, Status
from ninja.decorators import decorate_view
from ninja.pagination import LimitOffsetPagination
from pydantic import create_model

from .idempotency import (
    MAX_KEY_LENGTH,
    InProgress,
    InvalidKey,
    body_hash,
    check_key,
    previous,
    run_once,
)
from .pagination import bounded_count
from .validation import MAX_ID
from .validators import parse_small_int


class Created(Schema):
    id: int
    replayed: bool = False


class Updated(Created):
    version: int | None = None  # the record's version after the update (its next If-Match)


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


class Conflict(Schema):
    """A record changed since the client read it: the record as it is now, to show the user
    both versions (or, with no ``current``, a first request with this key still running)."""

    detail: str
    errors: dict[str, list[str]] = {}
    current: dict[str, Any] | None = None


# What an update (``api_update``) may answer besides a write's: 409 with the current
# record, and 428 when the request did not say which version it changes (If-Match).
UPDATE_RESPONSES = {**WRITE_RESPONSES, 200: Updated, 409: Conflict, 428: Invalid}


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A division code (or another text key)
Code = Annotated[str, Field(min_length=1, max_length=32)]


def _python_type(field: forms.Field) -> Any:
    """The JSON type a form field accepts (a related record is named by its primary key)."""
    queryset = getattr(field, "queryset", None)
    if queryset is not None:
        pk = queryset.model._meta.pk
        key = Code if isinstance(pk, models_CharField) else Id
        return list[key] if isinstance(field, forms.ModelMultipleChoiceField) else key
    if isinstance(field, forms.BooleanField):
        return bool
    if isinstance(field, forms.DateField):
        return datetime.date
    if isinstance(field, forms.DecimalField):
        return Decimal
    if isinstance(field, forms.IntegerField):
        return int
    if isinstance(field, forms.MultipleChoiceField):
        return list[str]
    if isinstance(field, forms.ChoiceField):
        values = tuple(v for v, _label in field.choices if v not in ("", None))
        return Literal[values] if values else str  # type: ignore[valid-type]
    return str


def schema_for(form_cls: type[forms.BaseForm], name: str, *, exclude=()) -> type[Schema]:
    """A django-ninja request schema with the fields of ``form_cls`` (less ``exclude``).

    Required form fields are required; the others may be left out. Lengths, bounds and
    labels carry over; the form still runs behind it, so every rule (scope, dates, the
    negative list …) answers as it does on the page.
    """
    fields: dict[str, Any] = {}
    for field_name, field in form_cls.base_fields.items():
        if field_name in exclude:
            continue
        kind = _python_type(field)
        extra: dict[str, Any] = {"title": str(field.label or field_name)}
        if getattr(field, "max_length", None) and kind is str:
            extra["max_length"] = field.max_length
        if isinstance(field, forms.IntegerField | forms.DecimalField):
            if field.min_value is not None:
                extra["ge"] = field.min_value
            if field.max_value is not None:
                extra["le"] = field.max_value
        if field.help_text:
            extra["description"] = str(field.help_text)
        required = field.required or field_name in getattr(form_cls, "required_fields", ())
        if required and not isinstance(field, forms.BooleanField):
            fields[field_name] = (kind, Field(..., **extra))
        else:
            default = False if kind is bool else None
            fields[field_name] = (kind if kind is bool else kind | None, Field(default, **extra))
    return create_model(name, __base__=Schema, **fields)


def refuse_first(may: Callable[[Any], bool], detail: str):
    """Answer 403 before the request body is read, for a caller who may not write here at
    all (a role question, not a row question): no one's body is parsed or validated for
    an endpoint they cannot use. An anonymous caller gets the API's 401 as usual."""

    def decorator(run):
        @wraps(run)
        def wrapper(request, *args, **kwargs):
            if request.user.is_authenticated and not may(request.user):
                return json_error(detail, 403)
            return run(request, *args, **kwargs)

        return wrapper

    return decorate_view(decorator)


def object_first(model, kwarg: str, *, action: str = "change", may=None):
    """Find the record a write is about before its body is read: 404 when the caller cannot
    see it (as for a record that does not exist), 403 when they see it but may not
    ``action`` it, or when ``may(user, record)`` says no (a question about the row: whether
    the user wrote it, say). The endpoint then reads the record again through ``restrict``."""

    def decorator(run):
        @wraps(run)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if user.is_authenticated:
                key = kwargs.get(kwarg)
                pk = parse_small_int(key, low=1, high=MAX_ID)
                if pk is None:  # a path no record has (the id is not a number)
                    return json_error("未找到 / not found", 404)
                visible = model.objects.restrict(user).filter(pk=pk)
                if not visible.exists():
                    return json_error("未找到 / not found", 404)
                if action != "view" and not visible.restrict(user, action).exists():
                    return json_error("无权操作 / forbidden", 403)
                if may is not None and not may(user, visible.get()):
                    return json_error("无权操作 / forbidden", 403)
            return run(request, *args, **kwargs)

        return wrapper

    return decorate_view(decorator)


def json_error(detail: str, status: int) -> JsonResponse:
    """An error in the API's shape (``{"detail", "errors"}``), Chinese left readable."""
    return JsonResponse(
        {"detail": detail, "errors": {}}, status=status, json_dumps_params={"ensure_ascii": False}
    )


# pydantic's error types, said in Chinese first (the English after the slash is pydantic's)
CHINESE = {
    "missing": "必填",
    "less_than_equal": "过大，最大为 {le}",
    "less_than": "过大，须小于 {lt}",
    "greater_than_equal": "过小，最小为 {ge}",
    "greater_than": "过小，须大于 {gt}",
    "string_too_long": "过长，最多 {max_length} 个字符",
    "too_long": "条目过多，最多 {max_length} 条",
    "literal_error": "不是可选的值",
    "enum": "不是可选的值",
}


def _message(error: dict) -> str:
    ctx = error.get("ctx") or {}
    try:
        chinese = CHINESE.get(error.get("type", ""), "格式不正确").format(**ctx)
    except (KeyError, IndexError):
        chinese = "格式不正确"
    return f"{chinese} / {error.get('msg', 'invalid')}"


def validation_errors(errors: list[dict]) -> dict:
    """A request that does not fit its schema, in the shape of a form's errors (422)."""
    fields: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(x) for x in error.get("loc", ()) if x not in ("body", "payload", "query")]
        fields.setdefault(".".join(loc) or "__all__", []).append(_message(error))
    return {"detail": "请求数据不合格 / the request does not fit its schema", "errors": fields}


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


def api_submit(request, form, *, save, conflict=None, **save_kwargs):
    """Validate and save through ``save``; (status, body).

    ``conflict()``, when given, runs after a retry has been answered and before the body
    is validated: a ``(status, body)`` it returns is the answer (a record changed since
    the client read it: 409).

    An ``Idempotency-Key`` header (at most 64 printable ASCII characters, else 400) makes a
    retried request (lost signal in a village) answer 200 with the first result: the key
    is the user's own and this endpoint's, so it never replays another endpoint's record.
    The same key with a different body answers 422; while the first request is still
    running, 409.

    The relations the form's service reads itself (``service_reads``) are parsed as keys,
    not read twice (``core.forms.keys_only``).
    """
    from .forms import keys_only

    keys_only(form)
    first = _first_time(request)
    if isinstance(first, Status):
        return first
    key, scope, digest, done = first
    if done is not None:
        return replayed(done, digest)
    if conflict is not None and (answer := conflict()) is not None:
        return Status(*answer)
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
    except ValidationError as refused:  # the service's own rules
        return Status(422, refused_body(refused))
    except PermissionDenied as refused:
        return Status(403, {"detail": str(refused) or "forbidden", "errors": {}})
    if done is not None:
        return replayed(done, digest)
    return Status(201, {"id": obj.pk})


def _first_time(request):
    """The request's key, scope, body digest and the finished first request with its key
    (None when this is the first): or the Status that answers it (a bad key: 400; the first
    request still running: 409)."""
    key = request.headers.get("Idempotency-Key", "")
    scope = f"api {request.method} {request.path}"
    try:
        check_key(key)
        done = previous(user=request.user, scope=scope, key=key)
    except InvalidKey:
        return Status(400, invalid_key_body())
    except InProgress:
        return Status(409, in_progress_body())
    return key, scope, (_digest(request) if key else ""), done


def api_step(request, form, *, write, answer):
    """A step of a record's life (a case's assessment, an intervention, an approval), as
    retry-safe as ``api_submit``: ``write(form)`` runs once per Idempotency-Key and a retry
    is answered like the first, 200 with ``answer()`` (the record as it now is).

    ``form`` is None for a step without a body. The service refusing the step in the
    record's present state (a ValidationError) answers 409 with its words; a form's errors
    422; a refusal of the caller 403."""
    first = _first_time(request)
    if isinstance(first, Status):
        return first
    key, scope, digest, done = first
    if done is not None:
        if done.body_hash and digest and done.body_hash != digest:
            return replayed(done, digest)  # the same key with another body: 422
        return Status(200, answer())
    if form is not None and not form.is_valid():
        return Status(422, form_errors(form))
    try:
        _obj, done = run_once(
            user=request.user,
            scope=scope,
            key=key,
            digest=digest,
            write=lambda: write(form),
            result_url=lambda o: f"api:{getattr(o, 'pk', 0)}",
        )
    except InProgress:
        return Status(409, in_progress_body())
    except ValidationError as refused:
        return Status(409, {"detail": " ".join(refused.messages), "errors": {}})
    except PermissionDenied as refused:
        return Status(403, {"detail": str(refused) or "forbidden", "errors": {}})
    if done is not None and done.body_hash and digest and done.body_hash != digest:
        return replayed(done, digest)
    return Status(200, answer())


def _digest(request) -> str:
    """The request body's SHA-256; for a multipart upload (whose raw body Django has already
    read), of its fields and its files' contents."""
    try:
        return body_hash(request.body)
    except RawPostDataException:
        h = hashlib.sha256()
        for name, values in sorted(request.POST.lists()):
            h.update(repr((name, values)).encode())
        for name, upload in sorted(request.FILES.items()):
            h.update(name.encode())
            for chunk in upload.chunks():
                h.update(chunk)
            upload.seek(0)
        return h.hexdigest()


def refused_body(exc: ValidationError) -> dict:
    """A service's ValidationError in the shape of a form's errors."""
    if hasattr(exc, "error_dict"):
        errors = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    else:
        errors = {"__all__": [str(m) for m in exc.messages]}
    return {"detail": "invalid", "errors": errors}


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
    """Limit/offset paging with bounds: a huge offset is a 422, not a database overflow.

    The rows are counted as the pages' lists count them (``core.pagination.bounded_count``):
    up to ``SHEGONG_LIST_COUNT_BOUND`` past ``offset``, so a province's millions cost what
    a county's hundreds do. ``count_exact`` says whether ``count`` is every row or only a
    floor (at least that many); ``exact_count=true`` asks for every row counted.
    ``next_offset`` is the next page's offset, null on the last page: page by it."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=500)
        offset: int = Field(0, ge=0, le=1_000_000_000)
        exact_count: bool = Field(
            False,
            description="count every row (slow over a province's millions); otherwise "
            "rows are counted up to a bound past the offset",
        )

    class Output(Schema):
        items: list[Any]
        count: int = Field(description="the rows, or at least this many when count_exact is false")
        count_exact: bool
        next_offset: int | None = Field(description="the next page's offset; null on the last")

    def paginate_queryset(self, queryset, pagination, request, **params):
        offset, limit = pagination.offset, min(pagination.limit, self.max_limit)
        if pagination.exact_count or not isinstance(queryset, QuerySet):
            count, more_than = self._items_count(queryset), None
        else:
            count, more_than = bounded_count(
                queryset, offset=offset, bound=settings.SHEGONG_LIST_COUNT_BOUND
            )
        return {
            "items": queryset[offset : offset + limit],
            "count": count,
            "count_exact": more_than is None,
            "next_offset": offset + limit if offset + limit < count else None,
        }


def if_match(request) -> int | None:
    """The version an update names in ``If-Match`` (``"3"``, ``W/"3"`` or ``3``), else None."""
    value = request.headers.get("If-Match", "").strip()
    value = value.removeprefix("W/").strip('"')
    return parse_small_int(value, low=1, high=MAX_ID) if value else None


def api_update(request, form, *, save, current, out, **save_kwargs):
    """An update of one record through its form and service: ``If-Match`` must name the
    version the client read (428 without it); a record changed since answers 409 with the
    record as it is now (``out``, its read schema), to put both versions before the user;
    otherwise as ``api_submit``, answering 200 with the new version. ``current()`` reads the
    record again (through the caller's restriction); ``save`` is ``through(service,
    edit=True)``: the version is claimed in the save's transaction, so of two concurrent
    updates of one version only one is saved."""
    from .forms import StaleEdit, claim_version

    seen = if_match(request)
    if seen is None:
        return Status(
            428,
            {
                "detail": "更新须在 If-Match 中给出所读记录的版本号 / an update needs the "
                "version it read in If-Match",
                "errors": {},
            },
        )

    def conflict_body(record) -> dict:
        return {
            "detail": "记录在您读取后已被他人修改，请比较后重新提交 / the record changed since "
            "you read it",
            "errors": {"version": [str(record.version)]},
            "current": out.from_orm(record).model_dump(mode="json"),
        }

    def stale():
        record = current()
        return None if record.version == seen else (409, conflict_body(record))

    form.data = form.data.copy()
    form.data["version"] = str(seen)

    def write(*, form, by, request=None, **kw):
        claim_version(form)
        return save(form=form, by=by, request=request, **kw)

    try:
        answer = api_submit(request, form, save=write, conflict=stale, **save_kwargs)
    except StaleEdit as lost:  # another update claimed the version meanwhile
        return Status(409, conflict_body(lost.current))
    if answer.status_code == 201:
        return Status(200, {"id": answer.value["id"], "version": current().version})
    return answer
