from flask import Blueprint

bp = Blueprint("requests", __name__, url_prefix="/requests")


@bp.cli.command("recompute-due")
def recompute_due_command():
    """Store again every request's due date (after upgrading chinese-calendar or the targets)."""
    import click

    from ..db import write_intent
    from ..extensions import db
    from .deadlines import recompute_due_dates, schedule_status

    with write_intent():
        changed = recompute_due_dates()
        db.session.commit()
    known = schedule_status()
    entered = "".join(f", {y} (entered)" for y in known["entered"])
    click.echo(
        f"{changed} due date(s) changed; holiday schedule known for "
        f"{known['first']}-{known['last']}{entered}."
    )
