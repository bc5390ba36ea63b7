"""The one pagination helper: a page of rows and the link to the next.

Nothing here reads the request: the caller says which page it wants and which endpoint,
with which arguments, serves the next one. A page rendered under another endpoint (a form
POST, a fragment) still links to the GET that lists the rows.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import url_for

from .extensions import db

MAX_PAGE = 10_000


@dataclass
class Page:
    items: list
    number: int
    has_next: bool
    next_url: str | None = None
    extra: dict = field(default_factory=dict)


def page_number(args: Mapping[str, str]) -> int:
    """The ?page= asked for in these query arguments, clamped to a sane range."""
    try:
        n = int(args.get("page", "1"))
    except ValueError:
        return 1
    return min(max(n, 1), MAX_PAGE)


def page_of(rows: list, number: int, per_page: int, endpoint: str, args: Mapping[str, Any]) -> Page:
    """A page from rows fetched with one extra (which says that more follow)."""
    has_next = len(rows) > per_page
    next_url = None
    if has_next:
        kept = {k: v for k, v in args.items() if v is not None}
        next_url = url_for(endpoint, **kept, page=number + 1)
    return Page(items=rows[:per_page], number=number, has_next=has_next, next_url=next_url)


def paginate(
    stmt: sa.Select,
    endpoint: str,
    args: Mapping[str, Any],
    *,
    number: int,
    per_page: int = 20,
    scalars: bool = True,
) -> Page:
    """Run stmt for page `number`; the next page is `endpoint` with `args` and page+1.

    `args` are the endpoint's own arguments (path and filters), None values left out.
    """
    stmt = stmt.limit(per_page + 1).offset((number - 1) * per_page)
    result = db.session.scalars(stmt) if scalars else db.session.execute(stmt)
    return page_of(list(result), number, per_page, endpoint, args)
