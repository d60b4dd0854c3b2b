from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import linebreaksbr, truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.accounts import policy
from shegong.accounts.models import User
from shegong.accounts.roles import STATION_ROLES
from shegong.accounts.selectors import staff_choices
from shegong.audit.services import audit_log
from shegong.core.files import private_file
from shegong.core.forms import editable, form_page, show_refusal, through
from shegong.core.links import row_url
from shegong.core.lists import VOID_FILTER, Filter, list_page, read_filters
from shegong.core.panels import panels_for
from shegong.core.restrict import can, get_restricted_or_404, may_add
from shegong.indicators.corrections import correction_state
from shegong.indicators.selectors import locked_months
from shegong.indicators.views import void_page
from shegong.people.models import Recipient

from . import exporters, forms, selectors, services
from .models import Activity, AdminWork, Case, Domain, Group, GroupSession, HomeVisit, Photo


def _workers(user):
    """The worker filter's choices: only for a role that sees the records it would filter
    (an agency administrator sees its staff but not their records: no choices)."""
    if not (policy.may_drill_down(user) or policy.reads_masked(user)):
        return []
    return staff_choices(user=user)


def _period_filters(user, *extra):
    return [
        Filter("region", gettext_lazy("Division code"), "region"),
        Filter("since", gettext_lazy("From"), "date"),
        Filter("until", gettext_lazy("To"), "date"),
        Filter("worker", gettext_lazy("Worker"), "select", _workers(user)),
        *extra,
    ]


def _work_list(
    request, *, select, exporter, title, filters, values, detail_url, model, create, personal=False
):
    """A list of station work: whole for those who may see it, de-identified (names
    masked, free text out, no link to the record, audited) for an evaluator or an agency;
    read only for both."""
    action = policy.record_action(request.user)
    masked = action == "view_masked"
    if masked:
        audit_log(
            action="shegong.records.viewed_masked",
            request=request,
            data={"list": str(title), **{k: str(v) for k, v in values.items() if v}},
        )
    return list_page(
        request,
        queryset=select(user=request.user, filters=values, action=action),
        exporter=exporter.deidentified() if masked else exporter,
        title=title,
        filters=filters,
        values=values,
        detail_url=(lambda obj: "") if masked else detail_url,
        create_url=reverse(create) if may_add(request.user, model) else None,
        personal=personal and not masked,
    )


def _may_record(user, model):
    if not policy.may_record_station_work(user, model):
        raise PermissionDenied(_("Only station staff record station work."))


def _record_form(request, form, *, save, title, detail):
    return form_page(
        request,
        form,
        save=save,
        template="work/record_form.html",
        context={"title": title},
        message=_("“%(name)s” was saved."),
        redirect_to=lambda obj: reverse(detail, args=[obj.pk]),
    )


def _correctable(request, record):
    """The record (already found through the user's restriction: else 404) a correction
    or a void is about: 403 when the user may not correct it (its author or the station
    lead), and a message when its month is locked or it is already void (the service
    refuses those in words too)."""
    state = correction_state(user=request.user, record=record)
    if not (state.may_edit or state.locked or state.voided):
        raise PermissionDenied(
            _("Only whoever recorded it, or the station lead, may correct or void a record.")
        )
    if state.locked and request.method == "GET":
        messages.warning(request, _("This month has been accepted by the county and is locked."))
    if state.voided and request.method == "GET":
        messages.warning(request, _("This record was voided."))
    return record


def _edit_form(request, form, *, save, title, detail):
    return form_page(
        request,
        form,
        save=through(save, edit=True),
        template="work/record_form.html",
        context={"title": title},
        message=_("“%(name)s” was corrected."),
        redirect_to=lambda obj: reverse(detail, args=[obj.pk]),
    )


# ----- home visits ---------------------------------------------------------------------


@require_GET
def visit_list(request):
    filters = _period_filters(request.user, VOID_FILTER)
    values = read_filters(request, filters)
    return _work_list(
        request,
        select=selectors.visit_list,
        exporter=exporters.VisitExporter,
        title=_("Home visits"),
        filters=filters,
        values=values,
        detail_url=row_url("work:visit_detail"),
        model=HomeVisit,
        create="work:visit_create",
        personal=True,
    )


