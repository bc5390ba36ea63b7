"""Reads for referrals: the user's list, those due a follow-up, the reference list."""

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Referral, ReferralService
from ..scope import select_for
from ..statements import kept, user_scope

LIST_STATUSES = ("referred", "accepted", "done")
PER_PAGE = 25


def services() -> list[ReferralService]:
    """The services a need can be referred to, in the reference list's order."""
    return list(db.session.scalars(sa.select(ReferralService).order_by(ReferralService.position)))


def listing(user, status: str = "") -> sa.Select:
    """The user's referrals: those still open by follow-up date, or those of one status."""
    stmt = select_for(Referral, user).options(
        selectinload(Referral.resident), selectinload(Referral.service)
    )
    if status in LIST_STATUSES:
        stmt = stmt.where(Referral.status == status)
    else:
        stmt = stmt.where(Referral.status != "done")
    return stmt.order_by(Referral.follow_up_on.is_(None), Referral.follow_up_on, Referral.id.desc())


def follow_ups_due(user, today: date, days: int = 3, limit: int = 30) -> list[Referral]:
    """Open referrals of the user's grids to check on within `days`: one statement."""
    stmt = kept(
        ("referral_follow_ups", user_scope(user), today, days, limit),
        lambda: (
            select_for(Referral, user)
            .where(
                Referral.status != "done",
                Referral.follow_up_on.is_not(None),
                Referral.follow_up_on <= today + timedelta(days=days),
            )
            .options(joinedload(Referral.resident), joinedload(Referral.service))
            .order_by(Referral.follow_up_on, Referral.id)
            .limit(limit)
        ),
    )
    return list(db.session.scalars(stmt).unique())


def of_visit(user, visit_id: int) -> list[Referral]:
    """The referrals raised on a visit (for its page and its checklist)."""
    return list(
        db.session.scalars(
            select_for(Referral, user)
            .where(Referral.visit_id == visit_id)
            .options(joinedload(Referral.service))
            .order_by(Referral.id)
        ).unique()
    )
