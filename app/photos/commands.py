"""`flask photos gc`: remove photo files that no photo record uses any more."""

from datetime import timedelta

import click
from flask.cli import AppGroup

photos_cli = AppGroup("photos", help="Housekeeping of the photo store.")


@photos_cli.command("gc")
@click.option(
    "--grace-minutes",
    default=60,
    show_default=True,
    type=click.IntRange(min=0),
    help="Leave files younger than this alone (uploads in flight).",
)
def gc_command(grace_minutes: int):
    """Delete orphan photo files and temporary files left by interrupted uploads."""
    from .services import gc_orphans

    removed = gc_orphans(timedelta(minutes=grace_minutes))
    click.echo(f"Removed {removed} orphan file(s).")
