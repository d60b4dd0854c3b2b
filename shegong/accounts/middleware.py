from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext as _

from .passwords import password_expired
from .roles import ADMIN_ROLES, OFFICER_ROLES

SECOND_FACTOR_ROLES = OFFICER_ROLES | ADMIN_ROLES
ALWAYS_OPEN = ("/accounts/login/", "/accounts/logout/", "/accounts/otp/", "/i18n/", "/static/")


def resolved(user):
    """``user`` unwrapped from any lazy objects around it (evaluating them)."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


def needs_second_factor(user) -> bool:
    return (
        settings.SHEGONG_REQUIRE_2FA
        and user.is_authenticated
        and user.role in SECOND_FACTOR_ROLES
        and not user.is_verified()
    )


class AccountPolicyMiddleware:
    """After login: officers and administrators pass a second factor (TOTP) before anything
    else; a password an administrator set (new account, reset) or an expired one is
    changed before going on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None:
            # the user itself from here on, not the two lazy wrappers around it (Django's,
            # and django-otp's around that): each read of an attribute through them raised
            # and caught an AttributeError twice, on every ``user.role`` of a request
            request.user = user = resolved(user)
        path = request.path_info
        if user is not None and user.is_authenticated and not path.startswith(ALWAYS_OPEN):
            if needs_second_factor(user):
                if path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": "second factor required (需要二次验证)"}, status=403
                    )
                return redirect(reverse("accounts:otp") + f"?next={request.get_full_path()}")
            if user.must_change_password and path != reverse("accounts:password_change"):
                if path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "detail": "请先修改管理员设置的初始密码 / change the password an "
                            "administrator set first"
                        },
                        status=403,
                        json_dumps_params={"ensure_ascii": False},
                    )
                messages.warning(
                    request,
                    _("An administrator set your password; choose your own before going on."),
                )
                return redirect("accounts:password_change")
            if password_expired(user) and path != reverse("accounts:password_change"):
                if path.startswith("/api/"):
                    return JsonResponse({"detail": "password expired (密码已过期)"}, status=403)
                messages.warning(
                    request, _("Your password is more than 90 days old; please change it.")
                )
                return redirect("accounts:password_change")
        return self.get_response(request)
