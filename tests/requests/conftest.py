"""Fixtures for the requests tests."""

import pytest


@pytest.fixture
def in_request(app):
    """A request context, so that translated messages can be read as text."""
    with app.test_request_context():
        yield
