"""A SELECT's SQL kept by its shape, so the ORM builds it once per process, not on every
request.

Django compiles a queryset anew each time it runs: it resolves the columns of the model
and of every ``select_related`` table, the ordering and the joins, and then the WHERE
clause with this request's values. Under load that compiling was a sixth of a page's CPU,
most of it the SELECT list and the ORDER BY, which are the same on every request (a list
of visits always selects the same 60 columns and orders them the same way); only the
WHERE's values change (this user's region, this page's filters).

So the compiler keeps, per *shape*, the SQL before and after the WHERE and what it learnt
about the columns (``select``, ``klass_info``, …). A shape is everything in the query
except its WHERE: the model, the joins with their aliases, ``select_related``, deferred
fields, the ordering, distinct, LIMIT/OFFSET and so on. The WHERE is compiled every time,
with this request's values, and put between the two kept parts. Its params stay
parameters: nothing of a request's values is kept.

What is not kept, and compiled by Django as before: a query with an annotation other
than counts, sums and their like (a subquery, ``Exists``, a window, raw SQL), ``extra()``,
a filtered relation, a set operation (``union()``), ``explain()``, ``select_for_update()``
(its checks run at compile time), aggregates or window functions in its filter, and any
query with an attribute this module does not know (a newer Django's), so the cache turns
itself off rather than guessing.

Tests run with ``SHEGONG_SQL_CACHE_VERIFY``: every query the suite runs is compiled by
Django as well, from a copy, and must give the same SQL, parameters and columns.

The backends of ``shegong.core.db`` use this compiler; ``SHEGONG_SQL_CACHE=0`` turns it
off (docs/operations.md)."""

import datetime
import decimal
import uuid

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models import Aggregate, F, Lookup, Value
from django.db.models.expressions import (
    Case,
    Col,
    CombinedExpression,
    ExpressionWrapper,
    OrderBy,
    Ref,
    Star,
    When,
)
from django.db.models.functions import Cast, Coalesce, Extract, Substr
from django.db.models.functions.datetime import TruncBase
from django.db.models.sql.datastructures import BaseTable, Join
from django.db.models.sql.where import WhereNode
from django.utils import timezone

# the most shapes a process keeps (a shape is a few kilobytes; the load test's plan uses
# about 170, a page of a list is a shape of its own): the oldest goes first
LIMIT = 2000
_MARK = "\x00shegong-where\x00"


class _Param:
    """The WHERE's place among the parameters while a shape is first compiled."""

    __slots__ = ()


_WHERE_PARAM = _Param()
_kept: dict = {}
counts = {"kept": 0, "reused": 0, "django": 0}


def keep(store: dict, key, value, limit: int) -> None:
    """``store[key] = value``, the oldest keys dropped first to keep at most ``limit`` (the
    shapes here, the restrictions of ``core.restrict``)."""
    while len(store) >= limit:
        try:  # another thread (runserver's, say) may take the same oldest
            store.pop(next(iter(store)), None)
        except (StopIteration, RuntimeError):
            break
    store[key] = value


class _NotKept(Exception):
    """This query's shape is not kept: Django compiles it as it would."""


def _refuse(value):
    raise _NotKept


def _alias_map(aliases):
    shape = []
    for alias, table in aliases.items():
        kind = type(table)
        if kind is BaseTable:
            shape.append((alias, table.table_name, table.table_alias))
        elif kind is Join and table.filtered_relation is None:
            shape.append(
                (
                    alias,
                    table.table_name,
                    table.table_alias,
                    table.parent_alias,
                    table.join_type,
                    table.join_field,
                    table.nullable,
                )
            )
        else:
            raise _NotKept
    return tuple(shape)


def _frozen(value):
    """A dict of dicts (``select_related``) as nested tuples."""
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in value.items())
    return value


# the expressions an annotation, an ordering or a grouping may be built of to be kept
# (columns, counts, sums, exists()'s constant, conditional counts): each is told apart by
# its identity, values included; a subquery, Exists, raw SQL or a window is not kept (its
# identity would hold a queryset, told apart only by being the same object)
_PLAIN_EXPRESSIONS = (
    Col,
    F,
    Ref,
    OrderBy,
    Value,
    Star,
    Aggregate,
    Coalesce,
    Substr,
    Cast,
    TruncBase,
    Extract,
    Case,
    When,
    WhereNode,
    Lookup,
    ExpressionWrapper,
    CombinedExpression,
)
# the values a query's shape (here) or a kept restriction (``core.restrict``) tells apart
# by their type as well as their value: 1, True and 1.0 are equal and are not one query
PLAIN_VALUES = (
    str,
    int,
    float,
    bool,
    decimal.Decimal,
    datetime.date,
    datetime.datetime,
    datetime.time,
    datetime.timedelta,
    uuid.UUID,
    type(None),
)


