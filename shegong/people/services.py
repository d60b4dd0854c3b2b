"""Writes and audited reads of person-level data."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _

from shegong.accounts.models import User
from shegong.audit.describe import snapshot
from shegong.audit.services import audit_log, audit_saved
from shegong.core import crypto
from shegong.core.restrict import can, require_may_save
from shegong.core.validation import all_of, full_clean, one_of
from shegong.core.validators import normalize_phone, parse_id_number, validate_phone
from shegong.indicators import engine
from shegong.regions.models import Level
from shegong.regions.selectors import place_in_scope

from .identity import REVEALABLE, id_fields, name_initials
from .models import Category, Household, Recipient, RecipientCategory


@dataclass(frozen=True)
class RecipientInput:
    """A person as typed by a worker, the API or an import row: ids and codes, no objects.

    ``id_number`` may be 18 characters or a legacy 15 digits; when given, the sex and birth
    date it encodes win over ``sex`` and ``birth_date``.
    """

    name: str
    region: str
    consent: str = Recipient.Consent.NONE
    id_number: str = ""
    sex: str = ""
    birth_date: datetime.date | None = None
    phone: str = ""
    address: str = ""
    household: int | None = None
    new_household: bool = False
    relation: str = ""
    self_care: str = ""
    guardian_name: str = ""
    guardian_relation: str = ""
    guardian_phone: str = ""
    consent_date: datetime.date | None = None
    consent_giver: str = ""
    health_notes: str = ""
    categories: tuple[int, ...] = ()
    disability_type: str = ""
    disability_grade: int | None = None


# what a RecipientInput carries that is a plain column of the person
PERSON_COLUMNS = (
    "name",
    "sex",
    "birth_date",
    "phone",
    "address",
    "relation",
    "self_care",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
    "consent",
    "consent_date",
    "consent_giver",
    "health_notes",
)


# what the audit log keeps of a person: never a revealable (encrypted) field's value
PERSON_AUDIT = (
    *(name for name in PERSON_COLUMNS if name not in REVEALABLE),
    "region",
    "household",
)


@transaction.atomic
def recipient_record(
    *,
    by: User,
    data: RecipientInput,
    instance: Recipient | None = None,
    request: HttpRequest | None = None,
) -> Recipient:
    """Register a person (``instance`` None) or correct one ``by`` may change.

    The caller may rely on: only station staff register people, in a village of their
    township; the ID number is well formed (check character, a birth date that exists) and
    registered once in the whole system (the message says whose it is only when the
    caller may see that person); phones are normalised; a disability category needs its
    type and grade; an existing household is one ``by`` may change, in the same village,
    with a relation to its head; the model's rules hold. The person, the search keys, the
    categories, a new household and the audit entry (never a personal field's value) are
    one transaction.
    """
    require_may_save(
        by,
        Recipient,
        instance,
        add_refused=_("Only station staff register service recipients."),
        change_refused=_("You may not change this record."),
    )
    errors: dict[str, str] = {}
    person = instance or Recipient(created_by=by)
    before = None if instance is None else snapshot(instance, PERSON_AUDIT)
    person.region = place_in_scope(by=by, code=data.region, levels=(Level.VILLAGE,), errors=errors)
    categories = all_of(Category.current(), data.categories, "categories", errors)
    recipient_rules(person=person, data=data, categories=categories, errors=errors)
    if person.id_number and "id_number" not in errors:
        clash = Recipient.objects.filter(id_hash=crypto.keyed_hash(person.id_number))
        other = clash.exclude(pk=person.pk).first() if person.pk else clash.first()
        if other is not None:
            errors["id_number"] = _duplicate_message(other, by)
    household = _household(person, data, by, errors)
    full_clean(person, errors, exclude=("region",) if person.region is None else ())
    for key, value in id_fields(person.id_number).items():
        setattr(person, key, value)
    person.household = household
    person.save()
    if data.new_household:
        household = Household.objects.create(
            region=person.region, address=person.address, head=person
        )
        person.household, person.relation = household, Recipient.Relation.HEAD
        person.save(update_fields=["household", "relation"])
        engine.sync(household)
    if instance is None:
        engine.sync(person)
    _link_categories(person, categories, data)
    audit_saved(
        entity="recipient",
        obj=person,
        by=by,
        request=request,
        before=before,
        fields=PERSON_AUDIT,
        extra={"categories": "、".join(c.name for c in categories)} if instance is None else None,
    )
    return person


def recipient_rules(
    *, person: Recipient, data: RecipientInput, categories: list[Category], errors: dict
) -> None:
    """Set ``person`` from ``data`` and collect what breaks the rules that read nothing
    from the database: the ID number's check character and birth date, a typed sex or birth
    date that contradicts it, phones, a disability category's type and grade. Every way a
    person comes in (``recipient_record``, an import row) goes through these; the caller
    adds what needs the database (scope, the ID registered once, the household) and the
    model's own rules (``full_clean``)."""
    for name in PERSON_COLUMNS:
        setattr(person, name, getattr(data, name))
    _identity(person, data, errors)
    if any(c.needs_disability_detail for c in categories):
        if not data.disability_type:
            errors["disability_type"] = _("Give the disability type.")
        if not data.disability_grade:
            errors["disability_grade"] = _("Give the disability grade.")
    person.name_initials = name_initials(person.name)


def _identity(person: Recipient, data: RecipientInput, errors: dict) -> None:
    """The ID number checked, with its sex and birth date; phones normalised."""
    person.id_number = ""
    if data.id_number.strip():
        try:
            parsed = parse_id_number(data.id_number)
        except ValidationError as exc:
            errors["id_number"] = exc.messages[0]
        else:
            person.id_number = parsed.number
            _agrees_with_id(parsed, data, errors)
            person.sex, person.birth_date = parsed.sex, parsed.birth_date
    for name in ("phone", "guardian_phone"):
        value = normalize_phone(getattr(data, name) or "")
        try:
            validate_phone(value)
        except ValidationError as exc:
            errors[name] = exc.messages[0]
        setattr(person, name, value)


def _agrees_with_id(parsed, data: RecipientInput, errors: dict) -> None:
    """A typed sex or birth date that contradicts the ID number is pointed out, not
    silently replaced (leave them empty and the ID number fills them in)."""
    if data.sex and data.sex != parsed.sex:
        errors["sex"] = _(
            "The ID number says %(sex)s; leave the sex empty or correct the ID number."
        ) % {"sex": Recipient.Sex(parsed.sex).label}
    if data.birth_date and data.birth_date != parsed.birth_date:
        errors["birth_date"] = _(
            "The ID number says born %(date)s; leave the birth date empty or correct the ID number."
        ) % {"date": parsed.birth_date.isoformat()}


def _duplicate_message(other: Recipient, by) -> str:
    if Recipient.objects.restrict(by).filter(pk=other.pk).exists():
        return _("This ID number is already registered: %(name)s (%(village)s).") % {
            "name": other.name,
            "village": other.region.name,
        }
    return _(
        "This ID number is already registered outside your area; ask the county "
        "civil-affairs bureau to transfer the person."
    )


def _household(person: Recipient, data: RecipientInput, by, errors: dict):
    """The existing household named (one ``by`` may change, in the same village, with a
    relation to its head), or None."""
    household = one_of(
        Household.objects.restrict(by, "change"), data.household, "household", errors
    )
    if household is None:
        return None
    if data.new_household:
        errors["household"] = _("Choose an existing household or start a new one, not both.")
    elif person.region is not None and household.region_id != person.region.code:
        errors["household"] = _("This household lives in another village.")
    if not data.relation:
        errors["relation"] = _("Give the relation to the head of the household.")
    return household


def _link_categories(person: Recipient, categories: list[Category], data: RecipientInput) -> None:
    """The person's categories become exactly ``categories`` (details kept up to date)."""
    links = RecipientCategory.objects.filter(recipient=person)
    links.exclude(category__in=categories).delete()
    have = set(links.values_list("category_id", flat=True))
    for category in categories:
        detail = {}
        if category.needs_disability_detail:
            detail = {
                "disability_type": data.disability_type or "",
                "disability_grade": data.disability_grade or None,
            }
        if category.pk in have:
            links.filter(category=category).update(**detail)
        else:
            RecipientCategory.objects.create(recipient=person, category=category, **detail)


@dataclass(frozen=True)
class HouseholdInput:
    """A household's correction: its address, and which of its members is the head (by id).

    ``former_head_relation`` is what the head until now becomes (其他 when not given)."""

    address: str = ""
    head: int | None = None
    former_head_relation: str = ""


# what the audit log keeps of a household: never the (encrypted) address
HOUSEHOLD_AUDIT = ("region", "head")


@transaction.atomic
def household_record(
    *,
    by: User,
    data: HouseholdInput,
    instance: Household,
    request: HttpRequest | None = None,
) -> Household:
    """Correct a household ``by`` may change: its address, and its head.

    The caller may rely on: the head is one of the household's own members; the new head's
    relation becomes 户主 and the former head's the relation given (其他 otherwise), each
    member saved (so phones see the change); the household, the members and the audit
    entry (never the address) are one transaction. A household is started with its head,
    when that person is registered (``RecipientInput.new_household``); it is not deleted:
    its members move or leave.
    """
    require_may_save(
        by,
        Household,
        instance,
        add_refused=_("A household is started with its head, when that person is registered."),
        change_refused=_("You may not change this record."),
    )
    errors: dict[str, str] = {}
    before = snapshot(instance, HOUSEHOLD_AUDIT)
    members = Recipient.objects.restrict(by, "change").filter(household=instance)
    head = one_of(members, data.head, "head", errors)
    if data.head is None:
        errors["head"] = _("Choose the head of the household among its members.")
    relations = {value for value, _label in Recipient.Relation.choices}
    former_relation = data.former_head_relation or Recipient.Relation.OTHER
    if former_relation not in relations or former_relation == Recipient.Relation.HEAD:
        errors["former_head_relation"] = _("Give the former head's relation to the new head.")
    instance.address = data.address
    full_clean(instance, errors)
    former = instance.head if instance.head_id and instance.head_id != data.head else None
    instance.head = head
    instance.save()
    if head is not None and head.relation != Recipient.Relation.HEAD:
        _relate(head, Recipient.Relation.HEAD)
    if former is not None and former.household_id == instance.pk:
        _relate(former, former_relation)
    audit_saved(
        entity="household",
        obj=instance,
        by=by,
        request=request,
        before=before,
        fields=HOUSEHOLD_AUDIT,
    )
    return instance


def _relate(person: Recipient, relation: str) -> None:
    """A member's relation to the head changes: a new version of the person (an edit form
    or a phone holding the old one is told), saved so the change feed carries it."""
    person.relation = relation
    person.version = F("version") + 1
    person.save(update_fields=["relation", "version"])
    person.refresh_from_db(fields=["version"])


def recipient_viewed(*, person: Recipient, by: User, request: HttpRequest | None = None) -> None:
    """Record that ``by`` opened a person's record (PIPL: reads of personal data are logged)."""
    audit_log(action="shegong.recipient.viewed", actor=by, request=request, obj=person)


def recipient_opened_for_edit(
    *, person: Recipient, by: User, request: HttpRequest | None = None
) -> None:
    """Record that ``by`` opened a person's edit form, which shows every personal field in
    full (a reveal of all of them): needs the 'reveal' permission, like 显示."""
    if not can(by, person, "reveal"):
        raise PermissionDenied(_("You may not see this person's personal data in full."))
    audit_log(
        action="shegong.recipient.opened_for_edit",
        actor=by,
        request=request,
        obj=person,
        data={
            "fields": "、".join(str(Recipient._meta.get_field(f).verbose_name) for f in REVEALABLE)
        },
    )


def household_opened_for_edit(
    *, household: Household, by: User, request: HttpRequest | None = None
) -> None:
    """Record that ``by`` opened a household's edit form, which shows its address in full:
    needs the 'reveal' permission, like a person's form."""
    if not can(by, household, "reveal"):
        raise PermissionDenied(_("You may not see this person's personal data in full."))
    audit_log(action="shegong.household.opened_for_edit", actor=by, request=request, obj=household)


def recipient_reveal(
    *, person: Recipient, field: str, by: User, request: HttpRequest | None = None
) -> str:
    """The full value of a masked field; the caller has checked the 'reveal' permission."""
    if field not in REVEALABLE:
        raise ValueError(field)
    audit_log(
        action="shegong.recipient.revealed",
        actor=by,
        request=request,
        obj=person,
        data={"field": field},
    )
    return getattr(person, field)
