"""Statements kept between requests: a scoped SELECT is built once per user and day.

Building a page's SELECTs (scope rules, subqueries, options) and working out SQLAlchemy's cache
key for each cost more Python than running them: about 0.8 ms of the nav badges' 1.1 ms on
every page (issue 19). A statement kept here is reused as built, its values bound into it, and
SQLAlchemy remembers its cache key on the object. Only the SQL is kept, never rows: every
request still runs it and reads the database afresh.
"""

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import TypeVar

from flask import current_app

T = TypeVar("T")

# Per app process: some ten statements per active user and day, ~45 KB each with their
# cache keys (measured on Today, the resident page and the due list): at most ~45 MB. Past
# that the least recently used go, and are built again when asked for.
MAX_KEPT = 1024


class _Kept:
    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = Lock()

    def get(self, key: tuple, build: Callable[[], T]) -> T:
        with self.lock:
            stmt = self.items.get(key)
            if stmt is not None:
                self.items.move_to_end(key)
                return stmt
        stmt = build()
        with self.lock:
            self.items[key] = stmt
            if len(self.items) > self.size:
                self.items.popitem(last=False)
        return stmt


def kept(key: tuple, build: Callable[[], T]) -> T:
    """The statement `build()` made for `key` before in this app, else a new one, kept.

    `key` must name everything the statement is built from: the query's name, the user's
    scope (user_scope), the day and every argument. Two apps (tests) keep apart.
    """
    store = current_app.extensions.get("gridbook_statements")
    if store is None:
        store = current_app.extensions.setdefault("gridbook_statements", _Kept(MAX_KEPT))
    return store.get(key, build)


def user_scope(user) -> tuple:
    """What app/scope.py builds a user's rules from."""
    return (user.id, user.role, user.community_id, user.township_id)
