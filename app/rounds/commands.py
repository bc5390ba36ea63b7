"""`flask rounds rebuild-due`: compute every resident's stored due date again."""

import time

import click
from flask.cli import AppGroup

from ..db import write_intent
from ..extensions import db

rounds_cli = AppGroup("rounds", help="The visit rounds.")


@rounds_cli.command("rebuild-due")
def rebuild_due_command():
    """Recompute each resident's next visit due date from their visits and care reasons (one
    transaction)."""
    from .due import rebuild

    started = time.perf_counter()
    with write_intent():
        due = rebuild(db.session)
        db.session.commit()
    click.echo(
        f"Due dates computed again in {time.perf_counter() - started:.1f} s: "
        f"{due:,} residents on a round."
    )
