"""Writes of 五社联动 records: volunteers, teams, service events, sign-ups, sign-in and
the hours the worker confirms. Each takes data (ids and codes), checks every rule, writes
all or nothing and is audited (never a personal field's value)."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import User
from shegong.audit.describe import snapshot
from shegong.audit.services import audit_log, audit_saved
from shegong.core import crypto
from shegong.core.restrict import can, may_add, require_may_save
from shegong.core.validation import all_of, full_clean, one_of
from shegong.core.validators import normalize_phone, parse_id_number, validate_callback_phone
from shegong.indicators import engine
from shegong.indicators.compute import rule_set_for
from shegong.people.models import Category, Recipient, RecipientCategory
from shegong.regions.models import Level
from shegong.regions.selectors import place_in_scope
from shegong.work.models import Activity, Case, Group, GroupSession

from .models import (
    Allocation,
    Donation,
    Donor,
    Organisation,
    PointEntry,
    Service,
    ServiceEvent,
    Volunteer,
    VolunteerTeam,
)

# what the audit log keeps of a volunteer: never the ID number or the phone
VOLUNTEER_AUDIT = (
    "name",
    "region",
    "skills",
    "availability",
    "political_status",
    "consent",
    "is_active",
)


@dataclass(frozen=True)
class VolunteerInput:
    """A volunteer as typed: the home village by code."""

    name: str
    phone: str
    region: str
    political_status: str
    consent: bool
    id_number: str = ""
    skills: str = ""
    availability: str = ""
    consent_date: datetime.date | None = None
    is_active: bool = True


@transaction.atomic
def volunteer_record(
    *,
    by: User,
    data: VolunteerInput,
    instance: Volunteer | None = None,
    request: HttpRequest | None = None,
) -> Volunteer:
    """Register a volunteer (``instance`` None) or correct one ``by`` may change.

    The caller may rely on: only station staff, for a home village of their township; a
    valid phone; an ID number, when given, well formed and registered once (the volunteer
    number is generated, never the ID number); consent to be recorded, with its date;
    the volunteer, their number and the audit entry (no ID number, no phone) are one
    transaction."""
    require_may_save(
        by,
        Volunteer,
        instance,
        add_refused=_("Only station staff register volunteers."),
        change_refused=_("You may not change this volunteer."),
    )
    errors: dict[str, str] = {}
    person = instance or Volunteer(created_by=by, station_id=by.station_id)
    before = None if instance is None else snapshot(instance, VOLUNTEER_AUDIT)
    person.region = place_in_scope(by=by, code=data.region, levels=(Level.VILLAGE,), errors=errors)
    person.name = (data.name or "").strip()
    person.skills, person.availability = data.skills.strip(), data.availability.strip()
    person.political_status, person.is_active = data.political_status, data.is_active
    person.consent = bool(data.consent)
    person.consent_date = data.consent_date or (timezone.localdate() if data.consent else None)
    if not data.consent:
        errors["consent"] = _(
            "Ask the volunteer's agreement first: service is recorded and certified by name."
        )
    phone = normalize_phone(data.phone or "")
    if not phone:
        errors["phone"] = _("A phone number is needed to sign in at events.")
    else:
        try:
            validate_callback_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    person.phone, person.phone_last4 = phone, phone[-4:]
    person.id_number, person.id_hash, person.id_last4 = "", None, ""
    if data.id_number.strip():
        try:
            parsed = parse_id_number(data.id_number)
        except ValidationError as exc:
            errors["id_number"] = exc.messages[0]
        else:
            digest = crypto.keyed_hash(parsed.number)
            clash = Volunteer.objects.filter(id_hash=digest).exclude(pk=person.pk).first()
            if clash is not None:
                errors["id_number"] = (
                    _("This ID number is already registered: volunteer %(number)s.")
                    % {"number": clash.number}
                    if can(by, clash, "view")
                    else _("This ID number is already registered as a volunteer elsewhere.")
                )
            person.id_number, person.id_hash, person.id_last4 = (
                parsed.number,
                digest,
                parsed.number[-4:],
            )
    full_clean(
        person, errors, exclude=("region", "number") if person.region_id is None else ("number",)
    )
    if instance is None:
        person.number = _next_volunteer_number(by.station.region_id[:6])
    person.save()
    audit_saved(
        entity="volunteer",
        obj=person,
        by=by,
        request=request,
        before=before,
        fields=VOLUNTEER_AUDIT,
        extra={"number": person.number} if instance is None else None,
    )
    return person


def _next_volunteer_number(county: str) -> str:
    """ZY + the county's code + a five-digit sequence: readable, never the ID number."""
    prefix = f"ZY{county}"
    last = Volunteer.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


