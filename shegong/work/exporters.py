from django.utils.translation import gettext_lazy as _

from shegong.core.exporters import VOID_COLUMNS, Column, Exporter, choice, names, set_names

from .models import HomeVisit


def prepare_visits(visits: list) -> None:
    """Each visit's workers' names for a page of visits, in account order, in one query of
    plain values: no account objects (each a full row) and no related manager per visit."""
    if not visits:
        return
    rows = (
        HomeVisit.workers.through.objects.filter(homevisit_id__in=[v.pk for v in visits])
        .order_by("user_id")
        .values_list("homevisit_id", "user__full_name", "user__username")
    )  # a name as ``User.display_name`` gives it: the full name, else the username
    set_names(visits, "worker_names", ((pk, full or user) for pk, full, user in rows))


def _visited(visit) -> str:
    """Who a visit was to: the person, or the household by its head (its village is the
    visit's own, in the next column): read from the rows the list joined, nothing more."""
    if visit.recipient_id:
        return str(visit.recipient)
    if visit.household_id:
        head = visit.household.head
        return str(_("Household of %(head)s") % {"head": head.name if head else "—"})
    return ""


class VisitExporter(Exporter):
    title = _("Home visits")
    columns = [
        Column(_("Date"), lambda v: v.date, 12),
        Column(_("Village / community"), lambda v: v.region.name, 16),
        Column(_("Visited"), _visited, 16, private="name"),
        Column(
            _("Workers"),
            names("worker_names", lambda v: (u.display_name for u in v.workers.all())),
            16,
        ),
        Column(_("Hours"), lambda v: v.hours, 8),
        Column(_("Situation found"), lambda v: v.situation, 40, private="text"),
        *VOID_COLUMNS,
    ]
    page_fields = (
        "date",
        "hours",
        "situation",
        "voided_at",
        "void_reason",
        "region__name",
        "recipient__name",
        "household__head__name",
    )
    prepare_page = staticmethod(prepare_visits)


class CaseExporter(Exporter):
    title = _("Cases")
    columns = [
        Column(_("Case number"), lambda c: c.number, 20),
        Column(_("Person"), lambda c: c.recipient.name, 10, private="name"),
        Column(_("Village / community"), lambda c: c.region.name, 16),
        Column(_("Case worker"), lambda c: c.worker.display_name, 10),
        Column(_("Stage"), choice("stage"), 8),
        Column(_("Opened on"), lambda c: c.opened_on, 12),
        Column(_("Closed on"), lambda c: c.closed_on, 12),
    ]
    page_fields = (
        "number",
        "stage",
        "opened_on",
        "closed_on",
        "recipient__name",
        "region__name",
        "worker__username",
        "worker__full_name",
    )


class GroupExporter(Exporter):
    title = _("Groups")
    columns = [
        Column(_("Group number"), lambda g: g.number, 20),
        Column(_("Name"), lambda g: g.name, 24),
        Column(_("Nature"), choice("nature"), 8),
        Column(_("Stage"), choice("stage"), 8),
        Column(
            _("Sessions held / planned"), lambda g: f"{g.session_count} / {g.planned_sessions}", 12
        ),
        Column(_("Members"), lambda g: g.member_count, 8),
    ]


class ActivityExporter(Exporter):
    title = _("Community activities")
    columns = [
        Column(_("Date"), lambda a: a.date, 12),
        Column(_("Title"), lambda a: a.title, 28),
        Column(_("Domain"), choice("domain"), 10),
        Column(_("Service type"), choice("service_type"), 12),
        Column(_("Village / place"), lambda a: a.region.name, 16),
        Column(_("Participants (person-times)"), lambda a: a.participants_count, 10),
        Column(_("Volunteers"), lambda a: a.volunteers_count, 8),
        *VOID_COLUMNS,
    ]
    page_fields = (
        "date",
        "title",
        "domain",
        "service_type",
        "participants_count",
        "volunteers_count",
        "voided_at",
        "void_reason",
        "region__name",
    )


class AdminWorkExporter(Exporter):
    title = _("Administrative work")
    columns = [
        Column(_("Date"), lambda w: w.date, 12),
        Column(_("Worker"), lambda w: w.worker.display_name, 10),
        Column(_("Task"), choice("task"), 24),
        Column(_("Place"), lambda w: w.region.name, 14),
        Column(_("Hours"), lambda w: w.hours, 8),
        Column(_("In a village"), lambda w: w.in_village, 8),
        Column(_("Description"), lambda w: w.description, 30, private="text"),
        *VOID_COLUMNS,
    ]


class LongDayExporter(Exporter):
    title = _("Long days")
    columns = [
        Column(_("Date"), lambda d: d.date, 12),
        Column(_("Worker"), lambda d: d.worker.display_name, 10),
        Column(_("Station"), lambda d: d.worker.station.name if d.worker.station else "", 20),
        Column(_("Hours recorded that day"), lambda d: d.day_hours or 0, 10),
        Column(_("Reason for a long day"), lambda d: d.reason, 40, private="text"),
        Column(_("Given by"), lambda d: d.created_by.display_name, 10),
    ]
