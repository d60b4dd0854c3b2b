"""Several counts in one query: a page that shows what waits (filings to review, spending
to approve, rectification overdue…) counted each list apart, one round trip and one
compiled statement a count; eight of the county's home page's sixteen queries were such
counts. Here every count is a scalar subquery of a single ``SELECT``:

    purchase, evaluation = count_together(
        purchase_selectors.to_do_queries(user=user, today=today),
        evaluation_selectors.to_do_queries(user=user, today=today),
    )

Each group is a ``{name: queryset}`` dict (what a selector returns); the answer is one
``{name: count}`` dict a group, in the same order. A queryset counts as ``.count()`` would:
its own filters and restriction, its joins, on the database the router gives it. Only a
plain list of rows is taken: a sliced, distinct, grouped or combined queryset raises
``ValueError`` (count it alone). Groups with no querysets cost no query, nor does a
queryset that can match nothing (``none()``, ``pk__in=[]``): its count is 0.
"""

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, QuerySet


def _counting_sql(queryset: QuerySet, alias: str) -> tuple[str, tuple]:
    """``queryset.count()``'s SQL, compiled and not run: what Django's
    ``Query.get_aggregation`` builds for a query that needs no subquery (``COUNT(*)`` in
    place of the selected columns, no ordering), so the kept-shape compiler keeps it."""
    query = queryset.query
    if query.is_sliced or query.distinct or query.group_by is not None or query.combinator:
        raise ValueError(
            f"count_together: {queryset.model.__name__} is sliced, distinct, grouped or "
            "combined; count it alone"
        )
    if any(getattr(a, "contains_aggregate", True) for a in query.annotations.values()):
        raise ValueError(f"count_together: {queryset.model.__name__} is aggregated")
    counting = query.chain()
    count = Count("*").resolve_expression(counting, allow_joins=True, summarize=True)
    counting.select, counting.selected, counting.default_cols = (), None, False
    counting.extra = {}
    counting.annotations = {"shegong_count": count}  # the filters hold their own copies
    counting.set_annotation_mask(["shegong_count"])
    counting.clear_ordering(force=True)
    counting.select_for_update = False
    counting.select_related = False
    return counting.get_compiler(using=alias, elide_empty=True).as_sql()


def count_together(*groups: dict[str, QuerySet]) -> list[dict[str, int]]:
    """The count of each queryset of each group, read in one query (see the module)."""
    named = [(g, name, qs) for g, group in enumerate(groups) for name, qs in group.items()]
    answers: list[dict[str, int]] = [{} for _ in groups]
    if not named:
        return answers
    aliases = {qs.db for _, _, qs in named}
    if len(aliases) != 1:
        raise ValueError(f"count_together: the querysets read different databases {aliases}")
    alias = aliases.pop()
    asked, selects, params = [], [], []
    for g, name, qs in named:
        try:
            sql, p = _counting_sql(qs, alias)
        except EmptyResultSet:  # ``none()``, ``pk__in=[]``: nothing to ask the database
            answers[g][name] = 0
            continue
        asked.append((g, name))
        selects.append(f"({sql}) AS c{len(selects)}")
        params.extend(p)
    if selects:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(selects), params)
            row = cursor.fetchone()
        for (g, name), value in zip(asked, row, strict=True):
            answers[g][name] = int(value or 0)
    # each group's names in the order it gave them
    return [{name: answers[g][name] for name in group} for g, group in enumerate(groups)]
