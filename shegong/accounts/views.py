import base64

import segno
from axes.utils import reset
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from shegong.audit.services import audit_log
from shegong.core.forms import editable, form_page, show_refusal, step, through
from shegong.core.links import row_url
from shegong.core.lists import Filter, list_page, read_filters
from shegong.core.panels import panels_for
from shegong.core.restrict import can, get_restricted_or_404, may_add

from . import selectors, services, throttle
from .exporters import UserExporter
from .forms import ApiTokenForm, LoginForm, ShegongPasswordChangeForm, TokenForm, UserForm
from .models import ApiToken, User
from .roles import Role
from .tokens import token_make, token_revoke

USER_FILTERS = [
    Filter("q", gettext_lazy("Name or username")),
    Filter("role", gettext_lazy("All roles"), kind="select", choices=Role.choices),
    Filter("region", gettext_lazy("Division code"), kind="region"),
    Filter("station", gettext_lazy("Station"), kind="id"),
]


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = str(request.POST.get("username", ""))[:150]
        wait = throttle.wait_seconds(request, username)
        if wait:
            audit_log(
                action="shegong.auth.throttled",
                request=request,
                success=False,
                data={"username": username, "wait_seconds": wait},
            )
            response = render(
                request,
                "registration/locked.html",
                {"rate_limited": True, "wait": wait},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            throttle.succeeded(request, username)
        else:
            throttle.failed(request, username)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    form_class = ShegongPasswordChangeForm

    def get_success_url(self):
        return reverse("home")

    def form_valid(self, form):

        response = super().form_valid(form)
        user = self.request.user
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        audit_log(action="shegong.auth.password_changed", request=self.request, obj=user)
        messages.success(self.request, _("Your password was changed."))
        return response


@require_http_methods(["GET", "POST"])
def otp(request):
    """Second factor: enrol an authenticator app (QR code) the first time, then verify."""

    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(
            user=user, confirmed=False
        ).first() or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit_log(action="shegong.auth.otp_enrolled", request=request, obj=user)
            otp_login(request, device)
            audit_log(action="shegong.auth.otp_verified", request=request, obj=user)
            nxt = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(nxt, {request.get_host()}):
                nxt = reverse("home")
            return redirect(nxt)
        audit_log(action="shegong.auth.otp_failed", request=request, obj=user, success=False)
        form.add_error("token", _("That code is not right, or has expired. Try the current one."))
    ctx = {"form": form, "enrolling": enrolling}
    if enrolling:
        ctx["secret"] = base64.b32encode(device.bin_key).decode().rstrip("=")
        ctx["qr"] = segno.make(device.config_url, error="m").png_data_uri(scale=5)
        messages.info(
            request, _("Scan the code with an authenticator app, then type the 6 digits it shows.")
        )
    return render(request, "registration/otp.html", ctx)


@require_GET
def user_list(request):
    values = read_filters(request, USER_FILTERS)
    return list_page(
        request,
        queryset=selectors.user_list(user=request.user, filters=values),
        exporter=UserExporter,
        title=_("People"),
        filters=USER_FILTERS,
        values=values,
        detail_url=row_url("accounts:user_detail"),
        create_url=reverse("accounts:user_create") if may_add(request.user, User) else None,
    )


@require_GET
def user_detail(request, pk: int):
    person = get_restricted_or_404(
        User.objects.select_related("scope_region", "station", "agency", "worker_profile"),
        request.user,
        pk=pk,
    )
    profile = getattr(person, "worker_profile", None)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "person": person,
            "profile": profile,
            "villages": profile.designated_villages.order_by("code") if profile else [],
            "can_change": can(request.user, person, "change"),
            "can_change_profile": profile is not None and can(request.user, profile, "change"),
            "panels": panels_for("account", subject=person, user=request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def user_edit(request, pk: int | None = None):
    """Create (no ``pk``) or change an account (the security administrator)."""
    refused = _("Only the security administrator manages accounts.")
    person = editable(request, User, pk, add_refused=refused, change_refused=refused)
    return form_page(
        request,
        UserForm(request.POST or None, instance=person, user=request.user),
        save=through(services.user_record, edit=True),
        template="accounts/user_form.html",
        context={"person": person},
        message=_("Account %(name)s was saved.") if person else _("Account %(name)s was created."),
        redirect_to=lambda u: reverse("accounts:user_detail", args=[u.pk]),
    )


@require_http_methods(["POST"])
def user_security(request, pk: int, action: str):
    """Security administrator: reset a lost second factor, or unlock a locked account."""

    person = get_restricted_or_404(User.objects.all(), request.user, pk=pk)
    if not can(request.user, person, "change"):
        raise PermissionDenied(_("Only the security administrator manages accounts."))
    if action == "reset_otp":
        TOTPDevice.objects.filter(user=person).delete()
        audit_log(action="shegong.user.otp_reset", request=request, obj=person)
        messages.success(request, _("The second factor of %(name)s was reset.") % {"name": person})
    elif action == "unlock":
        reset(username=person.username)
        throttle.clear(person.username)
        audit_log(action="shegong.user.unlocked", request=request, obj=person)
        messages.success(request, _("%(name)s was unlocked.") % {"name": person})
    else:
        raise PermissionDenied
    return redirect("accounts:user_detail", pk=person.pk)


# ----- personal API tokens ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """The user's own API tokens, and a form to make one: its secret is shown on the page
    that answers the form, once, and never again (only its digest is kept)."""
    form = ApiTokenForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = token_make(by=request.user, data=form.to_input(), request=request)
        except ValidationError as refused:
            show_refusal(form, refused)
        else:
            form = ApiTokenForm()
    # never cached (core.middleware.NoStoreMiddleware): the secret is on this page once
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "secret": secret,
            "tokens": ApiToken.objects.restrict(request.user).order_by("-created_at"),
        },
    )


@require_POST
def api_token_revoke(request, pk: int):
    token = get_restricted_or_404(ApiToken.objects.all(), request.user, pk=pk)
    return step(
        request,
        lambda: token_revoke(by=request.user, token=token, request=request),
        done=_("The token “%(name)s” was revoked.") % {"name": token.name},
        back=reverse("accounts:api_tokens"),
    )


class LogoutView(auth_views.LogoutView):
    """Log out, and tell the browser to clear what this site keeps on the device (the phone
    app's working set and outbox in IndexedDB, its cached shell, drafts): PIPL's "delete
    when no longer needed" for data carried into the field."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
