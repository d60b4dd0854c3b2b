"""Writes of residents' requests: submitted from the public pages (no account), answered,
closed and rated; each routed, each audited, none half-saved."""

import datetime
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.audit.services import audit_log
from shegong.community.models import Organisation, Volunteer
from shegong.community.services import EventInput, event_record
from shegong.core.divisions import in_subtree
from shegong.core.restrict import can
from shegong.core.validation import one_of
from shegong.core.validators import CALLBACK_PHONE, normalize_phone
from shegong.inbox.services import notify, text_resident
from shegong.indicators.compute import rule_set_for
from shegong.people.models import Recipient
from shegong.regions.models import Level, Region
from shegong.stations.models import Station
from shegong.work.models import Case, Group, HomeVisit
from shegong.work.services.records import VisitInput, visit_record
from shegong.workforce.models import SocialWorkerProfile

from . import guard, selectors
from .models import (
    DESCRIPTION_MAX,
    OPEN_STATUSES,
    OVERSIGHT_KINDS,
    Kind,
    Match,
    RequestPhoto,
    ResidentRequest,
    Status,
    Topic,
)

CONSENT_VERSION = "2026-12"
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read over the phone
MAX_PHOTOS = 3


@dataclass(frozen=True)
class PhotoUpload:
    upload: object
    kind: str


@dataclass(frozen=True)
class RequestInput:
    """A request as a resident typed it: the village by code, the station by id (the one
    whose page it came from: for a complaint, the station complained about)."""

    kind: str
    topic: str
    region: str
    description: str
    contact_name: str
    contact_phone: str
    consent: bool
    station: int | None = None
    photos: tuple[PhotoUpload, ...] = ()


def add_working_days(*, day: datetime.date, n: int) -> datetime.date:
    """``n`` working days (Monday to Friday) after ``day``. Public holidays and the
    make-up working weekends are not known to Shegong yet: a deadline may fall a day early."""
    while n > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


@transaction.atomic
def request_submit(
    *, data: RequestInput, address: str | None = None, request: HttpRequest | None = None
) -> ResidentRequest:
    """Take a resident's request from the public pages.

    The caller may rely on: a known kind and topic, a village that exists, a description
    of 5 to 1,000 characters, a name and a valid phone, the consent given, at most three
    photos (checked as uploads by the form); no more than the allowance per address and
    per phone (``residents.guard``). A need or suggestion goes to the station of the
    village's township and to the village's designated worker with the fewest open
    requests (else the station lead); a complaint or report goes to the county, and the
    station complained about never sees it. The first response is due within the rule
    set's working days. The request, its photos and the audit entry (no contact) are one
    transaction; the resident gets its tracking code.
    """
    errors: dict[str, str] = {}
    if data.kind not in Kind.values:
        errors["kind"] = _("Choose what kind of request this is.")
    if data.topic not in Topic.values:
        errors["topic"] = _("Choose what it is about.")
    village = Region.objects.filter(code=data.region, level=Level.VILLAGE).first()
    if village is None:
        errors["region"] = _("Choose your village or community.")
    description = (data.description or "").strip()
    if not 5 <= len(description) <= DESCRIPTION_MAX:
        errors["description"] = _("Describe it in 5 to 1,000 characters.")
    name = (data.contact_name or "").strip()
    if not 1 <= len(name) <= 32:
        errors["contact_name"] = _("Give a name we may call you by (at most 32 characters).")
    phone = normalize_phone(data.contact_phone or "")
    if not CALLBACK_PHONE.match(phone):
        errors["contact_phone"] = _(
            "Give a mobile number (11 digits) or a landline with its area code, such as "
            "0731-12345678, so that we can call you back."
        )
    if not data.consent:
        errors["consent"] = _("Please read and agree to how your information is used.")
    if len(data.photos) > MAX_PHOTOS:
        errors["photos"] = _("At most three photos.")
    if errors:
        raise ValidationError(errors)
    if (address and guard.over_limit("address", address)) or guard.over_limit("phone", phone):
        raise ValidationError(
            _(
                "Too many requests from here or from this phone; please try again later or call the station."
            )
        )
    station, assignee = route(village=village, kind=data.kind, station_id=data.station)
    rules = rule_set_for(village.code, timezone.localdate().year)
    days = rules.request_response_days if rules else 3
    item = ResidentRequest(
        kind=data.kind,
        topic=data.topic,
        region=village,
        station=station,
        assignee=assignee,
        description=description,
        contact_name=name,
        contact_phone=phone,
        phone_last4=phone[-4:],
        due_on=add_working_days(day=timezone.localdate(), n=days),
        consent_text=CONSENT_VERSION,
    )
    for _attempt in range(5):
        item.code = _new_code()
        try:
            with transaction.atomic():
                item.save()
            break
        except IntegrityError:
            continue
    else:
        raise ValidationError(_("Please send it again."))
    for photo in data.photos:
        RequestPhoto.objects.create(
            request=item, image=photo.upload, kind=photo.kind, size=photo.upload.size
        )
    audit_log(
        action="shegong.resident_request.submitted",
        actor_name=_("Resident"),
        request=request,
        obj=item,
        data={"kind": item.get_kind_display(), "village": village.name, "photos": len(data.photos)},
    )
    if address:
        guard.count("address", address)
    guard.count("phone", phone)
    notify(
        users=[assignee] if assignee else [],
        event="request.assigned",
        subject=_subject(item),
        url=_url(item),
        key=f"request:{item.pk}:assigned",
    )
    text_resident(
        phone=phone,
        text=_(
            "Shegong: we have your request. Its tracking code is %(code)s; follow it on the "
            "station's page with the code and the last four digits of this phone."
        )
        % {"code": item.code},
    )
    return item