def volunteer_viewed(*, by: User, volunteer: Volunteer, request: HttpRequest | None = None) -> None:
    """Record that ``by`` opened a volunteer's record (personal data)."""
    audit_log(action="shegong.volunteer.viewed", actor=by, request=request, obj=volunteer)


@dataclass(frozen=True)
class TeamInput:
    name: str
    kind: str
    members: tuple[int, ...] = ()
    leader: int | None = None


TEAM_AUDIT = ("name", "kind", "leader")


@transaction.atomic
def team_record(
    *,
    by: User,
    data: TeamInput,
    instance: VolunteerTeam | None = None,
    request: HttpRequest | None = None,
) -> VolunteerTeam:
    """Form a team at ``by``'s station (or change one): members are the station's
    volunteers; the leader is one of them; a party team's members are Party members."""
    require_may_save(
        by,
        VolunteerTeam,
        instance,
        add_refused=_("Only station staff form volunteer teams."),
        change_refused=_("You may not change this team."),
    )
    errors: dict[str, str] = {}
    team = instance or VolunteerTeam(
        created_by=by, station_id=by.station_id, region_id=by.station.region_id
    )
    before = None if instance is None else snapshot(instance, TEAM_AUDIT)
    team.name, team.kind = (data.name or "").strip(), data.kind
    pool = Volunteer.objects.restrict(by, "change").filter(station_id=team.station_id)
    members = all_of(pool, data.members, "members", errors)
    leader = one_of(pool, data.leader, "leader", errors)
    if leader is not None and leader.pk not in {m.pk for m in members}:
        errors["leader"] = _("The leader is one of the team's members.")
    if team.kind == VolunteerTeam.Kind.PARTY:
        outsiders = [m.name for m in members if not m.is_party_member]
        if outsiders:
            errors["members"] = _("A party team's members are Party members: not %(names)s.") % {
                "names": "、".join(outsiders)
            }
    team.leader = leader
    full_clean(team, errors, exclude=("station", "region"))
    try:
        with transaction.atomic():
            team.save()
    except IntegrityError:
        raise ValidationError({"name": _("The station already has a team of this name.")}) from None
    team.members.set(members)
    audit_saved(
        entity="volunteer_team",
        obj=team,
        by=by,
        request=request,
        before=before,
        fields=TEAM_AUDIT,
        extra={"members": len(members)},
    )
    return team


@dataclass(frozen=True)
class EventInput:
    title: str
    content: str
    date: datetime.date
    region: str
    volunteers: tuple[int, ...] = ()
    activity: int | None = None
    session: int | None = None


@transaction.atomic
def event_record(
    *,
    by: User,
    data: EventInput,
    instance: ServiceEvent | None = None,
    request: HttpRequest | None = None,
) -> ServiceEvent:
    """Plan a volunteer service event at ``by``'s station (or change one), signing up the
    volunteers named (the station's; more may sign up later, none is removed once
    confirmed). The caller may rely on: a place of the station's township; an activity,
    when linked, of the same station."""
    require_may_save(
        by,
        ServiceEvent,
        instance,
        add_refused=_("Only station staff organise volunteer service."),
        change_refused=_("You may not change this event."),
    )
    errors: dict[str, str] = {}
    event = instance or ServiceEvent(created_by=by, station_id=by.station_id)
    event.title, event.content, event.date = data.title.strip(), data.content.strip(), data.date
    event.region = place_in_scope(
        by=by, code=data.region, levels=(Level.TOWNSHIP, Level.VILLAGE), errors=errors
    )
    event.activity = one_of(
        Activity.objects.restrict(by, "change").filter(station_id=event.station_id),
        data.activity,
        "activity",
        errors,
    )
    event.session = one_of(
        GroupSession.objects.filter(
            group__in=Group.objects.restrict(by, "change").filter(station_id=event.station_id)
        ),
        data.session,
        "session",
        errors,
    )
    pool = Volunteer.objects.restrict(by, "change").filter(is_active=True)
    volunteers = all_of(pool, data.volunteers, "volunteers", errors)
    full_clean(event, errors, exclude=("region",) if event.region_id is None else ())
    event.save()
    known = set(event.services.values_list("volunteer_id", flat=True))
    Service.objects.bulk_create(
        [Service(event=event, volunteer=v) for v in volunteers if v.pk not in known]
    )
    engine.sync(event)  # a changed date or place moves its confirmed hours
    audit_log(
        action="shegong.volunteer_event.created"
        if instance is None
        else "shegong.volunteer_event.changed",
        actor=by,
        request=request,
        obj=event,
        data={"title": event.title, "date": event.date.isoformat(), "signed up": len(volunteers)},
    )
    return event