def _value_types(value, types):
    if isinstance(value, (list, tuple)):
        for item in value:
            _value_types(item, types)
    elif isinstance(value, PLAIN_VALUES):
        types.append(type(value))  # 1, True and 1.0 are equal, and are not one shape
    else:
        raise _NotKept


def _walk(node, types):
    if not isinstance(node, _PLAIN_EXPRESSIONS):
        raise _NotKept
    if isinstance(node, WhereNode):
        children = node.children
    elif type(node) is F:
        return
    else:
        children = node.get_source_expressions()
        if isinstance(node, Value):
            _value_types(node.value, types)
        elif isinstance(node, Lookup) and not hasattr(node.rhs, "resolve_expression"):
            _value_types(node.rhs, types)
    for child in children:
        if child is not None:
            _walk(child, types)


def _annotations(value):
    types = []
    for expression in value.values():
        _walk(expression, types)
    return tuple(value.items()), tuple(types)


def _expressions(value):
    """``select``, ``order_by``, ``group_by`` (None or True too), ``selected``'s values:
    names, positions and plain expressions."""
    if value is None or value is True:
        return value
    types = []
    for item in value.values() if isinstance(value, dict) else value:
        if not isinstance(item, (str, int)):
            _walk(item, types)
    return (tuple(value.items()) if isinstance(value, dict) else tuple(value)), tuple(types)


def _empty_only(value):
    if value:
        raise _NotKept
    return None


def _false_only(value):
    if value:
        raise _NotKept
    return False


def _items(value):
    return None if value is None else tuple(value.items())


def _mask(value):
    return None if value is None else tuple(value)


def _same(value):
    return value


# every attribute a Query may hold, and how it enters the shape; an attribute not here
# (a newer Django's) makes the query not kept
_SHAPE = {
    "model": _same,
    "alias_cols": _same,
    "alias_map": _alias_map,
    "alias_refcount": _items,
    "table_map": lambda v: tuple((k, tuple(a)) for k, a in v.items()),
    "external_aliases": _items,
    "base_table": _same,
    "alias_prefix": _same,
    "subq_aliases": _same,
    "select": _expressions,
    "default_cols": _same,
    "select_related": _frozen,
    "max_depth": _same,
    "deferred_loading": lambda v: (frozenset(v[0]), v[1]),
    "values_select": _same,
    "selected": _expressions,
    "order_by": _expressions,
    "extra_order_by": _same,
    "extra_tables": _same,
    "default_ordering": _same,
    "standard_ordering": _same,
    "group_by": _expressions,
    "distinct": _same,
    "distinct_fields": _same,
    "low_mark": _same,
    "high_mark": _same,
    "subquery": _same,
    "annotation_select_mask": _mask,
    "extra_select_mask": _mask,
    "annotations": _annotations,
    "extra": _empty_only,
    "_filtered_relations": _empty_only,
    "combinator": _empty_only,
    "combined_queries": _empty_only,
    "combinator_all": _same,
    "explain_info": _empty_only,
    "select_for_update": _false_only,
    "select_for_update_nowait": _same,
    "select_for_update_skip_locked": _same,
    "select_for_update_of": _same,
    "select_for_no_key_update": _same,
    # not part of the SQL: the WHERE is compiled each time; the others are worked out
    # from the ones above, or used only while filters are added
    "where": None,
    "used_aliases": None,
    "_lookup_joins": None,
    "_db": None,  # a subquery's database, set by QuerySet.resolve_expression
    "contains_aggregate": None,
    "contains_over_clause": None,
    "filter_is_sticky": None,
    "_annotation_select_cache": None,
    "_extra_select_cache": None,
}