@require_GET
def visit_detail(request, pk: int):
    visit = get_restricted_or_404(
        HomeVisit.objects.select_related("region", "recipient", "household__head", "created_by"),
        request.user,
        pk=pk,
    )
    return render(
        request,
        "work/visit_detail.html",
        {
            "visit": visit,
            "workers": visit.workers.all(),
            "correction": correction_state(user=request.user, record=visit),
        },
    )


@require_http_methods(["GET", "POST"])
def visit_void(request, pk: int):
    visit = _correctable(
        request, get_restricted_or_404(HomeVisit.objects.all(), request.user, pk=pk)
    )
    return void_page(
        request,
        visit,
        save=services.record_void,
        title=_("Void the home visit"),
        back=reverse("work:visit_detail", args=[pk]),
    )


@require_http_methods(["GET", "POST"])
def visit_edit(request, pk: int | None = None):
    """Record a home visit (no ``pk``), or correct one: its author or the station lead,
    while its month is open."""
    if pk is not None:
        visit = _correctable(
            request, get_restricted_or_404(HomeVisit.objects.all(), request.user, pk=pk)
        )
        form = forms.HomeVisitForm(
            request.POST or None, request.FILES or None, instance=visit, user=request.user
        )
        return _edit_form(
            request,
            form,
            save=services.visit_record,
            title=_("Correct the home visit"),
            detail="work:visit_detail",
        )
    _may_record(request.user, HomeVisit)
    initial = {}
    if request.GET.get("recipient"):
        person = (
            Recipient.objects.restrict(request.user, "change")
            .filter(pk=request.GET["recipient"])
            .first()
        )
        if person:
            initial = {"recipient": person.pk, "region": person.region_id}
    form = forms.HomeVisitForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial
    )
    return _record_form(
        request,
        form,
        save=through(services.visit_record),
        title=_("New home visit"),
        detail="work:visit_detail",
    )


# ----- cases ---------------------------------------------------------------------------


@require_GET
def case_list(request):
    filters = _period_filters(
        request.user,
        Filter("stage", gettext_lazy("Stage"), "select", Case.Stage.choices),
        Filter(
            "awaiting",
            gettext_lazy("Approval"),
            "select",
            [("me", gettext_lazy("Awaiting my approval"))],
        ),
        Filter(
            "overdue",
            gettext_lazy("Overdue follow-up"),
            "select",
            [("1", gettext_lazy("No follow-up for 30 days"))],
        ),
    )
    values = read_filters(request, filters)
    return _work_list(
        request,
        select=selectors.case_list,
        exporter=exporters.CaseExporter,
        title=_("Cases"),
        filters=filters,
        values=values,
        detail_url=row_url("work:case_detail"),
        model=Case,
        create="work:case_create",
        personal=True,
    )


@require_http_methods(["GET", "POST"])
def case_create(request):
    _may_record(request.user, Case)
    initial = {"recipient": request.GET.get("recipient")} if request.GET.get("recipient") else {}
    form = forms.CaseOpenForm(request.POST or None, user=request.user, initial=initial)
    return _record_form(
        request,
        form,
        save=through(services.case_open),
        title=_("Open a case"),
        detail="work:case_detail",
    )


STEP_FORMS = {
    Case.Stage.INTAKE: ("assess", forms.CaseAssessmentForm),
    Case.Stage.ASSESSMENT: ("assess", forms.CaseAssessmentForm),
    Case.Stage.PLANNING: ("plan", forms.CasePlanForm),
    Case.Stage.INTERVENTION: ("entry", forms.CaseEntryForm),
    Case.Stage.EVALUATION: ("close", forms.CaseClosureForm),
}


@require_GET
def case_detail(request, pk: int):
    case = get_restricted_or_404(
        Case.objects.select_related(
            "recipient", "region", "worker", "plan_approved_by", "closure_approved_by"
        ),
        request.user,
        pk=pk,
    )
    return render(request, "work/case_detail.html", _case_context(request, case))


