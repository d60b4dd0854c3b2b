"""Writes and audited reads of person-level data."""

from django.db import transaction
from pypinyin import Style, lazy_pinyin

from shegong.audit.services import audit_log, form_changes
from shegong.core import crypto
from shegong.indicators import engine

from .models import Household, Recipient, RecipientCategory

REVEALABLE = {
    "id_number": crypto.mask_id_number,
    "phone": crypto.mask_phone,
    "address": crypto.mask_text,
    "guardian_phone": crypto.mask_phone,
    "health_notes": crypto.mask_text,
}


def name_initials(name: str) -> str:
    """Pinyin initials for search: 张伟华 -> zwh (letters and digits kept as they are)."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()[:64]


def id_fields(number: str) -> dict:
    if not number:
        return {"id_hash": None, "id_last4": ""}
    return {"id_hash": crypto.keyed_hash(number), "id_last4": number[-4:]}


@transaction.atomic
def recipient_save(*, form, by, request=None) -> Recipient:
    """Register or update a person from a valid ``RecipientForm``.

    Sets the search keys (pinyin initials, keyed hash, last four digits), the categories
    with their details, and the household (a new one with this person as head when asked).
    """
    created = form.instance.pk is None
    person: Recipient = form.save(commit=False)
    person.name_initials = name_initials(person.name)
    for key, value in id_fields(person.id_number).items():
        setattr(person, key, value)
    if created:
        person.created_by = by
    person.save()
    if form.cleaned_data.get("new_household"):
        household = Household.objects.create(
            region=person.region, address=person.address, head=person
        )
        person.household = household
        person.relation = Recipient.Relation.HEAD
        person.save(update_fields=["household", "relation"])
        engine.sync(household)
    if created:
        engine.sync(person)
    categories = form.cleaned_data.get("categories")
    if categories is not None:
        RecipientCategory.objects.filter(recipient=person).exclude(category__in=categories).delete()
        have = set(
            RecipientCategory.objects.filter(recipient=person).values_list("category_id", flat=True)
        )
        for category in categories:
            detail = {}
            if category.needs_disability_detail:
                detail = {
                    "disability_type": form.cleaned_data.get("disability_type") or "",
                    "disability_grade": form.cleaned_data.get("disability_grade") or None,
                }
            if category.pk in have:
                RecipientCategory.objects.filter(recipient=person, category=category).update(
                    **detail
                )
            else:
                RecipientCategory.objects.create(recipient=person, category=category, **detail)
    data = {k: v for k, v in form_changes(form).items() if k not in REVEALABLE}
    audit_log(
        action="shegong.recipient.created" if created else "shegong.recipient.changed",
        actor=by,
        request=request,
        obj=person,
        data=data,
    )
    return person


def recipient_viewed(*, person: Recipient, by, request=None) -> None:
    """Record that ``by`` opened a person's record (PIPL: reads of personal data are logged)."""
    audit_log(action="shegong.recipient.viewed", actor=by, request=request, obj=person)


def recipient_reveal(*, person: Recipient, field: str, by, request=None) -> str:
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


def masked(person: Recipient) -> dict[str, str]:
    return {field: mask(getattr(person, field)) for field, mask in REVEALABLE.items()}
