"""Demo data: a township, two communities, six grids, users for every role, and field records."""

import sqlalchemy as sa

from ..extensions import db
from ..models import User


def demo_is_loaded() -> bool:
    """True when active demo users exist (the login page then says so)."""
    try:
        demo_user = sa.select(User.id).where(User.is_demo.is_(True), User.active.is_(True))
        return db.session.scalar(demo_user.limit(1)) is not None
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return False
