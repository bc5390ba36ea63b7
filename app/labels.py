"""Words for the coded values people see: one table, translated through the catalogue."""

from flask_babel import lazy_gettext as _l

LABELS = {
    "role": {
        "worker": _l("Grid worker"), "secretary": _l("Community secretary"),
        "township": _l("Township office"), "admin": _l("Administrator"),
    },
    "severity": {
        "S1": _l("Urgent"), "S2": _l("Serious"), "S3": _l("Moderate"), "S4": _l("Advice"),
    },
    "answer": {"ok": _l("OK"), "hazard": _l("Hazard"), "na": _l("N/A")},
    "hazard_status": {
        "open": _l("Open"), "rectified": _l("Rectified"), "verified": _l("Verified"),
    },
    "daylog_status": {
        "open": _l("Not submitted"), "submitted": _l("Submitted"), "approved": _l("Approved"),
        "returned": _l("Returned"),
    },
    "purpose": {
        "routine": _l("Routine visit"), "elderly_care": _l("Elderly care visit"),
        "screening": _l("Hazard screening"), "follow_up": _l("Follow-up"),
        "request": _l("Resident's request"), "project": _l("Project site"), "other": _l("Other"),
    },
    "outcome": {
        "done": _l("Done"), "needs_follow_up": _l("Needs follow-up"),
        "not_home": _l("Nobody home"), "referred": _l("Referred on"),
    },
    "project_kind": {
        "road_works": _l("Road works"), "demolition": _l("Demolition"),
        "renovation": _l("Renovation"), "utility_works": _l("Utility works"), "other": _l("Other"),
    },
    "project_status": {
        "planned": _l("Planned"), "in_progress": _l("In progress"), "suspended": _l("Suspended"),
        "completed": _l("Completed"),
    },
    "decision": {
        "proceed": _l("Proceed"), "proceed_with_mitigations": _l("Proceed with mitigations"),
        "postpone": _l("Postpone"),
    },
    "dimension": {
        "legality": _l("Legality"), "reasonableness": _l("Reasonableness"),
        "feasibility": _l("Feasibility"), "controllability": _l("Controllability"),
        "safety_environment": _l("Safety and environment"),
    },
    "level": {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")},
    "risk_status": {"open": _l("Open"), "mitigated": _l("Mitigated"), "closed": _l("Closed")},
    "finding": {
        "met": _l("Met"), "partly_met": _l("Partly met"), "not_met": _l("Not met"),
        "": _l("Not assessed"),
    },
    "channel": {
        "visit": _l("Visit"), "phone": _l("Phone"), "letter": _l("Letter"),
        "walk_in": _l("Walk-in"), "online": _l("Online"),
    },
    "track": {"community": _l("Community track"), "formal": _l("Formal letters-and-visits track")},
    "request_status": {
        "received": _l("Received"), "accepted": _l("Accepted"), "not_accepted": _l("Not accepted"),
        "redirected": _l("Redirected"), "replied": _l("Replied"), "closed": _l("Closed"),
    },
    "redirect_channel": {
        "court": _l("Court"), "arbitration": _l("Arbitration"),
        "admin_reconsideration": _l("Administrative reconsideration"),
    },
    "satisfaction": {
        "satisfied": _l("Satisfied"), "partly": _l("Partly satisfied"),
        "not_satisfied": _l("Not satisfied"),
    },
    "request_clock": {
        "acknowledge": _l("Acknowledge"), "resolve": _l("Resolve"),
        "acceptance": _l("Notice of acceptance"), "reply": _l("Written reply"),
    },
    "request_event": {
        "registered": _l("Registered"), "moved_to_formal": _l("Moved to the formal track"),
        "acknowledged": _l("Acknowledged"), "accepted": _l("Accepted"),
        "not_accepted": _l("Not accepted"), "redirected": _l("Redirected to a legal channel"),
        "extended": _l("Reply period extended"), "replied": _l("Reply given"),
        "followed_up": _l("Follow-up visit"),
    },
}


def label(group: str, value) -> str:
    """The user-language word for a coded value; the code itself if none is known."""
    if value is None:
        return ""
    return str(LABELS.get(group, {}).get(value, value))


def choices(group: str, values) -> list[tuple[str, str]]:
    """(value, label) pairs for a form field."""
    return [(v, LABELS[group][v]) for v in values]
