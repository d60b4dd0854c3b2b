import re
import uuid
from functools import partial

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from .checks_in_python import validate_constraints
from .fields import EncryptedTextField
from .idempotency import InProgress, previous, run_once
from .restrict import get_restricted_or_404, require_may_save
from .validation import MAX_ID, loaded_relations
from .validators import parse_small_int, validate_document

FORM_KEY_RE = re.compile(r"[0-9a-f]{32}")


class BootstrapFormMixin:
    """Bootstrap classes on every widget, and aria-invalid on fields with errors.

    ``required_fields`` names model fields that may be blank on the row but not in this
    form (the API schema reads it too: ``core.api_forms.schema_for``).
    """

    required_fields: tuple[str, ...] = ()
    # relations the form's service reads again itself, in the caller's scope, refusing at
    # the field any the caller may not use (``through``): behind the API, where no form is
    # drawn, these are parsed as keys and not read (``keys_only``)
    service_reads: tuple[str, ...] = ()

    def __init__(self, *args, relations_as_keys: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if relations_as_keys:
            # an API write (``keys_only``) says so as it builds the form: the relations its
            # service reads are keys at once, and a subclass narrows no choices of theirs
            # (``chooses``) that the API would drop unread
            keys_only(self)
        for name in self.required_fields:
            self.fields[name].required = True
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.CheckboxSelectMultiple):
                css = ""
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def full_clean(self):
        # Mark invalid fields after validation, never before: validating in __init__ would
        # run before a subclass has narrowed its querysets to the user's scope.
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = (attrs.get("class", "") + " is-invalid").strip()
                attrs["aria-invalid"] = "true"

    def _post_clean(self):
        # a ModelForm's model check (Model.full_clean) asks the database again whether each
        # chosen row exists, which its ModelChoiceField has just read: that field check is
        # left out for those relations; unique fields and constraints still see them
        instance = getattr(self, "instance", None)
        if not isinstance(instance, models.Model):
            return super()._post_clean()
        own = instance.clean_fields

        # nor for a relation named by its key only (``keys_only``): its service reads it
        keys = {name for name, field in self.fields.items() if isinstance(field, KeyOnly)}

        def clean_fields(exclude=None):
            return own(exclude={*(exclude or ()), *loaded_relations(instance), *keys})

        # and its check constraints decided in Python where they can be, not by a query
        # each (core.checks_in_python)
        instance.clean_fields = clean_fields
        instance.validate_constraints = partial(validate_constraints, instance)
        try:
            return super()._post_clean()
        finally:
            del instance.clean_fields
            del instance.validate_constraints


class KeyOnly(forms.Field):
    """A related record (or several) named by its key and not read: cleans to an unsaved
    instance holding only the key (``.pk``), or a list of them. For a form whose service
    reads the record itself in the caller's scope (``keys_only``)."""

    default_error_messages = forms.ModelChoiceField.default_error_messages

    def __init__(self, model, *, multiple: bool, **kwargs):
        self.model = model
        self.multiple = multiple
        kwargs.setdefault("widget", forms.MultipleHiddenInput if multiple else forms.HiddenInput)
        super().__init__(**kwargs)

    @classmethod
    def like(cls, field: forms.ModelChoiceField) -> "KeyOnly":
        return cls(
            field.queryset.model,
            multiple=isinstance(field, forms.ModelMultipleChoiceField),
            required=field.required,
            label=field.label,
        )

    def to_python(self, value):
        if not self.multiple:
            return None if value in self.empty_values else self._key(value)
        if value in self.empty_values:
            return []
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return [self._key(v) for v in dict.fromkeys(value)]

    def _key(self, value):
        pk = self.model._meta.pk
        refused = ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        if isinstance(pk, models.CharField | models.TextField):
            key = str(value)
            if pk.max_length and len(key) > pk.max_length:
                raise refused
        else:
            key = parse_small_int(value, low=1, high=MAX_ID)
            if key is None:
                raise refused
        return self.model(pk=key)


