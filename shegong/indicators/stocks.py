"""Stocks: figures that are not sums of facts but counts of what exists at a moment
(workers, designated villages, cases still open). The apps that own those records provide
them, in their ``AppConfig.ready()``; indicators never reads their tables itself.

    stocks.provide("workforce", workforce_stock)

Each provider is called with keyword arguments only; the names and what they return:

- ``workforce(code, period, max_age)``: ``{"workers", "qualified", "hires", "hires_ok"}``,
  active station staff in the node and how many of the period's hires meet the age (at most
  ``max_age``, or any age when None) and education rules;
- ``designated_villages(code)``: villages in the node with an active designated worker;
- ``open_cases(code, period)``: cases of a village open at the end of the period;
- ``star_ratings(code, on)``: ``{station id: stars}`` of the ratings in force on a day
  (without a provider, a station's star field as it is today);
- ``party_teams(code)``: ``{"stations"}``, the township stations of the node with a party
  members' volunteer team (the drill-down ``party_teams`` lists them);
- ``organisations(code)``: ``{"incubating", "filed"}``, the node's community organisations
  being incubated, and those filed or registered;
- ``resident_requests(code, period)``: counts of the residents' requests submitted in the
  period (received, due, answered on time, closed, rated, needs matched, and the seconds
  to answer and to match); without a provider the residents' figures are left off.
"""

from collections.abc import Callable
from typing import Any

_PROVIDERS: dict[str, Callable[..., Any]] = {}


def provide(name: str, provider: Callable[..., Any]) -> None:
    _PROVIDERS[name] = provider


def read(name: str, **kwargs) -> Any:
    """The stock ``name`` for ``kwargs``; LookupError if no installed app provides it."""
    try:
        provider = _PROVIDERS[name]
    except KeyError:
        raise LookupError(f"no app provides the indicator stock {name!r}") from None
    return provider(**kwargs)