def _event_of(by: User, event: ServiceEvent) -> ServiceEvent:
    if not can(by, event, "change"):
        raise PermissionDenied(_("Only the station's staff run its volunteer service."))
    return ServiceEvent.objects.select_for_update().get(pk=event.pk)


@dataclass(frozen=True)
class AttendanceInput:
    """The worker's ticks: who came (ids of volunteers signed up)."""

    present: tuple[int, ...]


@transaction.atomic
def attendance_record(
    *,
    by: User,
    event: ServiceEvent,
    data: AttendanceInput,
    request: HttpRequest | None = None,
) -> int:
    """Tick by hand who came (when a volunteer has no phone): those ticked are signed in,
    the rest of those signed up are marked absent; confirmed hours are never undone."""
    event = _event_of(by, event)
    rows = {s.volunteer_id: s for s in event.services.exclude(status=Service.Status.CONFIRMED)}
    unknown = (
        set(data.present) - set(rows) - set(event.services.values_list("volunteer_id", flat=True))
    )
    if unknown:
        raise ValidationError({"present": _("Only volunteers signed up to this event.")})
    now = timezone.now()
    for vid, row in rows.items():
        if vid in data.present:
            row.status = Service.Status.PRESENT
            row.signed_in_at = row.signed_in_at or now
        else:
            row.status, row.signed_in_at, row.signed_out_at = Service.Status.ABSENT, None, None
        row.save(update_fields=["status", "signed_in_at", "signed_out_at"])
    audit_log(
        action="shegong.volunteer_event.attendance",
        actor=by,
        request=request,
        obj=event,
        data={"present": len(data.present)},
    )
    return len(data.present)


@dataclass(frozen=True)
class ConfirmInput:
    """Hours confirmed for the volunteers named (ids), each the same."""

    volunteers: tuple[int, ...]
    hours: Decimal


@transaction.atomic
def hours_confirm(
    *, by: User, event: ServiceEvent, data: ConfirmInput, request: HttpRequest | None = None
) -> int:
    """Confirm the hours of volunteers who came (signed in, by QR or by the worker's
    tick): 0.5 to 12 hours, not for an event still in the future; a volunteer absent or
    not signed up is refused; a confirmation can be corrected by confirming again."""
    event = _event_of(by, event)
    if event.date > timezone.localdate():
        raise ValidationError(_("Hours are confirmed on or after the day of the event."))
    hours = Decimal(data.hours).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if not Decimal("0.5") <= hours <= Decimal("12"):
        raise ValidationError({"hours": _("Between 0.5 and 12 hours.")})
    rows = list(
        event.services.filter(
            volunteer_id__in=data.volunteers,
            status__in=(Service.Status.PRESENT, Service.Status.CONFIRMED),
        )
    )
    if not rows or len(rows) != len(set(data.volunteers)):
        raise ValidationError(
            {"volunteers": _("Confirm hours only for volunteers who signed in at this event.")}
        )
    now = timezone.now()
    for row in rows:
        row.status, row.hours, row.confirmed_by, row.confirmed_at = (
            Service.Status.CONFIRMED,
            hours,
            by,
            now,
        )
        row.signed_out_at = row.signed_out_at or now
        row.save()
    _earn(event, rows, by)
    engine.sync(event)
    audit_log(
        action="shegong.volunteer_event.confirmed",
        actor=by,
        request=request,
        obj=event,
        data={"volunteers": len(rows), "hours": str(hours)},
    )
    return len(rows)


@dataclass(frozen=True)
class SignInput:
    """A volunteer at the event, from the QR code on the worker's phone: their volunteer
    number and the last four digits of their phone."""

    number: str
    last4: str