def keys_only(form):
    """``form`` with each relation its service reads itself (``service_reads``) parsed as a
    key and not read: the API's writes, which draw no form, ask the database once for each
    related record (the service, in the caller's scope) and not twice. A page's form keeps
    its choices: it draws them, and the chosen ones again when the service refuses."""
    for name in getattr(form, "service_reads", ()):
        if not isinstance(form.fields[name], KeyOnly):
            form.fields[name] = KeyOnly.like(form.fields[name])
    return form


def chooses(form, name: str) -> bool:
    """Whether ``form`` draws a choice of ``name`` (a field there, not a key only): what
    a form narrows to the user's scope when it is drawn, and an API write skips."""
    return name in form.fields and not isinstance(form.fields[name], KeyOnly)


class StaleEdit(Exception):
    """The record was saved by someone else after this form was opened."""

    def __init__(self, current):
        super().__init__("stale")
        self.current = current


def editing_version(form) -> int | None:
    """The version an edit form was opened at (posted back as ``version``), else None."""
    instance = getattr(form, "instance", None)
    if instance is None or instance.pk is None or not hasattr(instance, "version"):
        return None
    if not form.is_bound:
        return instance.version
    return parse_small_int(form.data.get("version"), low=1)


def claim_version(form) -> None:
    """Inside the save's transaction: move the record from the version the form was opened
    at to the next one, or raise StaleEdit when another save got there first.

    A conditional UPDATE, so of two concurrent saves exactly one claims the version; the
    instance then carries the new number and ``form.save()`` writes it. Every page's form
    posts its version (``includes/idempotency.html``); a request without one is not checked.
    """
    instance = getattr(form, "instance", None)
    if instance is None or instance.pk is None or not hasattr(instance, "version"):
        return
    model = type(instance)
    rows = model.objects.filter(pk=instance.pk)
    if "version" not in form.data:
        # a client that sends no version (a script) saves as before: last write wins
        rows.update(version=F("version") + 1)
        instance.version = rows.values_list("version", flat=True).get()
        return
    seen = editing_version(form)
    claimed = seen is not None and rows.filter(version=seen).update(version=F("version") + 1)
    if not claimed:
        raise StaleEdit(rows.get())
    instance.version = seen + 1


def stale_message(form, current) -> str:
    """What changed since the form was opened: each field whose saved value now differs
    from what this user typed, with the saved value."""
    changed = []
    model_fields = {f.name: f for f in [*current._meta.fields, *current._meta.many_to_many]}
    for name, field in form.fields.items():
        if name == "password" or name not in model_fields:
            continue
        saved = getattr(current, name)
        typed = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
        if hasattr(saved, "all"):  # many-to-many: compare the sets
            saved = sorted(str(o) for o in saved.all())
            typed = sorted(str(o) for o in (typed or []))
        if saved != typed and str(saved or "") != str(typed or ""):
            if isinstance(model_fields[name], EncryptedTextField):
                # personal data is revealed only on purpose and logged: name it, never show it
                marker = gettext("changed")
                changed.append(f"{field.label}：{marker}")
            else:
                changed.append(f"{field.label}：{saved if saved not in (None, '') else '—'}")
    return " ".join(
        [
            gettext(
                "Someone else changed this record while you were editing it; nothing of "
                "yours was saved. Your input is kept below: check it against the saved "
                "values and save again."
            ),
            gettext("Saved values now: %(fields)s.") % {"fields": "；".join(changed) or "—"},
        ]
    ).strip()


def editable(request, model, pk, *, add_refused, change_refused, queryset=None):
    """The record one create-or-edit view works on: None for a new one (the user must be
    allowed to add one: else 403), or the record ``pk`` if the user can see it (else 404)
    and change it (else 403)."""
    obj = None
    if pk is not None:
        obj = get_restricted_or_404(
            queryset if queryset is not None else model.objects.all(), request.user, pk=pk
        )
    require_may_save(
        request.user, model, obj, add_refused=add_refused, change_refused=change_refused
    )
    return obj