def route(
    *, village: Region, kind: str, station_id: int | None = None
) -> tuple[Station | None, User | None]:
    """The station and the person a request about ``village`` goes to (``station_id``: the
    station a complaint is about, when it serves that county)."""
    township = village.code[:9]
    stations = Station.objects.filter(is_active=True)
    station = (
        stations.filter(region_id=township, tier=Station.Tier.TOWNSHIP).first()
        or stations.filter(in_subtree("region_id", township)).order_by("region_id").first()
    )
    if kind in OVERSIGHT_KINDS:
        about = stations.filter(pk=station_id).first() if station_id else None
        if about is not None and about.region_id[:6] == village.code[:6]:
            station = about
        county = User.objects.filter(
            role=Role.COUNTY_OFFICER, is_active=True, scope_region_id=village.code[:6]
        ).order_by("pk")
        return station, county.first()
    if station is None:
        return None, None
    # each candidate's open requests, counted in the database (one query for the choice)
    open_work = Subquery(
        ResidentRequest.objects.filter(assignee_id=OuterRef("user_id"), status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    designated = (
        SocialWorkerProfile.objects.filter(
            designated_villages=village,
            user__station=station,
            user__is_active=True,
            user__role__in=(Role.SOCIAL_WORKER, Role.STATION_LEAD),
        )
        .annotate(busy=Coalesce(open_work, 0))
        .order_by("busy", "user_id")
        .select_related("user")
        .first()
    )
    if designated is not None:
        return station, designated.user
    lead = User.objects.filter(station=station, role=Role.STATION_LEAD, is_active=True)
    return station, lead.order_by("pk").first()


@dataclass(frozen=True)
class ResponseInput:
    """The first response: accept it, or not (then the reason is the reply)."""

    accept: bool
    reply: str = ""


@transaction.atomic
def request_respond(
    *, by: User, data: ResponseInput, instance: ResidentRequest, request: HttpRequest | None = None
) -> ResidentRequest:
    """Give a submitted request its first response. The caller may rely on: only whoever
    may act on it (its worker, the station lead, the county for complaints); only once;
    not accepting needs the reason, which the resident reads."""
    item = _locked(by, instance)
    if item.status != Status.SUBMITTED:
        raise ValidationError(_("This request has already been answered."))
    reply = (data.reply or "").strip()
    if not data.accept and not reply:
        raise ValidationError({"reply": _("Tell the resident why it is not accepted.")})
    if len(reply) > 500:
        raise ValidationError({"reply": _("At most 500 characters.")})
    item.status = Status.ACCEPTED if data.accept else Status.DECLINED
    item.reply, item.responded_by, item.responded_at = reply, by, timezone.now()
    if not data.accept:
        item.closed_at = item.responded_at
    if item.assignee_id is None:
        item.assignee = by
    item.save()
    audit_log(
        action="shegong.resident_request.answered",
        actor=by,
        request=request,
        obj=item,
        data={"status": item.get_status_display(), "reply": reply},
    )
    _text_status(item)
    return item


@dataclass(frozen=True)
class CloseInput:
    reply: str


@transaction.atomic
def request_close(
    *, by: User, data: CloseInput, instance: ResidentRequest, request: HttpRequest | None = None
) -> ResidentRequest:
    """Close an accepted request, saying what was done (the resident reads it and may then
    rate the service)."""
    item = _locked(by, instance)
    if item.status != Status.ACCEPTED:
        raise ValidationError(_("Only an accepted request is closed."))
    reply = (data.reply or "").strip()
    if not 2 <= len(reply) <= 500:
        raise ValidationError(
            {"reply": _("Tell the resident what was done (at most 500 characters).")}
        )
    item.status, item.reply, item.closed_at = Status.CLOSED, reply, timezone.now()
    item.save()
    audit_log(
        action="shegong.resident_request.closed",
        actor=by,
        request=request,
        obj=item,
        data={"reply": reply},
    )
    _text_status(item)
    return item


def _locked(by: User, instance: ResidentRequest) -> ResidentRequest:
    if not can(by, instance, "change"):
        raise PermissionDenied(_("You may not act on this request."))
    return ResidentRequest.objects.select_for_update().get(pk=instance.pk)


def request_found(*, code: str, last4: str, address: str | None = None) -> ResidentRequest | None:
    """The request a resident follows: its code and the last four digits of the phone
    given, within the look-up allowance per address (None otherwise, never which was wrong)."""
    code = (code or "").strip().upper().replace("-", "").replace(" ", "")
    last4 = (last4 or "").strip()
    if address:
        if guard.over_limit("track", address):
            return None
        guard.count("track", address)
    if len(code) != 10 or len(last4) != 4 or not last4.isascii() or not last4.isdigit():
        return None
    return (
        ResidentRequest.objects.filter(code=code, phone_last4=last4)
        .select_related("region", "station")
        .first()
    )


@transaction.atomic
def request_rate(
    *, item: ResidentRequest, score: int, note: str = "", request: HttpRequest | None = None
) -> ResidentRequest:
    """The resident's satisfaction (1 to 5) with a closed request, once."""
    item = ResidentRequest.objects.select_for_update().get(pk=item.pk)
    if item.status != Status.CLOSED:
        raise ValidationError(_("A request is rated once it is closed."))
    if item.satisfaction is not None:
        raise ValidationError(_("This request has already been rated. Thank you."))
    if score not in (1, 2, 3, 4, 5):
        raise ValidationError({"satisfaction": _("Choose from 1 to 5.")})
    item.satisfaction, item.satisfaction_note = score, (note or "").strip()[:200]
    item.save(update_fields=["satisfaction", "satisfaction_note"])
    audit_log(
        action="shegong.resident_request.rated",
        actor_name=_("Resident"),
        request=request,
        obj=item,
        data={"satisfaction": score},
    )
    return item


def request_viewed(*, by: User, item: ResidentRequest, request: HttpRequest | None = None) -> None:
    """Record that ``by`` opened a request (its contact is personal data)."""
    audit_log(action="shegong.resident_request.viewed", actor=by, request=request, obj=item)


# ----- notices -------------------------------------------------------------------------


def _subject(item: ResidentRequest) -> str:
    return f"{item.code} · {item.get_kind_display()} · {item.region.name}"


def _url(item: ResidentRequest) -> str:
    return reverse("residents:detail", args=[item.pk])


def _text_status(item: ResidentRequest) -> None:
    """Tell the resident by text message that their request changed (when texts are on)."""
    text_resident(
        phone=item.contact_phone,
        text=_(
            "Shegong: your request %(code)s is now “%(status)s”. Check it on the tracking "
            "page with the code and the last four digits of your phone."
        )
        % {"code": item.code, "status": item.get_status_display()},
    )


def _county_officers(county: str) -> list[int]:
    return list(
        User.objects.filter(
            role=Role.COUNTY_OFFICER, is_active=True, scope_region_id=county
        ).values_list("pk", flat=True)
    )


# working days past the due date after which an unanswered need goes up to the county
ESCALATE_TO_COUNTY_AFTER = 2


def requests_escalate(*, today: datetime.date | None = None) -> int:
    """Raise every request still unanswered after its due date (run daily: the management
    command ``escalate_requests`` or the task ``residents.tasks.escalate``).

    The caller may rely on: a need or suggestion overdue is told to its worker and to the
    station lead; still unanswered ``ESCALATE_TO_COUNTY_AFTER`` working days later, to the
    county officers, who may then act on it; a complaint or report overdue is told to the
    county's officers at once. Each step happens once per request (running it twice
    notifies no one twice); each is audited. Returns how many requests were raised."""
    today = today or timezone.localdate()
    overdue = (
        ResidentRequest.objects.filter(
            status=Status.SUBMITTED, responded_at__isnull=True, due_on__lt=today, escalation__lt=2
        )
        .select_related("region")
        .order_by("pk")
    )
    leads: dict[int, list[int]] = {}
    counties: dict[str, list[int]] = {}
    raised = 0
    for item in overdue.iterator(chunk_size=500):
        if item.kind in OVERSIGHT_KINDS:
            target = 2
        else:
            late = add_working_days(day=item.due_on, n=ESCALATE_TO_COUNTY_AFTER) < today
            target = 2 if late else 1
        if target <= item.escalation:
            continue
        subject, url = _subject(item), _url(item)
        with transaction.atomic():
            if item.escalation < 1 and item.kind not in OVERSIGHT_KINDS:
                if item.station_id not in leads:
                    leads[item.station_id] = list(
                        User.objects.filter(
                            station_id=item.station_id, role=Role.STATION_LEAD, is_active=True
                        ).values_list("pk", flat=True)
                    )
                notify(
                    users=[item.assignee_id] if item.assignee_id else [],
                    event="request.overdue",
                    subject=subject,
                    url=url,
                    key=f"request:{item.pk}:overdue",
                )
                notify(
                    users=[u for u in leads[item.station_id] if u != item.assignee_id],
                    event="request.escalated",
                    subject=subject,
                    url=url,
                    key=f"request:{item.pk}:lead",
                )
            if target == 2:
                county = item.region_id[:6]
                if county not in counties:
                    counties[county] = _county_officers(county)
                notify(
                    users=counties[county],
                    event="request.overdue"
                    if item.kind in OVERSIGHT_KINDS
                    else "request.escalated",
                    subject=subject,
                    url=url,
                    key=f"request:{item.pk}:county",
                )
            ResidentRequest.objects.filter(pk=item.pk).update(escalation=target)
            audit_log(
                action="shegong.resident_request.escalated",
                actor_name=_("Shegong (scheduled)"),
                obj=item,
                data={"to": _("the county") if target == 2 else _("the station lead")},
            )
        raised += 1
    return raised


# ----- matching and what a need became ---------------------------------------------------


@dataclass(frozen=True)
class MatchInput:
    """A suggestion confirmed: ``party`` worker or group, ``target`` its id."""

    party: str
    target: int | None
    note: str = ""


@transaction.atomic
def request_match(
    *, by: User, data: MatchInput, instance: ResidentRequest, request: HttpRequest | None = None
) -> Match:
    """Confirm a match for a need (供需对接).

    The caller may rely on: only whoever may act on the need (its worker, the station
    lead, the county once escalated); only an open need; only one of the suggestions
    (``selectors.suggestions``, not just the first page of them); not the same party
    twice. A worker matched takes the need (and their station with it); a need not yet
    answered is accepted by the match, and the resident is told; the matched worker (or
    the group's workers) get a notice; the first match's time is kept (time to match)."""
    item = _locked(by, instance)
    if item.kind != Kind.NEED:
        raise ValidationError(_("Only a need is matched to a worker or a project."))
    if not item.is_open:
        raise ValidationError(_("This request is no longer open."))
    chosen = next(
        (
            s
            for s in selectors.suggestions(item=item, user=by, limit=None)
            if s.party == data.party and s.target == data.target
        ),
        None,
    )
    if chosen is None:
        raise ValidationError({"target": _("Choose one of the suggestions.")})
    field = {
        "worker": "worker_id",
        "group": "group_id",
        "volunteer": "volunteer_id",
        "organisation": "organisation_id",
    }[chosen.party]
    already = item.matches.filter(**{field: chosen.target})
    if already.exists():
        raise ValidationError(_("This match has already been confirmed."))
    match = Match.objects.create(
        request=item,
        party=chosen.party,
        **{field: chosen.target},
        reasons="；".join(chosen.reasons)[:300],
        note=(data.note or "").strip()[:200],
        confirmed_by=by,
    )
    now = timezone.now()
    fields = []
    if item.matched_at is None:
        item.matched_at = now
        fields.append("matched_at")
    told = []
    if chosen.party == "worker":
        worker = User.objects.select_related("station").get(pk=chosen.target)
        item.assignee, item.station = worker, worker.station
        fields += ["assignee", "station"]
        told = [worker.pk]
    elif chosen.party == "group":
        told = list(Group.objects.get(pk=chosen.target).workers.values_list("pk", flat=True))
    if chosen.party == "volunteer" and by.station_id and by.station_id == item.station_id:
        # the volunteer is signed up to a service event for the need, where the worker
        # confirms their hours like at any other event
        match.event = event_record(
            by=by,
            data=EventInput(
                title=_("Resident's need %(code)s") % {"code": item.code},
                content=item.get_topic_display(),
                date=timezone.localdate(),
                region=item.region_id,
                volunteers=(chosen.target,),
            ),
            request=request,
        )
        match.save(update_fields=["event"])
    if chosen.party in ("volunteer", "organisation"):
        # no account to notify: a text message, when text messages are on
        phone = (
            Volunteer.objects.get(pk=chosen.target).phone
            if chosen.party == "volunteer"
            else Organisation.objects.get(pk=chosen.target).contact_phone
        )
        text_resident(
            phone=phone,
            text=_(
                "Shegong: %(station)s asks your help with a resident's need in %(village)s "
                "(%(code)s); the social worker will call you."
            )
            % {
                "station": item.station.name if item.station_id else "",
                "village": item.region.name,
                "code": item.code,
            },
        )
    accepted = item.status == Status.SUBMITTED
    if accepted:
        item.status, item.responded_at, item.responded_by = Status.ACCEPTED, now, by
        item.reply = item.reply or _("Your need has been matched: %(party)s will contact you.") % {
            "party": chosen.label
        }
        fields += ["status", "responded_at", "responded_by", "reply"]
    item.save(update_fields=fields)
    notify(
        users=[u for u in told if u != by.pk],
        event="match.confirmed",
        subject=_subject(item),
        url=_url(item),
        note=match.note,
        key=f"match:{match.pk}",
    )
    audit_log(
        action="shegong.resident_request.matched",
        actor=by,
        request=request,
        obj=item,
        data={"with": chosen.label, "why": match.reasons},
    )
    if accepted:
        _text_status(item)
    return match


@transaction.atomic
def request_record_visit(
    *, by: User, data: VisitInput, instance: ResidentRequest, request: HttpRequest | None = None
) -> HomeVisit:
    """Record the home visit a need led to and keep the link (the visit is recorded by
    ``work``'s own service, with all its rules). The caller may rely on: only whoever may
    act on the need; a need or suggestion; the visit in the need's village; the person
    visited becomes the need's recipient when it has none yet."""
    item = _locked(by, instance)
    if item.kind not in (Kind.NEED, Kind.SUGGESTION):
        raise ValidationError(_("A visit is linked to a need."))
    if data.region != item.region_id:
        raise ValidationError(
            {
                "region": _("The visit is in the village the need came from: %(v)s.")
                % {"v": item.region.name}
            }
        )
    visit = visit_record(by=by, data=data, request=request)
    item.visit = visit
    if item.recipient_id is None and visit.recipient_id:
        item.recipient_id = visit.recipient_id
    item.save(update_fields=["visit", "recipient"])
    audit_log(
        action="shegong.resident_request.linked",
        actor=by,
        request=request,
        obj=item,
        data={"visit": visit.pk},
    )
    return visit


@dataclass(frozen=True)
class LinkInput:
    """What the need became, by id: the person registered and/or the case opened."""

    recipient: int | None = None
    case: int | None = None


@transaction.atomic
def request_link(
    *, by: User, data: LinkInput, instance: ResidentRequest, request: HttpRequest | None = None
) -> ResidentRequest:
    """Link a need to the service recipient registered from it and/or the case opened
    for it. The caller may rely on: only whoever may act on the need; only records
    ``by`` may change, in the need's county; at least one of them."""
    item = _locked(by, instance)
    errors: dict[str, str] = {}
    county = item.region_id[:6]
    person = one_of(
        Recipient.objects.restrict(by, "change").filter(in_subtree("region_id", county)),
        data.recipient,
        "recipient",
        errors,
    )
    case = one_of(
        Case.objects.restrict(by, "change").filter(in_subtree("region_id", county)),
        data.case,
        "case",
        errors,
    )
    if person is None and case is None and not errors:
        errors["recipient"] = _("Choose the person or the case the need led to.")
    if errors:
        raise ValidationError(errors)
    fields = []
    if person is not None:
        item.recipient = person
        fields.append("recipient")
    if case is not None:
        item.case = case
        fields.append("case")
        if item.recipient_id is None:
            item.recipient_id = case.recipient_id
            fields.append("recipient")
    item.save(update_fields=fields)
    audit_log(
        action="shegong.resident_request.linked",
        actor=by,
        request=request,
        obj=item,
        data={k: getattr(item, f"{k}_id") for k in ("recipient", "case") if k in fields},
    )
    return item


# ----- retention -------------------------------------------------------------------------

# the consent notice promises: kept for three years after the request is closed
RETENTION_YEARS = 3


def requests_purge(*, today: datetime.date | None = None) -> int:
    """Delete the personal data of requests closed more than ``RETENTION_YEARS`` ago, as
    the consent notice promises (run daily: ``manage.py purge_requests``).

    The caller may rely on: the contact, the description, the reply, the resident's
    comment and the photos (their files too) are deleted; what the figures count (kind,
    topic, village, station, dates, status, rating, matches) is kept, anonymous, so past
    periods' indicators do not change; open requests are never touched; one audit entry
    per run with how many. Returns how many requests were purged."""
    today = today or timezone.localdate()
    try:
        cutoff_day = today.replace(year=today.year - RETENTION_YEARS)
    except ValueError:  # 29 February
        cutoff_day = today.replace(year=today.year - RETENTION_YEARS, day=28)
    cutoff = datetime.datetime.combine(
        cutoff_day, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    due = ResidentRequest.objects.filter(
        status__in=(Status.CLOSED, Status.DECLINED), closed_at__lt=cutoff, purged_at__isnull=True
    )
    ids = list(due.values_list("pk", flat=True)[:5000])
    if not ids:
        return 0
    with transaction.atomic():
        photos = list(RequestPhoto.objects.filter(request_id__in=ids))
        names = [p.image.name for p in photos]
        storage = photos[0].image.storage if photos else None
        RequestPhoto.objects.filter(request_id__in=ids).delete()
        ResidentRequest.objects.filter(pk__in=ids).update(
            contact_name="",
            contact_phone="",
            phone_last4="",
            description=_("(deleted after the retention period)"),
            reply="",
            satisfaction_note="",
            purged_at=timezone.now(),
        )
        audit_log(
            action="shegong.resident_request.purged",
            actor_name=_("Shegong (scheduled)"),
            data={"requests": len(ids), "closed before": cutoff_day.isoformat()},
        )
        if storage is not None:
            transaction.on_commit(lambda: [storage.delete(n) for n in names])
    return len(ids)