@transaction.atomic
def event_sign(
    *, event: ServiceEvent, data: SignInput, request: HttpRequest | None = None
) -> Service:
    """Sign in (first scan) or out (second scan) at an event on its day, with no account.

    The caller may rely on: the QR code's key was checked by the caller; only on the
    event's day; the number and the last four digits of the phone must match a
    volunteer of the event's station (one message for any mismatch: nothing said about
    which was wrong); a volunteer not signed up is signed up now; signing out after the
    hours are confirmed changes nothing."""
    if event.date != timezone.localdate():
        raise ValidationError(_("Signing in is open on the day of the event only."))
    number = (data.number or "").strip().upper()
    volunteer = Volunteer.objects.filter(
        number=number,
        phone_last4=(data.last4 or "").strip(),
        station_id=event.station_id,
        is_active=True,
    ).first()
    if volunteer is None:
        raise ValidationError(
            _("The volunteer number and the phone's last four digits do not match.")
        )
    row, _created = Service.objects.select_for_update().get_or_create(
        event=event, volunteer=volunteer
    )
    now = timezone.now()
    if row.status == Service.Status.CONFIRMED:
        return row
    if row.signed_in_at is None or row.status in (Service.Status.SIGNED_UP, Service.Status.ABSENT):
        row.status, row.signed_in_at, row.signed_out_at = Service.Status.PRESENT, now, None
        action = "signed_in"
    else:
        row.signed_out_at = now
        action = "signed_out"
    row.save()
    audit_log(
        action=f"shegong.volunteer_event.{action}",
        actor_name=volunteer.number,
        request=request,
        obj=event,
        data={"volunteer": volunteer.number},
    )
    return row


def suggested_hours(*, service: Service) -> Decimal | None:
    """The time between signing in and out, to the half hour (what the worker is offered
    to confirm)."""
    if not (service.signed_in_at and service.signed_out_at):
        return None
    seconds = (service.signed_out_at - service.signed_in_at).total_seconds()
    halves = max(1, round(seconds / 1800))
    return Decimal(halves) / 2


@dataclass(frozen=True)
class OrganisationInput:
    name: str
    kind: str
    stage: str
    region: str
    leader: str
    members: int = 0
    contact_phone: str = ""
    services: str = ""
    support: str = ""
    founded_on: datetime.date | None = None
    filed_on: datetime.date | None = None
    activities: tuple[int, ...] = ()


ORGANISATION_AUDIT = ("name", "kind", "stage", "region", "leader", "members", "filed_on")


@transaction.atomic
def organisation_record(
    *,
    by: User,
    data: OrganisationInput,
    instance: Organisation | None = None,
    request: HttpRequest | None = None,
) -> Organisation:
    """Register a community organisation the station incubates (or change one).

    The caller may rely on: only station staff, in their township; a filed or registered
    organisation has the date it was; that date is not before it was founded nor in the
    future; activities linked are the station's; the name is the station's once."""
    require_may_save(
        by,
        Organisation,
        instance,
        add_refused=_("Only station staff register community organisations."),
        change_refused=_("You may not change this organisation."),
    )
    errors: dict[str, str] = {}
    org = instance or Organisation(created_by=by, station_id=by.station_id)
    before = None if instance is None else snapshot(instance, ORGANISATION_AUDIT)
    org.region = place_in_scope(
        by=by, code=data.region, levels=(Level.TOWNSHIP, Level.VILLAGE), errors=errors
    )
    for name in ("name", "kind", "stage", "leader", "services", "support"):
        value = getattr(data, name)
        setattr(org, name, value.strip() if isinstance(value, str) else value)
    org.members, org.founded_on, org.filed_on = data.members, data.founded_on, data.filed_on
    phone = normalize_phone(data.contact_phone or "")
    if phone:
        try:
            validate_callback_phone(phone)
        except ValidationError as exc:
            errors["contact_phone"] = exc.messages[0]
    org.contact_phone = phone
    if org.stage != Organisation.Stage.INCUBATING and not org.filed_on:
        errors["filed_on"] = _("Give the date it was filed or registered.")
    if org.filed_on and org.filed_on > timezone.localdate():
        errors["filed_on"] = _("This date is in the future.")
    if org.filed_on and org.founded_on and org.filed_on < org.founded_on:
        errors["filed_on"] = _("It was filed after it was founded.")
    activities = all_of(
        Activity.objects.restrict(by, "change").filter(station_id=org.station_id),
        data.activities,
        "activities",
        errors,
    )
    full_clean(org, errors, exclude=("region",) if org.region_id is None else ())
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:
        raise ValidationError(
            {"name": _("The station already has an organisation of this name.")}
        ) from None
    org.activities.set(activities)
    audit_saved(
        entity="organisation",
        obj=org,
        by=by,
        request=request,
        before=before,
        fields=ORGANISATION_AUDIT,
    )
    return org


