"""Value lists shared by models, forms and templates; labels live in the templates."""

import sqlalchemy as sa

ROLES = ("worker", "secretary", "township", "inspector", "admin")
SEVERITIES = ("S1", "S2", "S3", "S4")
SEVERITY_DAYS = {"S1": 0, "S2": 3, "S3": 7, "S4": 30}
# "concern": a welfare item that needs attention (a referral, never a hazard).
ANSWER_VALUES = ("ok", "hazard", "na", "concern")
HAZARD_STATUSES = ("open", "rectified", "verified")
# How far the department a hazard was reported to (上报) has got, as the secretary records it.
DEPARTMENT_PROGRESS = ("reported", "in_hand", "handled", "no_response")
REFERRAL_STATUSES = ("referred", "accepted", "done")
DAYLOG_STATUSES = ("open", "submitted", "approved", "returned")
VISIT_PURPOSES = (
    "routine",
    "elderly_care",
    "screening",
    "follow_up",
    "request",
    "project",
    "other",
)
VISIT_OUTCOMES = ("done", "needs_follow_up", "not_home", "referred")
PROJECT_KINDS = ("road_works", "demolition", "renovation", "utility_works", "other")
PROJECT_STATUSES = ("planned", "in_progress", "suspended", "completed")
PROJECT_DECISIONS = ("proceed", "proceed_with_mitigations", "postpone")
ASSESSMENT_DIMENSIONS = (
    "legality",
    "reasonableness",
    "feasibility",
    "controllability",
    "safety_environment",
)
RISK_STATUSES = ("open", "mitigated", "closed")
REQUEST_CHANNELS = ("visit", "phone", "letter", "walk_in", "online")
REQUEST_TRACKS = ("community", "formal")
REQUEST_STATUSES = (
    "received",
    "accepted",
    "not_accepted",
    "redirected",
    "replied",
    "closed",
)
REDIRECT_CHANNELS = ("court", "arbitration", "admin_reconsideration")
SATISFACTION = ("satisfied", "partly", "not_satisfied")
REPLY_DELIVERY = ("handed", "posted")


def enum_type(values: tuple[str, ...], name: str) -> sa.Enum:
    """A portable string enum with a named CHECK constraint."""
    return sa.Enum(
        *values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(v) for v in values) + 4,
        validate_strings=True,
    )
