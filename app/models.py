"""Every model in one import, for the migration environment, the CLI and the tests."""

from .accounts.models import Community, Grid, Township, User, UserSession, user_grids
from .audit.models import AuditEvent
from .hazards.models import Hazard
from .photos.models import Photo
from .projects.models import Assessment, Concern, Project, RiskFactor, RiskFactorType
from .requests.models import Request, RequestCategory, RequestEvent
from .residents.models import CareReason, Resident, resident_care_reasons
from .review.models import DailyLog
from .screening.models import Answer, ChecklistItem, ChecklistTemplate, Screening
from .tallies.models import TallyHazards, TallyScreenings, TallyVisits
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
    "Grid",
    "Hazard",
    "Photo",
    "Project",
    "Request",
    "RequestCategory",
    "RequestEvent",
    "Resident",
    "RiskFactor",
    "RiskFactorType",
    "Screening",
    "TallyHazards",
    "TallyScreenings",
    "TallyVisits",
    "Township",
    "User",
    "UserSession",
    "Visit",
    "resident_care_reasons",
    "user_grids",
]
