"""`flask tallies rebuild`: count every roll-up again from the raw rows."""

import time

import click
from flask.cli import AppGroup

from ..db import write_intent
from ..extensions import db

tallies_cli = AppGroup("tallies", help="The tallies' roll-ups.")


@tallies_cli.command("rebuild")
def rebuild_command():
    """Recompute the roll-up tables from the visits, screenings, hazards and requests (one
    transaction)."""
    from .rollups import rebuild

    started = time.perf_counter()
    with write_intent():
        rebuild(db.session, echo=click.echo)
        db.session.commit()
    click.echo(f"Roll-ups rebuilt in {time.perf_counter() - started:.1f} s.")