def _earn(event: ServiceEvent, rows: list[Service], by: User) -> None:
    """Credit points for confirmed hours at the rate of the rule set in force for the
    event's place and year (none when the rate is 0); a confirmation corrected corrects
    its entry, never adds a second."""
    rules = rule_set_for(event.region_id, event.date.year)
    rate = rules.volunteer_points_per_hour if rules else Decimal(0)
    for row in rows:
        if not rate:
            PointEntry.objects.filter(service=row).delete()
            continue
        PointEntry.objects.update_or_create(
            service=row,
            defaults={
                "volunteer_id": row.volunteer_id,
                "kind": PointEntry.Kind.EARNED,
                "points": (row.hours * rate).quantize(Decimal("0.01")),
                "date": event.date,
                "note": event.title[:100],
                "created_by": by,
            },
        )


@dataclass(frozen=True)
class RedeemInput:
    """Points a volunteer spends, and on what (a written-off entry)."""

    points: Decimal
    note: str


@transaction.atomic
def points_redeem(
    *, by: User, volunteer: Volunteer, data: RedeemInput, request: HttpRequest | None = None
) -> PointEntry:
    """Write off points a volunteer redeems. The caller may rely on: only the station's
    staff; a positive amount, with what it is for; never more than the balance (the
    volunteer's row is locked while it is read)."""
    if not can(by, volunteer, "change"):
        raise PermissionDenied(_("You may not change this volunteer."))
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
    points = Decimal(data.points).quantize(Decimal("0.01"))
    errors: dict[str, str] = {}
    if points <= 0:
        errors["points"] = _("Redeem a positive number of points.")
    note = (data.note or "").strip()
    if not note:
        errors["note"] = _("Say what the points are redeemed for.")
    balance = points_balance(volunteer=volunteer)
    if not errors and points > balance:
        errors["points"] = _("Only %(balance)s points are left.") % {"balance": balance}
    if errors:
        raise ValidationError(errors)
    entry = PointEntry.objects.create(
        volunteer=volunteer,
        kind=PointEntry.Kind.REDEEMED,
        points=-points,
        date=timezone.localdate(),
        note=note[:100],
        created_by=by,
    )
    audit_log(
        action="shegong.volunteer.points_redeemed",
        actor=by,
        request=request,
        obj=volunteer,
        data={"points": str(points), "for": note[:100], "left": str(balance - points)},
    )
    return entry


def points_balance(*, volunteer: Volunteer) -> Decimal:
    """The volunteer's points: earned less redeemed."""
    total = PointEntry.objects.filter(volunteer=volunteer).aggregate(s=Sum("points"))["s"]
    return total or Decimal(0)


# ----- charity resources ledger ------------------------------------------------------------


@dataclass(frozen=True)
class DonorInput:
    name: str
    kind: str
    contact_phone: str = ""


@transaction.atomic
def donor_record(
    *, by: User, data: DonorInput, instance: Donor | None = None, request: HttpRequest | None = None
) -> Donor:
    """Record a donor at ``by``'s station (or correct one): a name once per station, a
    valid phone when given (encrypted)."""
    require_may_save(
        by,
        Donor,
        instance,
        add_refused=_("Only station staff keep the charity ledger."),
        change_refused=_("You may not change this donor."),
    )
    errors: dict[str, str] = {}
    donor = instance or Donor(
        created_by=by, station_id=by.station_id, region_id=by.station.region_id
    )
    before = None if instance is None else snapshot(instance, ("name", "kind"))
    donor.name, donor.kind = (data.name or "").strip(), data.kind
    phone = normalize_phone(data.contact_phone or "")
    if phone:
        try:
            validate_callback_phone(phone)
        except ValidationError as exc:
            errors["contact_phone"] = exc.messages[0]
    donor.contact_phone = phone
    full_clean(donor, errors, exclude=("region",))
    try:
        with transaction.atomic():
            donor.save()
    except IntegrityError:
        raise ValidationError(
            {"name": _("The station already has a donor of this name.")}
        ) from None
    audit_saved(
        entity="donor", obj=donor, by=by, request=request, before=before, fields=("name", "kind")
    )
    return donor


