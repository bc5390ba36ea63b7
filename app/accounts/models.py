"""Places (township, community, grid), users and their server-side sessions."""

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import ROLES, enum_type
from ..extensions import db
from ..timeutil import utcnow

user_grids = sa.Table(
    "user_grids",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("grid_id", sa.ForeignKey("grids.id", ondelete="CASCADE"), primary_key=True),
)


class Township(db.Model):
    __tablename__ = "townships"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    communities: Mapped[list["Community"]] = relationship(
        back_populates="township", order_by="Community.name"
    )

    def __repr__(self) -> str:
        return f"<Township {self.id} {self.name}>"


class Community(db.Model):
    __tablename__ = "communities"
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(sa.ForeignKey("townships.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    township: Mapped[Township] = relationship(back_populates="communities")
    grids: Mapped[list["Grid"]] = relationship(back_populates="community", order_by="Grid.name")
    __table_args__ = (sa.UniqueConstraint("township_id", "name"),)

    def __repr__(self) -> str:
        return f"<Community {self.id} {self.name}>"


class Grid(db.Model):
    __tablename__ = "grids"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    community: Mapped[Community] = relationship(back_populates="grids")
    __table_args__ = (sa.UniqueConstraint("community_id", "name"),)

    def __repr__(self) -> str:
        return f"<Grid {self.id} {self.name}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(enum_type(ROLES, "role"))
    township_id: Mapped[int | None] = mapped_column(sa.ForeignKey("townships.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("communities.id"), index=True)
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())
    is_demo: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime | None]

    grids: Mapped[list[Grid]] = relationship(secondary=user_grids, order_by="Grid.id")
    community: Mapped[Community | None] = relationship()
    township: Mapped[Township | None] = relationship()

    # Set by the session loader: the server-side session this request belongs to.
    current_session_token = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    def get_id(self) -> str:
        """Flask-Login stores the server-side session token, never the bare user id."""
        return self.current_session_token or ""

    @property
    def grid_ids(self) -> list[int]:
        return [g.id for g in self.grids]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username} {self.role}>"


class UserSession(db.Model):
    """One login on one device; logout, deactivation or a password change revoke it."""

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id}>"
