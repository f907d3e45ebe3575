"""The home page's panels: each module registers what it shows there, so the host page does not
import the modules (courses, forums, onboarding, and later plans and gamification)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from flask import render_template
from markupsafe import Markup


@dataclass(frozen=True)
class Panel:
    """A partial template and the function that gives its context (None: nothing to show)."""

    name: str
    template: str
    context: Callable[..., dict | None]
    #: lower comes first on the page
    order: int = 50


_PANELS: dict[str, Panel] = {}


def register_panel(name: str, template: str, context: Callable[..., dict | None], order: int = 50) -> None:
    """Show `template` on the home page with `context(user, today)`; registering again replaces."""
    _PANELS[name] = Panel(name, template, context, order)


def render_panels(user, today: date) -> list[Markup]:
    """The rendered panels this person has something in, in page order."""
    out = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        context = panel.context(user, today)
        if context:
            out.append(Markup(render_template(panel.template, today=today, **context)))
    return out
