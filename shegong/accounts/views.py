from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shegong.core.exporters import export_response
from shegong.core.forms import form_page
from shegong.core.pagination import paginate, querystring_without_page
from shegong.core.restrict import can, get_restricted_or_404, may_add
from shegong.workforce.forms import SocialWorkerProfileForm
from shegong.workforce.models import SocialWorkerProfile
from shegong.workforce.services import worker_profile_save

from . import selectors, services
from .exporters import UserExporter
from .forms import LoginForm, UserForm
from .models import User
from .roles import Role


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@require_GET
def user_list(request):
    filters = {
        n: request.GET.get(n, "").strip()
        for n in ("q", "role", "region", "station")
        if request.GET.get(n, "").strip()
    }
    qs = selectors.user_list(user=request.user, filters=filters)
    if request.GET.get("export") in ("xlsx", "csv"):
        return export_response(request, UserExporter, qs, personal=False, filters=filters)
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": paginate(request, qs),
            "filters": filters,
            "roles": Role.choices,
            "querystring": querystring_without_page(request),
            "can_add": may_add(request.user, User),
        },
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
        },
    )


@require_http_methods(["GET", "POST"])
def worker_profile_edit(request, pk: int):
    profile = get_restricted_or_404(
        SocialWorkerProfile.objects.select_related("user__station"), request.user, user_id=pk
    )
    if not can(request.user, profile, "change"):
        raise PermissionDenied(_("You may not change this worker's profile."))
    person = profile.user
    return form_page(
        request,
        SocialWorkerProfileForm(request.POST or None, instance=profile, station=person.station),
        save=worker_profile_save,
        template="accounts/profile_form.html",
        context={"person": person},
        message=_("Profile of %(name)s was saved."),
        redirect_to=lambda p: reverse("accounts:user_detail", args=[p.user_id]),
    )


@require_http_methods(["GET", "POST"])
def user_create(request):
    if not may_add(request.user, User):
        raise PermissionDenied(_("Only the security administrator manages accounts."))
    return form_page(
        request,
        UserForm(request.POST or None, user=request.user),
        save=services.user_save,
        template="accounts/user_form.html",
        context={"person": None},
        message=_("Account %(name)s was created."),
        redirect_to=lambda u: reverse("accounts:user_detail", args=[u.pk]),
    )


@require_http_methods(["GET", "POST"])
def user_edit(request, pk: int):
    person = get_restricted_or_404(User.objects.all(), request.user, pk=pk)
    if not can(request.user, person, "change"):
        raise PermissionDenied(_("Only the security administrator manages accounts."))
    return form_page(
        request,
        UserForm(request.POST or None, instance=person, user=request.user),
        save=services.user_save,
        template="accounts/user_form.html",
        context={"person": person},
        message=_("Account %(name)s was saved."),
        redirect_to=lambda u: reverse("accounts:user_detail", args=[u.pk]),
    )
