"""Fixtures of the visits' tests."""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

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