def _entry_lines(entries) -> list[str]:
    """A case's intervention records as the page shows them: date · worker · hours, and
    the record's text with its line breaks."""
    return [
        format_html(
            '<li class="list-group-item">{} · {} · {} h<div class="small">{}</div></li>',
            date_filter(e.date, "Y-m-d"),
            e.worker.display_name,
            localize(e.hours),
            linebreaksbr(e.content, autoescape=True),
        )
        for e in entries
    ]


def _event_lines(events) -> list[str]:
    """A case's timeline: when (local time), who, what, and the note cut at 100 characters."""
    return [
        format_html(
            '<li class="list-group-item small">{} · {} · <span class="fw-semibold">{}</span> {}'
            "</li>",
            date_filter(timezone.localtime(e.at), "Y-m-d H:i"),
            e.by.display_name if e.by_id else "",
            e.kind_label,
            truncatechars(e.note, 100),
        )
        for e in events
    ]


# of a case's intervention records, and of its timeline, the page shows the latest so many
# unless asked for all (``?all=1``, to read or print the whole file): a case followed for
# years has hundreds of each, and the page would grow with them
CASE_PAGE_LINES = 50


def _latest(rows, everything: bool) -> tuple[list, int]:
    """The last ``CASE_PAGE_LINES`` of ``rows`` (in their model's order, oldest first), and
    how many earlier ones are left out; all of them when ``everything``."""
    if everything:
        return list(rows), 0
    newest = list(rows.reverse()[: CASE_PAGE_LINES + 1])
    if len(newest) <= CASE_PAGE_LINES:
        return newest[::-1], 0
    return newest[:CASE_PAGE_LINES][::-1], rows.count() - CASE_PAGE_LINES


def _case_context(request, case: Case, *, bound=None) -> dict:
    """The case page: every stage's content, the forms of the next step (``bound``: a form
    that failed, shown in its place with what was typed and its errors, once)."""
    can_change = can(request.user, case, "change")
    prefetch_related_objects([case], "goals")  # for the page and the plan form's initial
    step = STEP_FORMS.get(case.stage)
    everything = request.GET.get("all") == "1"
    entries, entries_hidden = _latest(case.entries.select_related("worker"), everything)
    events, events_hidden = _latest(case.events.select_related("by"), everything)
    ctx = {
        "case": case,
        "goals": case.goals.all(),
        # the intervention records and the timeline built here, line by line, as the
        # lists' rows are: a long case has scores of each
        "entry_lines": _entry_lines(entries),
        "entries_hidden": entries_hidden,
        "referrals": case.referrals.all(),
        "event_lines": _event_lines(events),
        "events_hidden": events_hidden,
        "can_change": can_change,
        "can_approve": can(request.user, case, "approve"),
        "step": step[0] if step and can_change else None,
        "step_form": step[1](instance=case) if step and can_change and step[0] != "entry" else None,
        "entry_form": forms.CaseEntryForm()
        if case.stage == Case.Stage.INTERVENTION and can_change
        else None,
        "evaluation_form": forms.CaseEvaluationForm(instance=case)
        if case.stage == Case.Stage.INTERVENTION and can_change
        else None,
        "referral_form": forms.CaseReferralForm(prefix="ref") if can_change else None,
        "colleagues": User.objects.filter(
            station_id=case.station_id, role__in=STATION_ROLES, is_active=True
        ).exclude(pk=case.worker_id)
        if can_change
        else [],
    }
    if bound is not None:
        slot = {
            forms.CaseEntryForm: "entry_form",
            forms.CaseEvaluationForm: "evaluation_form",
            forms.CaseReferralForm: "referral_form",
        }.get(type(bound), "step_form")
        ctx[slot] = bound
    return ctx


def _case_action(request, pk, handler, *, action="change"):
    case = get_restricted_or_404(
        Case.objects.select_related("station", "recipient"), request.user, pk=pk
    )
    if action == "change" and not can(request.user, case, "change"):
        raise PermissionDenied(_("You may not change this case."))
    try:
        result = handler(case)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("work:case_detail", pk=case.pk)
    if result is not None:  # an invalid form: show the page again with what was typed
        return result
    messages.success(request, _("Case %(number)s updated.") % {"number": case.number})
    return redirect("work:case_detail", pk=case.pk)


