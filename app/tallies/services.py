"""Writes of the tallies area: only the audit row of an export."""

from ..audit.services import record_later
from .queries import Filters


def record_export(fmt: str, f: Filters) -> None:
    """Note in the audit log who exported which tallies (filters only, never figures).

    An export is a read: its audit row is written after the request, like other reads.
    """
    record_later(
        "export",
        "tallies",
        None,
        {
            "format": fmt,
            "from": f.start.isoformat(),
            "to": f.end.isoformat(),
            "community": f.community_id,
            "grid": f.grid_id,
        },
    )
