"""Residents' requests: sent and followed from the public pages (no login), answered by
the station or the county on theirs."""

from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.accounts.policy import may_record_station_work
from shegong.core.crypto import mask_phone
from shegong.core.forms import form_page, form_step, show_refusal
from shegong.core.links import row_url
from shegong.core.lists import Filter, list_page, read_filters
from shegong.core.net import client_ip
from shegong.core.restrict import can, get_restricted_or_404
from shegong.core.validators import parse_small_int
from shegong.indicators.definitions import Domain
from shegong.people.models import Recipient
from shegong.stations.models import Station
from shegong.work.forms import HomeVisitForm
from shegong.work.models import Case, HomeVisit

from . import selectors, services
from .exporters import MatchExporter, ProjectExporter, RequestExporter, ResourceExporter
from .forms import (
    CloseForm,
    LinkForm,
    MatchForm,
    RateForm,
    RequestForm,
    RespondForm,
    TrackForm,
    villages_for,
)
from .models import Kind, Match, RequestPhoto, ResidentRequest, Status

SENT_SALT = "shegong.residents.sent"


@login_not_required
@require_http_methods(["GET", "POST"])
def request_new(request):
    """A resident's need, complaint, suggestion or report, from a station's public page."""
    station = None
    raw = request.GET.get("station", "")
    if raw:
        pk = parse_small_int(raw, low=1)
        station = Station.objects.filter(pk=pk, is_active=True).first() if pk else None
        if station is None:
            raise Http404
    village = request.GET.get("village", "")[:12]
    villages = villages_for(station=station, village=village)
    if not villages.exists():
        raise Http404
    form = RequestForm(
        request.POST or None,
        request.FILES or None,
        villages=villages,
        station=station,
        initial={"region": village, "kind": request.GET.get("kind", Kind.NEED)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = services.request_submit(
                data=form.to_input(), address=client_ip(request), request=request
            )
        except ValidationError as refused:
            show_refusal(form, refused)
        else:
            sent = signing.dumps(item.code, salt=SENT_SALT)
            return redirect(reverse("residents:sent") + f"?t={sent}")
    if form.is_bound:  # a new sum each time the form is shown again
        form.data = form.data.copy()
        form.data["token"], form.data["answer"] = form.challenge.token, ""
    return render(
        request,
        "residents/request_form.html",
        {"form": form, "station": station},
        status=400 if form.is_bound else 200,
    )


@login_not_required
@require_GET
def request_sent(request):
    """The tracking code, shown once after sending (signed, for an hour)."""
    try:
        code = signing.loads(request.GET.get("t", ""), salt=SENT_SALT, max_age=3600)
    except signing.BadSignature as exc:
        raise Http404 from exc
    return render(request, "residents/request_sent.html", {"code": code})


@login_not_required
@require_http_methods(["GET", "POST"])
def request_track(request):
    """A resident follows a request: its code and the last four digits of the phone."""
    form = TrackForm(request.POST or None)
    item = None
    rate = None
    if request.method == "POST" and form.is_valid():
        item = services.request_found(
            code=form.cleaned_data["code"],
            last4=form.cleaned_data["last4"],
            address=client_ip(request),
        )
        if item is None:
            form.add_error(
                None, _("No request with this code and phone. Check both and try again.")
            )
        elif "satisfaction" in request.POST:
            rate = RateForm(request.POST)
            if rate.is_valid():
                try:
                    item = services.request_rate(
                        item=item,
                        score=rate.cleaned_data["satisfaction"],
                        note=rate.cleaned_data["note"],
                        request=request,
                    )
                    rate = None
                except ValidationError as refused:
                    show_refusal(rate, refused)
    if (
        item is not None
        and rate is None
        and item.status == Status.CLOSED
        and item.satisfaction is None
    ):
        rate = RateForm()
    return render(
        request,
        "residents/request_track.html",
        {"form": form, "item": item, "rate": rate},
        status=200 if form.is_valid() or not form.is_bound else 400,
    )


FILTERS = [
    Filter("kind", gettext_lazy("Kind"), "select", Kind.choices),
    Filter("status", gettext_lazy("Status"), "select", Status.choices),
    Filter("region", gettext_lazy("Division code"), "region"),
    Filter("overdue", gettext_lazy("Overdue"), "select", [("1", gettext_lazy("Overdue only"))]),
    Filter("mine", gettext_lazy("Assigned to"), "select", [("1", gettext_lazy("Me"))]),
]


@require_GET
def request_list(request):
    values = read_filters(request, FILTERS)
    return list_page(
        request,
        queryset=selectors.request_list(user=request.user, filters=values),
        exporter=RequestExporter,
        title=_("Residents' requests"),
        filters=FILTERS,
        values=values,
        detail_url=row_url("residents:detail"),
    )


MATCH_FILTERS = [
    Filter("party", gettext_lazy("Matched with"), "select", Match.Party.choices),
    Filter("region", gettext_lazy("Division code"), "region"),
]


@require_GET
def match_list(request):
    """供需对接: the needs matched to a worker or a project, and why."""
    values = read_filters(request, MATCH_FILTERS)
    return list_page(
        request,
        queryset=selectors.match_list(user=request.user, filters=values),
        exporter=MatchExporter,
        title=_("Matches"),
        filters=MATCH_FILTERS,
        values=values,
        detail_url=row_url("residents:detail", "request_id"),
        testid="match-table",
    )


RESOURCE_FILTERS = [Filter("region", gettext_lazy("Division code"), "region")]
PROJECT_FILTERS = [
    Filter("region", gettext_lazy("Division code"), "region"),
    Filter("domain", gettext_lazy("Service domain"), "select", Domain.choices),
]


@require_GET
def resource_list(request):
    """资源清单: the workers who could take a need, with their load."""
    values = read_filters(request, RESOURCE_FILTERS)
    return list_page(
        request,
        queryset=selectors.resource_list(user=request.user, filters=values),
        exporter=ResourceExporter,
        title=_("Resources"),
        filters=RESOURCE_FILTERS,
        values=values,
        detail_url=lambda u: "",
        testid="resource-table",
    )


@require_GET
def project_list(request):
    """项目清单: the groups open to members, a need can be matched to."""
    values = read_filters(request, PROJECT_FILTERS)
    return list_page(
        request,
        queryset=selectors.project_list(user=request.user, filters=values),
        exporter=ProjectExporter,
        title=_("Projects"),
        filters=PROJECT_FILTERS,
        values=values,
        detail_url=row_url("work:group_detail"),
        testid="project-table",
    )


@require_GET
def request_detail(request, pk: int):
    item = get_restricted_or_404(
        ResidentRequest.objects.select_related(
            "region", "station", "assignee", "responded_by", "visit", "case"
        ),
        request.user,
        pk=pk,
    )
    services.request_viewed(by=request.user, item=item, request=request)
    may_act = can(request.user, item, "change")
    open_need = may_act and item.is_open and item.kind == Kind.NEED
    serving = may_act and item.kind in (Kind.NEED, Kind.SUGGESTION)
    people, cases = _link_choices(request.user, item) if serving else ((), ())
    return render(
        request,
        "residents/request_detail.html",
        {
            "item": item,
            "overdue": item.is_open
            and not item.responded_at
            and item.due_on < timezone.localdate(),
            "may_act": may_act,
            "phone": item.contact_phone if may_act else mask_phone(item.contact_phone),
            "photos": item.photos.all(),
            "respond": RespondForm() if may_act and item.status == Status.SUBMITTED else None,
            "close": CloseForm() if may_act and item.status == Status.ACCEPTED else None,
            "suggestions": selectors.suggestions(item=item, user=request.user) if open_need else [],
            "matches": item.matches.select_related(
                "worker", "group", "volunteer", "organisation", "confirmed_by"
            ),
            "link": LinkForm(people=people, cases=cases) if serving else None,
            "may_visit": serving and may_record_station_work(request.user, HomeVisit),
        },
    )


def _link_choices(user, item: ResidentRequest):
    """The people of the need's village, and their open cases, that ``user`` may change."""
    people = (
        Recipient.objects.restrict(user, "change")
        .filter(region_id=item.region_id)
        .order_by("name", "pk")
        .values_list("pk", "name")[:300]
    )
    cases = (
        Case.objects.restrict(user, "change")
        .filter(region_id=item.region_id)
        .exclude(stage=Case.Stage.CLOSED)
        .order_by("-pk")
        .values_list("pk", "number")[:100]
    )
    return list(people), list(cases)


@require_POST
def request_match(request, pk: int):
    """Confirm one of the suggested matches for a need."""
    item = get_restricted_or_404(ResidentRequest.objects.all(), request.user, pk=pk)
    return form_step(
        request,
        MatchForm(request.POST),
        write=lambda form: services.request_match(
            by=request.user, data=form.to_input(), instance=item, request=request
        ),
        done=_("Matched. Whoever was matched has been notified."),
        back=reverse("residents:detail", args=[item.pk]),
    )


@require_POST
def request_link(request, pk: int):
    """Link a need to the person registered and/or the case opened for it."""
    item = get_restricted_or_404(ResidentRequest.objects.all(), request.user, pk=pk)
    people, cases = _link_choices(request.user, item)
    return form_step(
        request,
        LinkForm(request.POST, people=people, cases=cases),
        write=lambda form: services.request_link(
            by=request.user, data=form.to_input(), instance=item, request=request
        ),
        done=_("Linked: the service is traceable to the request."),
        back=reverse("residents:detail", args=[item.pk]),
    )


@require_http_methods(["GET", "POST"])
def request_visit(request, pk: int):
    """Record the home visit a need led to (the visit form of station work, filled in from
    the need), keeping the link."""
    item = get_restricted_or_404(
        ResidentRequest.objects.select_related("region"), request.user, pk=pk
    )
    if not can(request.user, item, "change") or not may_record_station_work(
        request.user, HomeVisit
    ):
        raise PermissionDenied(_("You may not act on this request."))
    form = HomeVisitForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial={
            "region": item.region_id,
            "recipient": item.recipient_id,
            "needs": item.description[:500],
        },
    )

    def save(*, form, by, request):
        return services.request_record_visit(
            by=by, data=form.to_input(), instance=item, request=request
        )

    return form_page(
        request,
        form,
        save=save,
        template="work/record_form.html",
        context={"title": _("Home visit for request %(code)s") % {"code": item.code}},
        message=_("“%(name)s” was saved."),
        redirect_to=lambda visit: reverse("residents:detail", args=[item.pk]),
    )


@require_POST
def request_answer(request, pk: int, step: str):
    """``respond`` (first response) or ``close``, by whoever may act on the request."""
    item = get_restricted_or_404(ResidentRequest.objects.all(), request.user, pk=pk)
    forms = {
        "respond": (RespondForm, services.request_respond),
        "close": (CloseForm, services.request_close),
    }
    if step not in forms:
        raise Http404
    form_cls, service = forms[step]
    return form_step(
        request,
        form_cls(request.POST),
        write=lambda form: service(
            by=request.user, data=form.to_input(), instance=item, request=request
        ),
        done=_("Saved. The resident sees it on the tracking page."),
        back=reverse("residents:detail", args=[item.pk]),
    )


@require_GET
def request_photo(request, pk: int):
    photo = get_restricted_or_404(RequestPhoto.objects.all(), request.user, pk=pk)
    return FileResponse(photo.image.open("rb"), content_type=f"image/{photo.kind}")
