"""Command-line tasks: `flask users ...`, `flask seed`, `flask demo ...`, `flask backup`,
`flask tallies rebuild`."""

import click
from flask import Flask
from flask.cli import AppGroup

from .db import write_intent
from .enums import ROLES
from .extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Load or remove the demo data.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", "display_name", default="")
@click.option("--township", "township_id", type=int)
@click.option("--community", "community_id", type=int)
@click.option("--grid", "grid_ids", type=int, multiple=True)
@click.password_option()
def users_create(username, role, display_name, township_id, community_id, grid_ids, password):
    """Create a user with a role and scope (grids for a worker, a community, a township)."""
    from flask_babel import force_locale

    from .accounts.services import create_user
    from .refusals import Refusal
    from .validators import guessable_message, is_guessable

    if len(password) < 10:
        raise click.UsageError("The password needs at least 10 characters.")
    # English for the refusals: there is no request here to choose a language from.
    with write_intent(), force_locale("en"):
        # The admin form's rule: the first administrator's password is the one most worth
        # guessing, and the command is how it is made.
        if is_guessable(password, [username, display_name]):
            raise click.UsageError(guessable_message())
        try:
            # The same rules as the admin form: the scope, the one community, a free name.
            user = create_user(
                username,
                password,
                role,
                display_name,
                township_id=township_id,
                community_id=community_id,
                grid_ids=list(grid_ids),
            )
        except Refusal as refused:
            db.session.rollback()
            raise click.UsageError(str(refused.message)) from None
        db.session.commit()
    click.echo(f"Created {role} {user.username} (id {user.id}).")


@click.command("seed")
def seed_command():
    """Load or refresh the reference data (checklists, categories, care reasons, risk factors)."""
    from .seed import load_reference_data

    with write_intent():
        load_reference_data()
        db.session.commit()
    click.echo("Reference data loaded.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(seed_command)
    from .demo import commands  # noqa: F401  (adds `flask demo load` and `clear`)
    from .photos.commands import photos_cli

    app.cli.add_command(photos_cli)
    from .ops.commands import backup_command, restore_command, retention_cli

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(retention_cli)
    from .tallies.commands import tallies_cli

    app.cli.add_command(tallies_cli)
    from .rounds.commands import rounds_cli

    app.cli.add_command(rounds_cli)
    from .visits.commands import visits_cli

    app.cli.add_command(visits_cli)
