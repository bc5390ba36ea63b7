"""Helpers shared by the outbox's tests (tests/offline/test_outbox_*.py)."""

import uuid

from app.timeutil import local_today

REPLAY = {"X-Gridbook-Replay": "1"}


def visit_data(resident, **over) -> dict:
    data = {
        "resident_id": resident.id,
        "purpose": "elderly_care",
        "summary": "量了血压，一切正常",
        "outcome": "done",
        "visited_on": local_today().isoformat(),
        "follow_up_on": "",
        "client_uuid": str(uuid.uuid4()),
    }
    data.update(over)
    return data
