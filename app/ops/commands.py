"""`flask backup`, `flask restore` and `flask retention run`."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..db import write_intent
from ..extensions import db

retention_cli = AppGroup("retention", help="Erase personal data past its retention period.")


@click.command("backup")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file to write (default: instance/backups/gridbook-<time>.tar.gz).",
)
def backup_command(output: Path | None):
    """Back up the database (SQLite or PostgreSQL) and the photo store into one file."""
    from .backup import BackupError, make_backup

    try:
        path, manifest = make_backup(output)
    except BackupError as err:
        raise click.ClickException(str(err)) from err
    click.echo(
        f"Backup written to {path} (schema {manifest.revision}, "
        f"{manifest.photo_files} photo files)."
    )


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm: the current data is replaced.")
@click.option("--force", is_flag=True, help="Restore even if the schema revision differs.")
def restore_command(archive: Path, yes: bool, force: bool):
    """Replace the database and add the photos from a backup made by `flask backup`."""
    from .backup import BackupError, read_manifest, restore_backup

    try:
        manifest = read_manifest(archive)
        if not yes:
            raise click.ClickException(
                f"This replaces every record with the backup of {manifest.created_at}. "
                "Make a backup of the current data first (on PostgreSQL, stop the app hosts), "
                "then run again with --yes."
            )
        restore_backup(archive, force=force)
    except BackupError as err:
        raise click.ClickException(str(err)) from err
    click.echo(
        f"Restored the backup of {manifest.created_at} (schema {manifest.revision}). "
        "Run `flask photos gc` to remove photo files no record uses."
    )


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Only count the residents due for erasure.")
def retention_run(dry_run: bool):
    """Erase the personal data of residents archived longer than RETENTION_DAYS."""
    from .retention import delete_unused_files, run_retention

    days = current_app.config["RETENTION_DAYS"]
    with write_intent():
        report = run_retention(days, dry_run=dry_run)
        if dry_run:
            db.session.rollback()
            click.echo(
                f"{len(report.resident_ids)} archived resident(s) are due for erasure "
                f"(archived over {days} days ago). Nothing changed."
            )
            return
        db.session.commit()
        files = delete_unused_files(report.photo_keys)
    click.echo(
        f"Erased the personal data of {len(report.resident_ids)} resident(s) archived "
        f"over {days} days ago; removed {report.photos} photo(s), {files} file(s)."
    )
