"""Links built many times a page (a dashboard's drill-down link in every cell, a list's
link in every row)."""

import operator
from functools import lru_cache
from urllib.parse import quote_plus, unquote_plus

from django.urls import get_script_prefix, reverse


def url_of(name: str) -> str:
    """``reverse(name)`` of a URL that takes no arguments, resolved once per script prefix
    and process instead of once per cell (a reverse costs ~40 µs; a province dashboard
    builds ~250 links)."""
    return _resolved(name, get_script_prefix())


@lru_cache(maxsize=256)
def _resolved(name: str, prefix: str) -> str:
    return reverse(name)


# an id no table reaches: reversed once, then replaced by each row's own
_MARK = 987_654_321_987_654


def row_url(name: str, attr: str = "pk"):
    """A list's ``detail_url``: the page of each row, for a URL ``name`` that takes one
    integer id, the row's ``attr`` (``"pk"``, or a foreign key's ``"request_id"``). The
    URL is reversed once per name and script prefix, not once per row (50 reverses were
    ~5 % of a list page)."""
    by_id = id_url(name)
    value = operator.attrgetter(attr)
    return lambda obj: by_id(value(obj))


def id_url(name: str, *leading: int):
    """``row_url`` for rows read as values: the page of the record with this id. A URL
    that takes more ids takes the ``leading`` ones here, the row's id last (a station's
    page in one round: ``id_url("evaluation:round_station", round.pk)``)."""
    before, after = _split(name, get_script_prefix(), tuple(int(i) for i in leading))
    return lambda pk: f"{before}{int(pk)}{after}"


@lru_cache(maxsize=256)
def _split(name: str, prefix: str, leading: tuple[int, ...] = ()) -> tuple[str, str]:
    before, after = reverse(name, args=[*leading, _MARK]).split(str(_MARK))
    return before, after


def with_query(base: str, params: dict) -> str:
    """``base?key=value&…`` as ``django.utils.http.urlencode`` writes it, for single values
    (text, numbers): each value quoted once per process, not once per link (a province
    dashboard builds ~250 links from the same few metrics, regions and periods, and
    ``urlencode`` was a fifth of its work)."""
    if not params:
        return base
    return (
        base
        + "?"
        + "&".join(
            f"{_quoted(_text(key))}={_quoted(_text(value))}" for key, value in params.items()
        )
    )


def param(url: str, name: str) -> str:
    """The value of ``name`` in ``url``'s query ("" when absent; the first if repeated),
    without parsing the whole query (a dashboard asks it of every link it draws)."""
    start = name + "="
    for part in url.partition("?")[2].partition("#")[0].split("&"):
        if part.startswith(start):
            return unquote_plus(part[len(start) :])
    return ""


def _text(value) -> str:
    if value is None or isinstance(value, list | tuple | set | dict | bytes):
        raise TypeError(f"A link's query takes single values, not {value!r}.")
    return str(value)


@lru_cache(maxsize=8192)
def _quoted(text: str) -> str:
    return quote_plus(text)
