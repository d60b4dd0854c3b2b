"""Panels on a page, told by the apps above the app that owns the page (one mechanism for
every page that shows other apps' records about its subject).

A page names itself (``"person"``: a service recipient's page; ``"account"``: a staff
member's page) and renders what is registered for it. An app registers a panel in its
``AppConfig.ready()``:

    panels.register("person", Panel("work.timeline", "work/_person_timeline.html", fn))

``context(subject=, user=)`` must read through ``restrict(user)`` (or give only figures):
a panel shows only what the viewer may see. Registering the same key again replaces it.

A panel whose list can grow without end (a person's services over the years) shows its
latest lines and says how many it leaves out, as the case page does. It registers with
``capped=True``: its context is then called with ``everything=`` as well, true when the
page was asked for all of it (``?all=1``), and it shows every line.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable[..., Any]  # (*, subject, user) -> what the template reads as ``items``
    order: int = 100
    capped: bool = False  # context takes ``everything=`` (see the module's docstring)


_PANELS: dict[str, dict[str, Panel]] = {}


def register(page: str, panel: Panel) -> None:
    _PANELS.setdefault(page, {})[panel.key] = panel


def panels_for(page: str, *, subject, user, everything: bool = False) -> list[tuple[Panel, Any]]:
    """Every panel registered for ``page``, with its items for this subject and viewer
    (``everything``: the capped panels show all their lines)."""
    return [
        (
            panel,
            panel.context(subject=subject, user=user, everything=everything)
            if panel.capped
            else panel.context(subject=subject, user=user),
        )
        for panel in sorted(_PANELS.get(page, {}).values(), key=lambda p: (p.order, p.key))
    ]