def show_refusal(form, refused: ValidationError) -> None:
    """A service's ValidationError on the form: each message at its field where the form
    has that field, above the form otherwise."""
    if not hasattr(refused, "error_dict"):
        form.add_error(None, refused)
        return
    for name, errors in refused.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def form_step(request, form, *, write, done: str, back):
    """A small form posted from a record's page (a step, a match, a link): ``write(form)``
    calls the service when the form is valid; what was refused, or what the form found
    wrong, is shown as a message in Chinese, ``done`` when it worked; nothing is written
    half-way. Returns the redirect to ``back`` (the record's page)."""
    if form.is_valid():
        try:
            write(form)
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(request, done)
    else:
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
    return redirect(back)


def through(service, *, edit: bool = False):
    """``save=`` for ``form_page`` and ``api_submit`` when the service takes data: the form
    only parses (``form.to_input()``), the service checks every rule and writes. With
    ``edit``, the service also gets ``instance``: the row being changed (its version already
    claimed by ``form_page``), or None for a new one."""

    def save(*, form, by, request=None):
        extra = {}
        if edit:
            # the row as saved (a ModelForm has already copied what was typed onto its
            # instance), with the version form_page has just claimed
            pk = form.instance.pk
            extra["instance"] = type(form.instance)._default_manager.get(pk=pk) if pk else None
        return service(by=by, data=form.to_input(), request=request, **extra)

    save.service = service
    return save


def form_page(request, form, *, save, template: str, context: dict, message, redirect_to):
    """The create/edit page pattern: show the form; on a valid POST save, say so, redirect.

    An invalid POST re-renders with everything typed kept and nothing saved.
    ``save(form=…, by=…, request=…)`` is a service; ``message`` takes ``%(name)s``;
    ``redirect_to(obj)`` gives the URL to go to. The form carries an idempotency key: the
    key is claimed in the same transaction as the save, so a second submission of the same
    form (even concurrent) does not save again but goes where the first one went.
    """
    key = request.POST.get("idempotency_key", "") if request.method == "POST" else ""
    key = key if FORM_KEY_RE.fullmatch(key) else ""
    scope = f"form {request.path}"

    def go_to(done):
        messages.success(request, gettext("Saved. (The form was sent twice; it was saved once.)"))
        return redirect(done.url)

    try:
        done = previous(user=request.user, scope=scope, key=key)
    except InProgress:
        done = None
        key = ""  # the first submission is still saving: let the form show again
    if done is not None:
        return go_to(done)
    if request.method == "POST" and form.is_valid():

        def write():
            claim_version(form)
            return save(form=form, by=request.user, request=request)

        try:
            obj, done = run_once(
                user=request.user, scope=scope, key=key, write=write, result_url=redirect_to
            )
        except InProgress:
            messages.info(request, gettext("This form is being saved; please wait a moment."))
            return redirect(request.get_full_path())
        except ValidationError as refused:  # the service's own rules: shown on the form
            show_refusal(form, refused)
            form.idempotency_key = uuid.uuid4().hex
            form.version = editing_version(form)
            return render(request, template, {"form": form, **context})
        except StaleEdit as stale:
            form.add_error(None, stale_message(form, stale.current))
            form.version = stale.current.version  # saving again now is a deliberate choice
            form.idempotency_key = uuid.uuid4().hex
            return render(request, template, {"form": form, **context}, status=409)
        if done is not None:
            return go_to(done)
        messages.success(request, message % {"name": obj})
        return redirect(redirect_to(obj))
    form.idempotency_key = key or uuid.uuid4().hex
    form.version = (
        editing_version(form)
        if form.is_bound
        else getattr(getattr(form, "instance", None), "version", None)
    )
    return render(request, template, {"form": form, **context})


class DocumentField(forms.FileField):
    """One document (PDF or image), checked by content and size: cleans to (file, kind)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.ClearableFileInput(
                attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return None
        return (upload, validate_document(upload))


def step(request, run, *, done: str, back: str):
    """A POST that asks a service for one step (publish, submit, decide …): on success say
    ``done``; what the service refuses is said as messages on the page the user goes back
    to (``back``). A PermissionDenied is left to answer 403."""
    try:
        run()
    except ValidationError as refused:
        say_refusal(request, refused)
    else:
        messages.success(request, done)
    return redirect(back)


def say_refusal(request, refused: ValidationError) -> None:
    """A service's refusal as messages on the page the user is sent to next."""
    for message in refused.messages:
        messages.error(request, message)
