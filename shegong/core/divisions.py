"""Division codes (统计用区划代码) and the prefix ranges that make "this region and below" cheap.

A code's length gives its level: 2 province, 4 city, 6 county, 9 township, 12 village.
Every code below a region starts with that region's code, so the subtree is the
half-open range [code, code + 1): an index range scan on both SQLite and PostgreSQL,
with no tree walk and no LIKE.
"""

from django.db.models import Q

from .validators import ascii_digits_or_none, is_ascii_digits

LEVEL_LENGTHS = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
LENGTH_LEVELS = {v: k for k, v in LEVEL_LENGTHS.items()}


def level_of(code: str) -> int:
    """The level (1 province … 5 village) of a well-formed code; ValueError otherwise."""
    if not is_ascii_digits(code) or len(code) not in LENGTH_LEVELS:
        raise ValueError(f"not a division code: {code!r}")
    return LENGTH_LEVELS[len(code)]


def parent_code(code: str) -> str | None:
    level = level_of(code)
    return None if level == 1 else code[: LEVEL_LENGTHS[level - 1]]


def ancestor_codes(code: str) -> list[str]:
    """Codes of every ancestor, province first, excluding the code itself."""
    level = level_of(code)
    return [code[: LEVEL_LENGTHS[lv]] for lv in range(1, level)]


def subtree_range(code: str) -> tuple[str, str | None]:
    """The half-open string range [code, successor) holding ``code`` and every code below it.

    The successor is the shortest digit string above every string that starts with
    ``code``: trailing nines dropped, then the last digit raised ("4303" -> "4304",
    "4309" -> "431", "430999" -> "431"). Adding one to the whole code would be wrong
    ("430999" + 1 = "431000" lets the city "4310" in), and so would a punctuation bound
    such as "430:": under the collations production databases use (zh_CN, en_US, ICU)
    punctuation is ignored at the first level. Digit-only strings compare digit by digit
    under every ordinary collation. A code of all nines has no successor: open above.
    """
    if not is_ascii_digits(code):
        raise ValueError(f"not a division code: {code!r}")
    stem = code.rstrip("9")
    if not stem:
        return code, None
    return code, stem[:-1] + str(int(stem[-1]) + 1)


def in_subtree(field: str, code: str | None) -> Q:
    """A Q that keeps rows whose division-code ``field`` lies in ``code``'s subtree.

    ``code=None`` means the whole country (no restriction).
    """
    if code is None:
        return Q()
    lo, hi = subtree_range(code)
    if hi is None:
        return Q(**{f"{field}__gte": lo})
    return Q(**{f"{field}__gte": lo, f"{field}__lt": hi})


def region_filter(field: str, raw: str) -> Q:
    """``in_subtree`` for a code typed by a user: anything that is not a code matches nothing."""
    code = parse_region_code(raw)
    if code is None:
        return Q(pk__in=[])
    return in_subtree(field, code)


def parse_region_code(raw: object) -> str | None:
    """A division code (or a prefix of one) as typed, in ASCII digits; None if it is not one.

    Full-width digits are accepted (NFKC); ``²`` or Arabic-Indic digits are not.
    """
    return ascii_digits_or_none(raw, max_length=12)
