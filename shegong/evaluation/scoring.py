"""The arithmetic of evaluation, pure: which scores an item's method allows, the suggested
score of a measured figure, whether a tree's maxima add up, and the spot check's draw.
Nothing here reads the database; the services call it with what they have read."""

import math
import random
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import combinations

from django.utils.translation import gettext as _

ZERO = Decimal(0)


def dec(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def check_score(score: Decimal, *, method: str, max_score: Decimal, options: list) -> str | None:
    """None if ``score`` is one the item's method allows, else the reason in words.

    - yes/no: 0 or the maximum;
    - graded: one of the levels' scores;
    - combined: a sum of some of the sub-checks;
    - deduction (and no method): anything from 0 to the maximum.
    """
    if score < 0 or score > max_score:
        return _("A score from 0 to %(max)s.") % {"max": _num(max_score)}
    if method == "yes_no" and score not in (ZERO, max_score):
        return _("This item scores 0 or %(max)s.") % {"max": _num(max_score)}
    if method == "graded" and options:
        levels = sorted({dec(o["score"]) for o in options}, reverse=True)
        if score not in levels:
            return _("This item scores one of: %(levels)s.") % {
                "levels": "、".join(_num(v) for v in levels)
            }
    if method == "combined" and options:
        sums = subset_sums([dec(o["score"]) for o in options])
        if score not in sums:
            return _("This score is not a sum of the item's sub-checks.")
    return None


def subset_sums(parts: Sequence[Decimal]) -> set[Decimal]:
    """Every sum of some of ``parts`` (a combined item has a handful of sub-checks)."""
    sums = {ZERO}
    for n in range(1, len(parts) + 1):
        for combo in combinations(parts, n):
            sums.add(sum(combo, ZERO))
    return sums


def suggest(value: Decimal | None, bands: list) -> Decimal | None:
    """The score the first band (highest ``min`` first) that ``value`` reaches gives;
    None with no figure or no band reached."""
    if value is None or not bands:
        return None
    for band in sorted(bands, key=lambda b: dec(b["min"]), reverse=True):
        if value >= dec(band["min"]):
            return dec(band["score"])
    return None


def sum_errors(nodes: Iterable, total: Decimal) -> list[str]:
    """Where a tree's maxima do not add up, in words: each dimension and sub-dimension must
    hold the sum of its children, the dimensions the tree's total.

    ``nodes`` are objects with ``code``, ``title``, ``max_score``, ``level`` and
    ``parent_code`` (None at the top)."""
    nodes = list(nodes)
    children: dict[str | None, list] = {}
    for node in nodes:
        children.setdefault(node.parent_code, []).append(node)
    errors = []
    top = sum((dec(n.max_score) for n in children.get(None, [])), ZERO)
    if top != total:
        errors.append(
            _("The dimensions add up to %(sum)s, not %(total)s.")
            % {"sum": _num(top), "total": _num(total)}
        )
    for node in nodes:
        if node.level == 3:
            continue
        kids = children.get(node.code, [])
        if not kids:
            errors.append(_("“%(title)s” has no items.") % {"title": node.title})
            continue
        got = sum((dec(k.max_score) for k in kids), ZERO)
        if got != dec(node.max_score):
            errors.append(
                _("The items under “%(title)s” add up to %(sum)s, not its %(max)s.")
                % {"title": node.title, "sum": _num(got), "max": _num(node.max_score)}
            )
    return errors


def method_errors(*, method: str, max_score: Decimal, options: list) -> list[str]:
    """Whether an item's parts fit its method and maximum."""
    scores = [dec(o["score"]) for o in options or []]
    if method in ("combined", "graded") and not scores:
        return [_("A combined or graded item needs its sub-checks or levels.")]
    if method == "combined" and sum(scores, ZERO) != max_score:
        return [
            _("The sub-checks add up to %(sum)s, not the item's %(max)s.")
            % {"sum": _num(sum(scores, ZERO)), "max": _num(max_score)}
        ]
    if method == "graded" and max(scores) != max_score:
        return [_("The highest level must score the item's maximum.")]
    if method == "deduction" and any(s <= 0 for s in scores):
        return [_("Each deduction takes off more than 0.")]
    if any(s < 0 or s > max_score for s in scores):
        return [_("A part scores more than the item's maximum.")]
    return []


# ----- the spot check's draw --------------------------------------------------------------


def sample_size(population: int, share: Decimal) -> int:
    """How many a share (at least 30 %) of ``population`` is: rounded up, at least one."""
    if population <= 0:
        return 0
    return min(population, max(1, math.ceil(population * dec(share) / 100)))


def draw(ids: Sequence[int], share: Decimal, seed: str) -> list[int]:
    """The stations a spot check visits: ``sample_size`` of ``ids`` drawn with Python's
    Mersenne Twister seeded by ``seed`` over the ids in ascending order, so anyone with
    the seed and the list draws the same stations in the same order."""
    population = sorted(ids)
    return random.Random(seed).sample(population, sample_size(len(population), share))


def _num(value) -> str:
    value = dec(value)
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