def _invalid(request, case, form):
    """A step that failed: the case page again, the form in its place with what was typed
    and its errors (shown once, on the form)."""
    return render(request, "work/case_detail.html", _case_context(request, case, bound=form))


@require_POST
def case_step(request, pk: int, step: str):
    def handle(case):
        by = {"by": request.user, "request": request}
        if step == "assess":
            form = forms.CaseAssessmentForm(request.POST, instance=case)
            if not form.is_valid():
                return _invalid(request, case, form)
            services.case_assess(case=case, data=form.to_input(), **by)
        elif step == "plan":
            form = forms.CasePlanForm(request.POST, instance=case)
            if not form.is_valid():
                return _invalid(request, case, form)
            services.case_submit_plan(case=case, data=form.to_input(), **by)
        elif step == "entry":
            form = forms.CaseEntryForm(request.POST)
            if not form.is_valid():
                return _invalid(request, case, form)
            services.case_add_entry(case=case, data=form.to_input(), **by)
        elif step == "evaluate":
            form = forms.CaseEvaluationForm(request.POST, instance=case)
            if not form.is_valid():
                return _invalid(request, case, form)
            services.case_evaluate(case=case, data=form.to_input(), **by)
        elif step == "close":
            form = forms.CaseClosureForm(request.POST, instance=case)
            if not form.is_valid():
                return _invalid(request, case, form)
            services.case_request_closure(case=case, data=form.to_input(), **by)
        elif step == "approve_plan":
            services.case_approve_plan(case=case, **by)
        elif step == "approve_closure":
            services.case_approve_closure(case=case, **by)
        elif step == "return_plan":
            services.case_return_plan(case=case, reason=request.POST.get("reason", ""), **by)
        elif step == "return_closure":
            services.case_return_closure(case=case, reason=request.POST.get("reason", ""), **by)
        elif step == "refer":
            form = forms.CaseReferralForm(request.POST, prefix="ref")
            if not form.is_valid():
                return _invalid(request, case, form)
            services.case_refer(case=case, data=form.to_input(), **by)
        elif step == "transfer":
            to = User.objects.filter(
                pk=request.POST.get("to"), station_id=case.station_id, role__in=STATION_ROLES
            ).first()
            if to is None:
                raise ValidationError(_("Choose a worker of this station."))
            services.case_transfer(case=case, to=to, **by)
        elif step == "reopen":
            services.case_reopen(case=case, reason=request.POST.get("reason", ""), **by)
        else:
            raise PermissionDenied
        return None

    # Approvals are checked by the service (the approver is not the worker); the rest of
    # the steps need the right to change the case.
    approval = step in ("approve_plan", "approve_closure", "return_plan", "return_closure")
    return _case_action(request, pk, handle, action="approve" if approval else "change")


# ----- groups --------------------------------------------------------------------------


@require_GET
def group_list(request):
    filters = _period_filters(request.user)
    values = read_filters(request, filters)
    return _work_list(
        request,
        select=selectors.group_list,
        exporter=exporters.GroupExporter,
        title=_("Groups"),
        filters=filters,
        values=values,
        detail_url=row_url("work:group_detail"),
        model=Group,
        create="work:group_create",
    )


@require_GET
def group_detail(request, pk: int):
    group = get_restricted_or_404(Group.objects.select_related("region"), request.user, pk=pk)
    can_change = can(request.user, group, "change")
    sessions = list(group.sessions.prefetch_related("attendees"))
    locked = locked_months(station_id=group.station_id) if sessions else set()
    for s in sessions:
        s.group = group
        s.may_correct = (
            not s.voided_at
            and s.date.replace(day=1) not in locked
            and policy.may_correct(
                request.user, station_id=s.correction_keys()[0], author_id=s.correction_keys()[1]
            )
        )
    return render(
        request,
        "work/group_detail.html",
        {
            "group": group,
            "members": group.members.order_by("name"),
            "workers": group.workers.all(),
            "sessions": sessions,
            "sessions_held": sum(1 for s in sessions if not s.voided_at),
            "can_change": can_change,
            "session_form": forms.GroupSessionForm(group=group) if can_change else None,
        },
    )


