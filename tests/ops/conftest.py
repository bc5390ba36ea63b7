"""Fixtures for operations tests."""

import pytest

from app.db import set_write_intent


@pytest.fixture(autouse=True)
def _test_reads_do_not_lock():
    """The test's reads open deferred transactions, so that a writer thread is never stuck
    behind the test's own session (the contextvar default is a write transaction)."""
    set_write_intent(False)
    yield
    set_write_intent(True)
