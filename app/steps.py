"""Transitions of a record (a day's review, a hazard's loop, a request's steps) as one table.

Each area lists its steps as `Step`s keyed by the slug in the URL; one `step` route per area
looks the slug up, checks the action, validates the step's form and lets the service take
it. A refused step comes back through the one refusal handler (app/errors.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import NotFound

from .forms import BaseForm


def _always(_record, _form) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    """One step: its form, the permission action, the service call, and what to say after."""

    form: type[BaseForm]
    action: str
    take: Callable[[Any, Any, BaseForm], None]  # (record, user, form)
    done: Any  # a lazy message, or a function of the record giving one
    # The name the page gives this step's form, and the status in which the page offers it.
    form_name: str | None = None
    offered_in: str | None = None
    # A check before the service (e.g. a photo attached first) that adds its own form error.
    ready: Callable[[Any, BaseForm], bool] = _always


def step_named(steps: dict[str, Step], slug: str) -> Step:
    """The step the URL names; an unknown slug is a 404 like any unknown URL."""
    try:
        return steps[slug]
    except KeyError:
        raise NotFound() from None
