"""Logins, server-side sessions, and user administration."""

import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app, g
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from ..audit.services import record
from ..extensions import db
from ..models import Community, Grid, Township, User, UserSession, user_grids
from ..refusals import Conflict, Invalid
from ..statements import kept
from ..timeutil import utcnow
from .passwords import hash_password


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> str:
    """Open a server-side session for the user and return its secret token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            token_hash=_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + current_app.config["PERMANENT_SESSION_LIFETIME"],
        )
    )
    db.session.flush()
    user.current_session_token = token
    return token


def load_session_user(token: str) -> User | None:
    """The active user owning this live session token, or None."""
    if not token or len(token) > 100:
        return None
    # Every request asks: the statement is built once, the token and the time bound to it.
    stmt = kept(("session_user",), _session_user_select)
    user = (
        db.session.scalars(stmt, {"token_hash": _digest(token), "now": utcnow()}).unique().first()
    )
    if user is not None:
        user.current_session_token = token
    return user


def signed_in(user) -> bool:
    """Whether this user object is a signed-in user, asked of it once in a request. After a
    write's commit its rows are expired, and the hooks that ask at the end of the request
    would read the user and their grids again for the same answer."""
    seen = g.get("signed_in")
    if seen is None or seen[0] is not user:
        seen = g.signed_in = (user, bool(user and user.is_authenticated))
    return seen[1]


def _session_user_select() -> sa.Select:
    return (
        sa.select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.token_hash == sa.bindparam("token_hash"),
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > sa.bindparam("now"),
            User.active.is_(True),
        )
        # The grids come in the same statement: every page asks for them (scope, `can`).
        # Flat outer joins: joinedload nests the secondary join in parentheses, which SQLite
        # answers by materializing all of user_grids first.
        .outerjoin(user_grids, user_grids.c.user_id == User.id)
        .outerjoin(Grid, Grid.id == user_grids.c.grid_id)
        .options(contains_eager(User.grids))
        .order_by(Grid.id)
    )


def end_session(token: str | None) -> None:
    """Revoke one session (logout on this device)."""
    if token:
        db.session.execute(
            sa.update(UserSession)
            .where(UserSession.token_hash == _digest(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def end_all_sessions(user: User) -> None:
    """Revoke every session of the user (deactivation, password change)."""
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def username_taken(username: str):
    """Why the username cannot be given (it, or the same with other capitals, is someone's),
    or None. The admin form asks it with its other checks, so every error shows at once."""
    taken = db.session.scalar(
        sa.select(User.username).where(sa.func.lower(User.username) == username.strip().lower())
    )
    if taken is None:
        return None
    if taken == username.strip():
        return _l("This username is taken.")
    # WORKER1 beside worker1 would be two accounts a person cannot tell apart when told their
    # username aloud or on paper.
    return _l(
        "“%(taken)s” is taken: usernames do not tell capitals from small letters.", taken=taken
    )


def create_user(
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    township_id: int | None = None,
    community_id: int | None = None,
    grid_ids: list[int] | None = None,
    is_demo: bool = False,
    actor: User | None = None,
) -> User:
    """Create a user with a role and a scope; refuses a taken username or a wrong scope."""
    username = username.strip()
    taken = username_taken(username)
    if taken is not None:
        raise Conflict(taken, field="username")
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=hash_password(password),
        role=role,
        is_demo=is_demo,
    )
    db.session.add(user)
    set_scope(user, role, township_id, community_id, grid_ids or [])
    db.session.flush()
    record("user_created", "user", user.id, {"role": role}, user=actor)
    return user


def scope_refusal(role: str, township_id, community_id, grid_communities) -> Invalid | None:
    """What is wrong with a role's scope, or None; `grid_communities` are the grids' communities.

    The one statement of the rule, for the admin form and for `flask users create`.
    """
    if role == "worker" and not grid_communities:
        return Invalid(_l("A grid worker needs at least one grid."), field="grid_ids")
    if role == "worker" and len(set(grid_communities)) > 1:
        # A worker's day is reviewed by one community's secretary.
        return Invalid(_l("A grid worker's grids must be in one community."), field="grid_ids")
    if role == "secretary" and not community_id:
        return Invalid(_l("A secretary needs a community."), field="community_id")
    if role == "township" and not township_id:
        return Invalid(_l("Township office staff need a township."), field="township_id")
    if role == "inspector" and not township_id:
        return Invalid(_l("A discipline liaison needs a township."), field="township_id")
    return None


def set_scope(user: User, role: str, township_id, community_id, grid_ids: list[int]) -> None:
    """Give the user one role and the matching scope, deriving the parents of a grid."""
    grids = (
        list(db.session.scalars(sa.select(Grid).where(Grid.id.in_(grid_ids)))) if grid_ids else []
    )
    if (
        len(grids) != len(set(grid_ids))
        or (community_id and db.session.get(Community, community_id) is None)
        or (township_id and db.session.get(Township, township_id) is None)
    ):
        raise Invalid(_l("There is no such place."))
    refusal = scope_refusal(role, township_id, community_id, [g.community_id for g in grids])
    if refusal is not None:
        raise refusal
    user.role = role
    if role == "worker":
        user.grids = grids
        user.community_id = grids[0].community_id if grids else community_id
    else:
        user.grids = []
        user.community_id = community_id if role == "secretary" else None
    if role in ("worker", "secretary") and user.community_id is not None:
        user.township_id = db.session.get(Community, user.community_id).township_id
    else:
        user.township_id = township_id if role in ("township", "inspector") else None


def set_password(user: User, password: str, actor: User | None = None) -> None:
    """Change the password and end every session of the user."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_all_sessions(user)
    record("password_changed", "user", user.id, user=actor)


def set_active(user: User, active: bool, actor: User | None = None) -> None:
    """Activate or deactivate; deactivation ends every session of the user."""
    user.active = active
    if not active:
        end_all_sessions(user)
    record("user_activated" if active else "user_deactivated", "user", user.id, user=actor)