@require_http_methods(["GET", "POST"])
def group_edit(request, pk: int | None = None):
    """Start (no ``pk``) or edit a group; only a station's own staff start one."""
    if pk is None:
        _may_record(request.user, Group)
        group = None
    else:
        group = editable(
            request,
            Group,
            pk,
            add_refused="",
            change_refused=_("You may not change this group."),
        )
    form = forms.GroupForm(request.POST or None, instance=group, user=request.user)
    return _record_form(
        request,
        form,
        save=through(services.group_record, edit=True),
        title=group.name if group else _("New group"),
        detail="work:group_detail",
    )


@require_POST
def group_session_add(request, pk: int):
    group = get_restricted_or_404(Group.objects.all(), request.user, pk=pk)
    if not can(request.user, group, "change"):
        raise PermissionDenied(_("You may not change this group."))
    form = forms.GroupSessionForm(request.POST, group=group)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return render(request, "work/record_form.html", {"title": group.name, "form": form})
    try:
        session = services.group_session_add(
            group=group, by=request.user, data=form.to_input(), request=request
        )
    except ValidationError as refused:
        show_refusal(form, refused)
        return render(request, "work/record_form.html", {"title": group.name, "form": form})
    messages.success(request, _("Session %(n)s recorded.") % {"n": session.number})
    return redirect("work:group_detail", pk=group.pk)


# ----- activities ----------------------------------------------------------------------


@require_GET
def activity_list(request):
    filters = _period_filters(
        request.user,
        Filter("domain", gettext_lazy("Domain"), "select", Domain.choices),
        VOID_FILTER,
    )
    values = read_filters(request, filters)
    return _work_list(
        request,
        select=selectors.activity_list,
        exporter=exporters.ActivityExporter,
        title=_("Community activities"),
        filters=filters,
        values=values,
        detail_url=row_url("work:activity_detail"),
        model=Activity,
        create="work:activity_create",
    )


@require_GET
def activity_detail(request, pk: int):
    activity = get_restricted_or_404(Activity.objects.select_related("region"), request.user, pk=pk)
    return render(
        request,
        "work/activity_detail.html",
        {
            "activity": activity,
            "workers": activity.workers.all(),
            "participants": activity.participants.order_by("name"),
            "photos": activity.photos.all(),
            "panels": panels_for("activity", subject=activity, user=request.user),
            "correction": correction_state(user=request.user, record=activity),
        },
    )


@require_http_methods(["GET", "POST"])
def activity_edit(request, pk: int | None = None):
    """Record an activity (no ``pk``), or correct one: its author or the station lead,
    while its month is open."""
    if pk is None:
        _may_record(request.user, Activity)
        form = forms.ActivityForm(request.POST or None, request.FILES or None, user=request.user)
        return _record_form(
            request,
            form,
            save=through(services.activity_record),
            title=_("New community activity"),
            detail="work:activity_detail",
        )
    activity = _correctable(
        request, get_restricted_or_404(Activity.objects.all(), request.user, pk=pk)
    )
    form = forms.ActivityForm(
        request.POST or None, request.FILES or None, instance=activity, user=request.user
    )
    return _edit_form(
        request,
        form,
        save=services.activity_record,
        title=_("Correct the activity"),
        detail="work:activity_detail",
    )


@require_http_methods(["GET", "POST"])
def activity_void(request, pk: int):
    activity = _correctable(
        request, get_restricted_or_404(Activity.objects.all(), request.user, pk=pk)
    )
    return void_page(
        request,
        activity,
        save=services.record_void,
        title=_("Void the activity"),
        back=reverse("work:activity_detail", args=[pk]),
    )


@require_GET
def photo(request, pk: int):
    """A photo, only for those who may see the record it belongs to (else 404)."""

    item = Photo.objects.select_related("visit", "activity").filter(pk=pk).first()
    if item is None:
        raise Http404
    model = HomeVisit if item.visit_id else Activity
    if not model.objects.restrict(request.user).filter(pk=item.record.pk).exists():
        raise Http404
    return private_file(item.image, item.kind)


