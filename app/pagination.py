"""The one pagination helper: a page of rows and the link to the next."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import request, url_for

from .extensions import db

MAX_PAGE = 10_000


@dataclass
class Page:
    items: list
    number: int
    has_next: bool
    next_url: str | None = None
    extra: dict = field(default_factory=dict)


def page_number() -> int:
    """The ?page= asked for, clamped to a sane range."""
    raw = request.args.get("page", "1")
    try:
        n = int(raw)
    except ValueError:
        return 1
    return min(max(n, 1), MAX_PAGE)


def paginate(stmt: sa.Select, per_page: int = 20, scalars: bool = True) -> Page:
    """Run stmt for the current ?page=, fetching one extra row to know if more follow."""
    number = page_number()
    stmt = stmt.limit(per_page + 1).offset((number - 1) * per_page)
    result = db.session.scalars(stmt) if scalars else db.session.execute(stmt)
    rows = list(result)
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    next_url = None
    if has_next:
        args = request.args.to_dict()
        args["page"] = number + 1
        next_url = url_for(request.endpoint, **(request.view_args or {}), **args)
    return Page(items=rows, number=number, has_next=has_next, next_url=next_url)
