"""Fixtures of the visits' tests."""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

import pytest

from app import timeutil


@pytest.fixture
def server_at(monkeypatch):
    """Within the block, the server's now is `moment`: clock_at for the test client's requests
    too, which each run in a context of their own (tests/conftest.py GridbookClient)."""

    @contextmanager
    def _at(moment: datetime):
        with monkeypatch.context() as m:
            m.setattr(timeutil, "_clock", ContextVar("test_clock", default=moment))
            yield

    return _at


@pytest.fixture
def day(today):
    """The day of the queued-visit tests: yesterday in the township, so that every hour of it
    is past and server_at may set the clock to any."""
    return today - timedelta(days=1)