@dataclass(frozen=True)
class DonationInput:
    donor: int | None
    kind: str
    amount: Decimal
    received_on: datetime.date
    items: str = ""
    receipt_no: str = ""
    restriction: str = Donation.Restriction.NONE
    restricted_category: int | None = None
    restricted_region: str = ""
    restriction_note: str = ""


DONATION_AUDIT = ("donor", "kind", "amount", "received_on", "receipt_no", "restriction")


@transaction.atomic
def donation_record(
    *,
    by: User,
    data: DonationInput,
    instance: Donation | None = None,
    request: HttpRequest | None = None,
) -> Donation:
    """Record a donation received by ``by``'s station (or correct one).

    The caller may rely on: the donor is the station's; a positive amount; not received in
    the future; goods say what they are; a restriction names its group of people (a
    category), its village (of the township) or its project; a corrected amount never
    falls below what is already allocated."""
    require_may_save(
        by,
        Donation,
        instance,
        add_refused=_("Only station staff keep the charity ledger."),
        change_refused=_("You may not change this donation."),
    )
    errors: dict[str, str] = {}
    donation = instance or Donation(
        created_by=by, station_id=by.station_id, region_id=by.station.region_id
    )
    before = None if instance is None else snapshot(instance, DONATION_AUDIT)
    if data.donor is None:
        errors["donor"] = _("This field is required.")
    donor = one_of(
        Donor.objects.restrict(by, "change").filter(station_id=donation.station_id),
        data.donor,
        "donor",
        errors,
    )
    donation.donor = donor
    donation.kind, donation.amount, donation.received_on = data.kind, data.amount, data.received_on
    donation.items, donation.receipt_no = data.items.strip(), data.receipt_no.strip()
    donation.restriction, donation.restriction_note = (
        data.restriction,
        data.restriction_note.strip(),
    )
    donation.restricted_category = donation.restricted_region = None
    if data.received_on and data.received_on > timezone.localdate():
        errors["received_on"] = _("This date is in the future.")
    if data.kind == Donation.Kind.IN_KIND and not donation.items:
        errors["items"] = _("Say what the goods are.")
    if data.restriction == Donation.Restriction.PEOPLE:
        if data.restricted_category is None:
            errors["restricted_category"] = _("Choose the group of people it is for.")
        donation.restricted_category = one_of(
            Category.objects.all(), data.restricted_category, "restricted_category", errors
        )
    elif data.restriction == Donation.Restriction.VILLAGE:
        donation.restricted_region = place_in_scope(
            by=by, code=data.restricted_region or "-", levels=(Level.VILLAGE,), errors=errors
        )
        if "region" in errors:
            errors["restricted_region"] = errors.pop("region")
    elif data.restriction == Donation.Restriction.PROJECT and not donation.restriction_note:
        errors["restriction_note"] = _("Name the project it is for.")
    if instance is not None:
        used = instance.allocations.aggregate(s=Sum("amount"))["s"] or Decimal(0)
        if data.amount is not None and data.amount < used:
            errors["amount"] = _("¥%(used)s of it is already allocated.") % {"used": used}
    full_clean(donation, errors, exclude=("region", "donor") if donor is None else ("region",))
    donation.save()
    audit_saved(
        entity="donation",
        obj=donation,
        by=by,
        request=request,
        before=before,
        fields=DONATION_AUDIT,
    )
    return donation


@dataclass(frozen=True)
class AllocationInput:
    """Part of a donation, to one of: an activity, a case, a group, or named people."""

    donation: int | None
    amount: Decimal
    date: datetime.date
    activity: int | None = None
    case: int | None = None
    group: int | None = None
    recipients: tuple[int, ...] = ()
    note: str = ""


