"""Every model in one import, for the migration environment, the CLI and the tests."""

from .accounts.models import Community, Grid, Township, User, UserSession, user_grids
from .audit.models import AuditEvent
from .handovers.models import Handover
from .hazards.models import Department, Hazard
from .photos.models import Photo
from .projects.models import Assessment, Concern, Project, RiskFactor, RiskFactorType
from .referrals.models import Referral, ReferralService
from .requests.models import HolidayDay, Request, RequestCategory, RequestEvent
from .residents.models import CareReason, Household, Resident, resident_care_reasons
from .review.models import DailyLog
from .screening.models import Answer, ChecklistItem, ChecklistTemplate, Screening
from .tallies.models import (
    TallyHazardFigures,
    TallyHazards,
    TallyHouseholds,
    TallyRequestFigures,
    TallyScreeningDays,
    TallyScreenings,
    TallyVisitDays,
    TallyVisits,
)
from .visits.models import Visit

__all__ = [
    "Answer",
    "Assessment",
    "AuditEvent",
    "CareReason",
    "ChecklistItem",
    "ChecklistTemplate",
    "Community",
    "Concern",
    "DailyLog",
    "Department",
    "Grid",
    "Handover",
    "Hazard",
    "HolidayDay",
    "Household",
    "Photo",
    "Project",
    "Referral",
    "ReferralService",
    "Request",
    "RequestCategory",
    "RequestEvent",
    "Resident",
    "RiskFactor",
    "RiskFactorType",
    "Screening",
    "TallyHazardFigures",
    "TallyHazards",
    "TallyHouseholds",
    "TallyRequestFigures",
    "TallyScreeningDays",
    "TallyScreenings",
    "TallyVisitDays",
    "TallyVisits",
    "Township",
    "User",
    "UserSession",
    "Visit",
    "resident_care_reasons",
    "user_grids",
]
