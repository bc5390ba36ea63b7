"""`flask demo load [--large]` and `flask demo clear`."""

import click

from ..cli import demo_cli


@demo_cli.command("load")
@click.option(
    "--large", is_flag=True, help="100,000 residents and 1,000,000 visits, for benchmarks."
)
@click.option("--if-empty", is_flag=True, help="Only on a database with no users (first run).")
def load(large: bool, if_empty: bool):
    """Load the demo data (idempotent: a second run changes nothing)."""
    from .load import database_has_users, load_demo

    if if_empty and database_has_users():
        click.echo("Users exist; demo data not loaded.")
        return
    load_demo(large=large, echo=click.echo)


@demo_cli.command("clear")
def clear():
    """Remove every demo record, user and photo."""
    from .load import clear_demo

    clear_demo(echo=click.echo)
