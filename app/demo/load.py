"""Placeholder until the demo loader lands."""
import sqlalchemy as sa
from ..extensions import db
from ..models import User


def database_has_users() -> bool:
    return db.session.scalar(sa.select(User.id).limit(1)) is not None


def load_demo(large=False, echo=print):
    raise NotImplementedError


def clear_demo(echo=print):
    raise NotImplementedError