# ----- administrative work -------------------------------------------------------------


@require_GET
def admin_work_list(request):
    filters = _period_filters(request.user, VOID_FILTER)
    values = read_filters(request, filters)
    return _work_list(
        request,
        select=selectors.admin_work_list,
        exporter=exporters.AdminWorkExporter,
        title=_("Administrative work"),
        filters=filters,
        values=values,
        detail_url=row_url("work:admin_work_detail"),
        model=AdminWork,
        create="work:admin_work_create",
    )


@require_GET
def admin_work_detail(request, pk: int):
    work = get_restricted_or_404(
        AdminWork.objects.select_related("region", "worker", "created_by", "voided_by"),
        request.user,
        pk=pk,
    )
    return render(
        request,
        "work/admin_work_detail.html",
        {"work": work, "correction": correction_state(user=request.user, record=work)},
    )


@require_http_methods(["GET", "POST"])
def admin_work_edit(request, pk: int | None = None):
    """Record administrative time (no ``pk``), or correct it: its author or the station
    lead, while its month is open."""
    if pk is None:
        _may_record(request.user, AdminWork)
        form = forms.AdminWorkForm(request.POST or None, user=request.user)
        return form_page(
            request,
            form,
            save=through(services.admin_work_record),
            template="work/record_form.html",
            context={"title": _("Record administrative work")},
            message=_("“%(name)s” was saved."),
            redirect_to=lambda w: reverse("work:admin_work_list"),
        )
    work = _correctable(
        request, get_restricted_or_404(AdminWork.objects.all(), request.user, pk=pk)
    )
    form = forms.AdminWorkForm(request.POST or None, instance=work, user=request.user)
    return _edit_form(
        request,
        form,
        save=services.admin_work_record,
        title=_("Correct administrative work"),
        detail="work:admin_work_detail",
    )


@require_http_methods(["GET", "POST"])
def admin_work_void(request, pk: int):
    work = _correctable(
        request, get_restricted_or_404(AdminWork.objects.all(), request.user, pk=pk)
    )
    return void_page(
        request,
        work,
        save=services.record_void,
        title=_("Void administrative work"),
        back=reverse("work:admin_work_detail", args=[pk]),
    )


# ----- correcting group sessions -------------------------------------------------------

SESSIONS = GroupSession.objects.select_related("group")


def _session(request, pk):
    """A session is seen, and corrected, through its group's restriction."""
    return get_restricted_or_404(SESSIONS, request.user, pk=pk)


@require_http_methods(["GET", "POST"])
def session_edit(request, pk: int):
    session = _correctable(request, _session(request, pk))
    form = forms.GroupSessionForm(request.POST or None, instance=session, group=session.group)
    return form_page(
        request,
        form,
        save=through(services.group_session_change, edit=True),
        template="work/record_form.html",
        context={"title": _("Correct session %(n)s") % {"n": session.number}},
        message=_("“%(name)s” was corrected."),
        redirect_to=lambda s: reverse("work:group_detail", args=[s.group_id]),
    )


@require_http_methods(["GET", "POST"])
def session_void(request, pk: int):
    session = _correctable(request, _session(request, pk))
    return void_page(
        request,
        session,
        save=services.record_void,
        title=_("Void session %(n)s") % {"n": session.number},
        back=reverse("work:group_detail", args=[session.group_id]),
    )


# ----- long days -----------------------------------------------------------------------


@require_GET
def long_day_list(request):
    """Days past the rule set's ceiling and why: for the lead, the officers and the agency
    to follow overwork (and implausible records) without opening each record."""
    filters = _period_filters(request.user)
    values = read_filters(request, filters)
    return list_page(
        request,
        queryset=selectors.long_day_list(user=request.user, filters=values),
        exporter=exporters.LongDayExporter,
        title=_("Long days"),
        filters=filters,
        values=values,
        detail_url=lambda d: (
            reverse("work:admin_work_list") + f"?since={d.date}&until={d.date}&worker={d.worker_id}"
        ),
    )