class KeptShapeCompiler:
    """Mixed into a backend's ``SQLCompiler``: ``as_sql`` reuses the SQL of a shape it
    has compiled before and compiles only the WHERE."""

    def _shape(self, with_limits, with_col_aliases):
        query = self.query
        parts = []
        for name, value in query.__dict__.items():
            try:
                freeze = _SHAPE[name]
            except KeyError:
                raise _NotKept from None
            if freeze is not None:
                parts.append((name, freeze(value)))
        key = (
            self.connection.alias,
            type(self),
            type(query),
            with_limits,
            with_col_aliases,
            timezone.get_current_timezone_name() if settings.USE_TZ else None,
            *parts,
        )
        hash(key)  # an unhashable part (a field's default, say) is not kept
        return key

    def as_sql(self, with_limits=True, with_col_aliases=False):
        try:
            key = self._shape(with_limits, with_col_aliases)
        except (_NotKept, TypeError):
            counts["django"] += 1
            return super().as_sql(with_limits, with_col_aliases)
        if settings.SHEGONG_SQL_CACHE_VERIFY:
            copy = self.query.clone()
        kept = _kept.get(key)
        if kept is None:
            sql, params = self._compile_first(key, with_limits, with_col_aliases)
        else:
            sql, params = self._compile_again(kept, with_limits, with_col_aliases)
        if settings.SHEGONG_SQL_CACHE_VERIFY:
            self._verify(copy, sql, params, with_limits, with_col_aliases)
        return sql, params

    def _compile_again(self, kept, with_limits, with_col_aliases):
        query = self.query
        where, having, qualify = query.where.split_having_qualify(
            must_group_by=query.group_by is not None
        )
        if having is not None or qualify is not None:
            counts["django"] += 1
            return super().as_sql(with_limits, with_col_aliases)
        counts["reused"] += 1
        head, head_params, tail, tail_params, state = kept
        self.where, self.having, self.qualify = where, None, None
        (
            self.select,
            self.klass_info,
            self.annotation_col_map,
            self.col_count,
            self.has_extra_select,
        ) = state
        try:
            where_sql, where_params = self.compile(where)
        except EmptyResultSet:
            if self.elide_empty:
                raise
            where_sql, where_params = "0 = 1", ()
        except FullResultSet:
            return head + tail, (*head_params, *tail_params)
        return (
            f"{head} WHERE {where_sql}{tail}",
            (*head_params, *where_params, *tail_params),
        )

    def _compile_first(self, key, with_limits, with_col_aliases):
        """Django compiles the query, with a mark where the WHERE goes; the SQL on either
        side of the mark is kept for the shape."""
        compiled = []
        django_compile = self.compile

        def marking(node):
            if node is getattr(self, "where", None):
                try:
                    compiled.append(django_compile(node))
                except FullResultSet:
                    compiled.append(None)
                return _MARK, [_WHERE_PARAM]
            return django_compile(node)

        self.compile = marking
        try:
            sql, params = super().as_sql(with_limits, with_col_aliases)
        finally:
            del self.compile
        places = [i for i, p in enumerate(params) if p is _WHERE_PARAM]
        pieces = sql.split(f" WHERE {_MARK}")
        if len(compiled) != 1 or len(places) != 1 or len(pieces) != 2:
            # the WHERE was not compiled once, in its place (a qualify or a set
            # operation): Django compiles the query again, unmarked
            counts["django"] += 1
            return super().as_sql(with_limits, with_col_aliases)
        head, tail = pieces
        (place,) = places
        head_params, tail_params = params[:place], params[place + 1 :]
        if self.having is None and self.qualify is None:
            counts["kept"] += 1
            state = (
                self.select,
                self.klass_info,
                self.annotation_col_map,
                self.col_count,
                self.has_extra_select,
            )
            keep(_kept, key, (head, head_params, tail, tail_params, state), LIMIT)
        else:
            counts["django"] += 1
        if compiled[0] is None:
            return head + tail, (*head_params, *tail_params)
        where_sql, where_params = compiled[0]
        return (
            f"{head} WHERE {where_sql}{tail}",
            (*head_params, *where_params, *tail_params),
        )

    def _verify(self, copy, sql, params, with_limits, with_col_aliases):
        """Tests: Django's own compiling of a copy must give the same SQL and columns."""
        mro = type(self).__mro__
        django = mro[mro.index(KeptShapeCompiler) + 1]  # the backend's own SQLCompiler
        fresh = django(copy, self.connection, self.using, self.elide_empty)
        expected = django.as_sql(fresh, with_limits, with_col_aliases)
        columns = [(s[1], s[2]) for s in self.select or ()]
        fresh_columns = [(s[1], s[2]) for s in fresh.select or ()]
        if sql != expected[0] or not _same_params(params, expected[1]) or columns != fresh_columns:
            raise AssertionError(
                f"kept SQL differs from Django's:\n  kept:   {sql} {params!r}\n"
                f"  Django: {expected[0]} {expected[1]!r}"
            )


def _attributes(value):
    names = [n for k in type(value).__mro__ for n in getattr(k, "__slots__", ())]
    return getattr(value, "__dict__", None), [getattr(value, n, None) for n in names]


def _same_params(ours, django):
    """Parameters equal, or of one type with equal attributes (psycopg's ``Jsonb``
    wrappers have no equality of their own)."""
    return len(ours) == len(django) and all(
        a == b or (type(a) is type(b) and _attributes(a) == _attributes(b))
        for a, b in zip(ours, django, strict=True)
    )


def forget():
    """Drop every kept shape (tests)."""
    _kept.clear()
