"""`flask visits rebuild-follow-ups`: compute whether each visit's follow-up is open again."""

import time

import click
from flask.cli import AppGroup

from ..db import write_intent
from ..extensions import db

visits_cli = AppGroup("visits", help="Visits.")


@visits_cli.command("rebuild-follow-ups")
def rebuild_follow_ups_command():
    """Recompute which visits' follow-ups no later visit has answered yet (one transaction)."""
    from .follow_ups import rebuild

    started = time.perf_counter()
    with write_intent():
        open_ = rebuild(db.session)
        db.session.commit()
    click.echo(
        f"Follow-ups computed again in {time.perf_counter() - started:.1f} s: "
        f"{open_:,} not answered yet."
    )