@transaction.atomic
def allocation_record(
    *, by: User, data: AllocationInput, request: HttpRequest | None = None
) -> Allocation:
    """Allocate part of a donation.

    The caller may rely on: only the station's staff, from the station's donations, to
    the station's own records; exactly one kind of target; a positive amount, never more
    than the donation's balance (the donation's row is locked while it is read, so two
    allocations at once cannot overdraw it); not before it was received nor in the
    future; the donation's restriction kept: a village's money in that village, a group
    of people's money to people of that group (named people or a case's person). The
    allocation, its facts (charity money or goods linked) and the audit entry are one
    transaction."""
    if not may_add(by, Allocation):
        raise PermissionDenied(_("Only station staff keep the charity ledger."))
    errors: dict[str, str] = {}
    if data.donation is None:
        raise ValidationError({"donation": _("This field is required.")})
    donation = one_of(
        Donation.objects.restrict(by, "change").filter(station_id=by.station_id),
        data.donation,
        "donation",
        errors,
    )
    if donation is None:
        raise ValidationError(errors)
    donation = (
        Donation.objects.select_for_update(of=("self",))
        .select_related("restricted_category", "restricted_region")
        .get(pk=donation.pk)
    )
    targets = [t for t in (data.activity, data.case, data.group) if t] + (
        [1] if data.recipients else []
    )
    if len(targets) != 1:
        raise ValidationError(
            {"activity": _("Allocate to one of: an activity, a case, a group, or named people.")}
        )
    mine = {"station_id": by.station_id}
    activity = one_of(
        Activity.objects.restrict(by, "change").filter(**mine), data.activity, "activity", errors
    )
    case = one_of(Case.objects.restrict(by, "change").filter(**mine), data.case, "case", errors)
    group = one_of(Group.objects.restrict(by, "change").filter(**mine), data.group, "group", errors)
    people = all_of(Recipient.objects.restrict(by, "change"), data.recipients, "recipients", errors)
    amount = Decimal(data.amount or 0).quantize(Decimal("0.01"))
    used = donation.allocations.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    balance = donation.amount - used
    if amount <= 0:
        errors["amount"] = _("Allocate a positive amount.")
    elif amount > balance:
        errors["amount"] = _(
            "Only ¥%(balance)s of this donation is left (¥%(amount)s received, "
            "¥%(used)s allocated): ¥%(asked)s is too much."
        ) % {"balance": balance, "amount": donation.amount, "used": used, "asked": amount}
    if data.date and (data.date < donation.received_on or data.date > timezone.localdate()):
        errors["date"] = _("Between the day it was received and today.")
    target = activity or case or group
    region = target.region_id if target else (people[0].region_id if people else donation.region_id)
    if not errors:
        _keep_restriction(donation, region, case, people, errors)
    if errors:
        raise ValidationError(errors)
    allocation = Allocation.objects.create(
        donation=donation,
        amount=amount,
        date=data.date,
        activity=activity,
        case=case,
        group=group,
        note=data.note.strip()[:200],
        station_id=donation.station_id,
        region_id=region,
        created_by=by,
    )
    allocation.recipients.set(people)
    engine.sync(allocation)
    audit_log(
        action="shegong.allocation.created",
        actor=by,
        request=request,
        obj=allocation,
        data={
            "donation": str(donation),
            "amount": str(amount),
            "to": allocation.target_label,
            "left": str(balance - amount),
        },
    )
    return allocation


def _keep_restriction(donation: Donation, region: str, case, people, errors: dict) -> None:
    R = Donation.Restriction
    if donation.restriction == R.VILLAGE and donation.restricted_region_id:
        if not region.startswith(donation.restricted_region_id):
            errors["activity"] = _("This donation is for %(village)s only.") % {
                "village": donation.restricted_region.name
            }
    if donation.restriction == R.PEOPLE and donation.restricted_category_id:
        persons = [case.recipient] if case else list(people)
        inside = set(
            RecipientCategory.objects.filter(
                recipient__in=persons, category_id=donation.restricted_category_id
            ).values_list("recipient_id", flat=True)
        )
        outside = [p.name for p in persons if p.pk not in inside]
        if outside:
            errors["recipients"] = _("This donation is for %(group)s only: not %(names)s.") % {
                "group": donation.restricted_category.name,
                "names": "、".join(outside),
            }


def donation_balance(*, donation: Donation) -> Decimal:
    """What is left of a donation: received less allocated."""
    used = donation.allocations.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    return donation.amount - used
