"""Division codes (统计用区划代码) and the prefix ranges that make "this region and below" cheap.

A code's length gives its level: 2 province, 4 city, 6 county, 9 township, 12 village.
Every code below a region starts with that region's code, so the subtree is the
half-open range [code, code with its last digit + 1): an index range scan on both
SQLite and PostgreSQL, with no tree walk and no LIKE.
"""

from django.db.models import Q

LEVEL_LENGTHS = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
LENGTH_LEVELS = {v: k for k, v in LEVEL_LENGTHS.items()}


def level_of(code: str) -> int:
    """The level (1 province … 5 village) of a well-formed code; ValueError otherwise."""
    if not code.isdigit() or len(code) not in LENGTH_LEVELS:
        raise ValueError(f"not a division code: {code!r}")
    return LENGTH_LEVELS[len(code)]


def parent_code(code: str) -> str | None:
    level = level_of(code)
    return None if level == 1 else code[: LEVEL_LENGTHS[level - 1]]


def ancestor_codes(code: str) -> list[str]:
    """Codes of every ancestor, province first, excluding the code itself."""
    level = level_of(code)
    return [code[: LEVEL_LENGTHS[lv]] for lv in range(1, level)]


def subtree_range(code: str) -> tuple[str, str]:
    """The half-open string range holding ``code`` and every code below it."""
    return code, code[:-1] + chr(ord(code[-1]) + 1)


def in_subtree(field: str, code: str | None) -> Q:
    """A Q that keeps rows whose division-code ``field`` lies in ``code``'s subtree.

    ``code=None`` means the whole country (no restriction).
    """
    if code is None:
        return Q()
    lo, hi = subtree_range(code)
    return Q(**{f"{field}__gte": lo, f"{field}__lt": hi})
