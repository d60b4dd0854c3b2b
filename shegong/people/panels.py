"""Panels on a person's page, told by the apps above people (which people never imports).

An app whose records concern a person (station work today; requests, volunteering and
charity aid later) registers a panel in its ``AppConfig.ready()``:

    people.panels.register(Panel("timeline", "work/_person_timeline.html", person_timeline))

The person page renders every registered panel in order. ``context(person=, user=)``
must read through ``restrict(user)``: a panel shows only what the viewer may see.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable[..., Any]  # (*, person, user) -> what the template reads as ``items``
    order: int = 100


_PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    """Add a panel (registering the same key again replaces it: reloads stay idempotent)."""
    _PANELS[panel.key] = panel


def panels_for(*, person, user) -> list[tuple[Panel, Any]]:
    """Every registered panel with its items for this person and viewer, in order."""
    return [
        (panel, panel.context(person=person, user=user))
        for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key))
    ]
