"""A person's search keys and masks: what may be stored or shown of an identity.

Pinyin initials and the last four digits make a person findable; the keyed hash makes an
ID number unique without storing it readable; masks show a field without revealing it.
"""

from pypinyin import Style, lazy_pinyin

from shegong.core import crypto

REVEALABLE = {
    "id_number": crypto.mask_id_number,
    "phone": crypto.mask_phone,
    "address": crypto.mask_text,
    "guardian_phone": crypto.mask_phone,
    "health_notes": crypto.mask_text,
}


def name_initials(name: str, /) -> str:
    """Pinyin initials for search: 张伟华 -> zwh (letters and digits kept as they are)."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()[:64]


def id_fields(number: str, /) -> dict:
    """The stored keys of an ID number: its keyed hash (unique) and last four digits."""
    if not number:
        return {"id_hash": None, "id_last4": ""}
    return {"id_hash": crypto.keyed_hash(number), "id_last4": number[-4:]}


def masked(person, /) -> dict[str, str]:
    """Every revealable field of ``person``, masked (no read of the full value is logged)."""
    return {field: mask(getattr(person, field)) for field, mask in REVEALABLE.items()}


def masked_field(person, field: str, /) -> str:
    """One revealable field of ``person``, masked (reads only that field)."""
    return REVEALABLE[field](getattr(person, field))


def person_label(person, /) -> str:
    """A person as a choice: the name and the village (names repeat in a township)."""
    return f"{person.name} · {person.region.name}" if person.region_id else person.name
