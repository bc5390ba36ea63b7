"""Who may do what: role groups, one table of actions, each role's home and navigation.

Seeing a record is app/scope.py's job (out of scope is a 404). Doing something to it is
this table's: a route says `@requires("action")` for the role part and calls
`authorize("action", obj)` once it holds the record; templates ask `can("action", obj)`.
A newcomer adding a role-restricted page adds one line to ACTIONS.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .refusals import Conflict, Locked, NotAllowed

WORKER = frozenset({"worker"})
SECRETARY = frozenset({"secretary"})
TOWNSHIP = frozenset({"township"})
# The township's discipline liaison: complaints about officials (R15), never the community.
INSPECTOR = frozenset({"inspector"})
ADMIN = frozenset({"admin"})
# Those who work with residents' own records: the grid worker and the community secretary.
FIELD = WORKER | SECRETARY
# Those who read projects (the township without residents' names) and count records.
PROJECT_READERS = FIELD | TOWNSHIP
TALLY = SECRETARY | TOWNSHIP
# Those who handle requests: the field, and the inspector for complaints about officials.
REQUEST_HANDLERS = FIELD | INSPECTOR

LOCKED_MESSAGE = _l("This day is approved; its records can no longer be changed.")


def _has_grids(user, _obj) -> None:
    if not user.grids:
        raise NotAllowed(_l("You have no grid to work in."))


def _has_community(user, _obj) -> None:
    if user.community_id is None:
        raise NotAllowed(_l("You have no community to work in."))


def _own_open_record(user, record) -> None:
    """The worker's own visit (or a record of it), while its day is not approved."""
    if record is None:
        return _has_grids(user, None)
    visit = getattr(record, "visit", record)
    if visit.worker_id != user.id:
        raise NotAllowed(_l("Only the worker who made the visit changes it."))
    if visit.daily_log is not None and visit.daily_log.locked:
        raise Locked(LOCKED_MESSAGE)
    return None


DISCARD_SUBMITTED = _l(
    "This day's log is with the secretary for review, so the checklist stays as it is. If "
    "the day comes back to you, you can discard it then."
)
DISCARD_ANSWERED = _l(
    "This checklist has answers saved, so it cannot be discarded. Finish it: items that do "
    "not apply can be marked not applicable."
)


def _discardable(user, screening) -> None:
    """The worker's own checklist with nothing checked yet, on a day not with the secretary:
    one opened by a mistaken tap (or at a door that closed) goes without a trace on the day."""
    _own_open_record(user, screening)
    if screening is None:
        return
    if screening.visit.daily_log.status == "submitted":
        raise Conflict(DISCARD_SUBMITTED)
    if screening.completed_at is not None or screening.answers:
        raise Conflict(DISCARD_ANSWERED)


def _own_day(user, log) -> None:
    if log is not None and log.worker_id != user.id:
        raise NotAllowed(_l("Only the worker submits their own day."))


def _community_secretary(user, record) -> None:
    """The secretary of the community the record belongs to."""
    _has_community(user, None)
    if record is not None and _community_of(record) != user.community_id:
        raise NotAllowed(_l("Only the community's secretary does this."))


def _community_of(record) -> int | None:
    if hasattr(record, "community_id"):
        return record.community_id
    return record.grid.community_id


def _correctable(user, resident) -> None:
    _community_secretary(user, resident)
    if resident is not None and resident.erased_at is not None:
        raise NotAllowed(_l("This resident's personal data is erased."))


def _resident_on_file(_user, resident) -> None:
    if resident is not None and resident.archived_at is not None:
        raise NotAllowed(_l("This resident is archived."))


def _resident_on_visit(_user, visit) -> None:
    """A referral is for a resident still on file (or a site visit's need)."""
    resident = getattr(visit, "resident", None)
    if resident is not None and resident.archived_at is not None:
        raise NotAllowed(_l("This resident is archived."))


def _handover_receiver(user, handover) -> None:
    if handover is not None and handover.to_worker_id != user.id:
        raise NotAllowed(_l("Only the worker the caseload went to dismisses its note."))


@dataclass(frozen=True)
class Action:
    """Who may take a step: the roles, and a check of the user and record beyond the role.

    The check raises a Refusal: NotAllowed (answered as 404, as if the record were not
    there), Locked or Conflict (409 with the reason).
    """

    roles: frozenset[str]
    check: Callable[[Any, Any], None] | None = None


ACTIONS: dict[str, Action] = {
    "today.view": Action(WORKER),
    "residents.read": Action(FIELD),
    "residents.manage": Action(FIELD, _resident_on_file),
    # Who opened a resident's record: the community's secretary (admins: the audit log).
    "residents.access_log": Action(SECRETARY, _community_secretary),
    # Erasure on request (PIPL Art. 47): the community's secretary, archived or not.
    "residents.erase": Action(SECRETARY, _community_secretary),
    # A copy of the resident's data for the resident (Art. 45).
    "residents.copy": Action(SECRETARY, _community_secretary),
    # Correcting an archived (not erased) record, with a reason (Art. 46).
    "residents.correct": Action(SECRETARY, _correctable),
    # Bringing a community's sheet in: its secretary, or the admin setting a community up.
    "residents.import": Action(SECRETARY | ADMIN),
    # Moving a caseload between the community's workers, with a note (issue 16).
    "handovers.make": Action(SECRETARY, _has_community),
    "handovers.dismiss": Action(WORKER, _handover_receiver),
    # What a handover moved: the community's secretary, and the workers on either side of
    # it (the scope rule, app/scope.py, says which handovers).
    "handovers.read": Action(FIELD),
    "visits.log": Action(WORKER, _has_grids),
    "visits.change": Action(WORKER, _own_open_record),
    "screening.run": Action(WORKER, _own_open_record),
    "screening.discard": Action(WORKER, _discardable),
    "review.queue": Action(SECRETARY),
    "review.decide": Action(SECRETARY, _community_secretary),
    "review.submit": Action(WORKER, _own_day),
    "hazards.board": Action(FIELD),
    "hazards.rectify": Action(FIELD),
    "hazards.verify": Action(SECRETARY, _community_secretary),
    # Reporting (上报) a hazard beyond the worker's power to the responsible department.
    "hazards.report": Action(FIELD),
    # The department's progress on a reported hazard is the secretary's to chase and record.
    "hazards.department": Action(SECRETARY, _community_secretary),
    # Referrals (转介): raised and followed by the field, never counted as hazards.
    "referrals.list": Action(FIELD),
    "referrals.raise": Action(FIELD, _resident_on_visit),
    "referrals.step": Action(FIELD),
    "requests.list": Action(REQUEST_HANDLERS),
    "requests.counts": Action(TOWNSHIP),
    "requests.record": Action(FIELD, _resident_on_file),
    "requests.step": Action(REQUEST_HANDLERS),
    "requests.register_formal": Action(SECRETARY | INSPECTOR),
    "projects.read": Action(PROJECT_READERS),
    "projects.manage": Action(SECRETARY, _community_secretary),
    # What a secretary or worker wrote about a project (descriptions, mitigation, owner,
    # assessment notes) stays in the community; the township sees the structure only.
    "projects.read_text": Action(FIELD),
    "tallies.view": Action(TALLY),
    # Who is due a visit: the worker's round, and the secretary's view of the community's.
    "rounds.view": Action(FIELD),
    # Per worker, how many residents are overdue: counts for the secretary, never a ranking.
    "rounds.workers": Action(SECRETARY, _community_secretary),
    "admin.manage": Action(ADMIN),
    # Only the field worker's phone takes the caseload offline (app/offline).
    "offline.caseload": Action(WORKER, _has_grids),
    # Only the field worker captures offline: entries wait on the phone in the outbox. The
    # office roles' forms send as they are (or say they could not), so no outbox count either.
    "outbox.capture": Action(WORKER),
}


def _actor(user):
    # The signed-in user itself, not the proxy: each attribute read through current_user
    # finds the user again (a few microseconds, several times per check).
    return user if user is not None else current_user._get_current_object()


def authorize(action: str, obj: Any = None, user=None) -> None:
    """Raise a Refusal unless the user may take this step (on this record, when given)."""
    user = _actor(user)
    rule = ACTIONS[action]
    if not getattr(user, "is_authenticated", False) or user.role not in rule.roles:
        raise NotAllowed(_l("Not found, or not in your area."))
    if rule.check is not None:
        rule.check(user, obj)


def can(action: str, obj: Any = None, user=None) -> bool:
    """True when the user may take this step; templates ask it before offering a button."""
    from .refusals import Refusal

    try:
        authorize(action, obj, user)
    except Refusal:
        return False
    return True


def address_target(action: str, obj: Any, page: str, step_place: str) -> str:
    """Where a step's address opened by GET leads (a reload, the back button, a shared link):
    the step's place on the record's page (`step_place`, e.g. the page at its button) when the
    user may take the step now, else the page. (A step with no place of its own leads to the
    page for everyone: its route redirects there without asking.)

    The caller has read the record the way its page does (out of scope: 404), so whoever
    may see the page is led there; a user who may only read it (a secretary opening a
    worker's link, a locked day) lands on the page's top, where it says so.
    """
    return step_place if can(action, obj) else page


def requires(action: str):
    """Route decorator: the role part of an action; a user of another role gets a 404."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            authorize(action)
            return view(*args, **kwargs)

        return guarded

    return decorate


class NavItem(NamedTuple):
    endpoint: str
    label: Any
    area: str


# Each role's bottom bar; the first entry is the role's home page.
NAVIGATION: dict[str, tuple[NavItem, ...]] = {
    "worker": (
        NavItem("today.index", _l("Today"), "today"),
        NavItem("residents.index", _l("Residents"), "residents"),
        NavItem("hazards.board", _l("Hazards"), "hazards"),
        NavItem("requests.index", _l("Requests"), "requests"),
        NavItem("projects.index", _l("Projects"), "projects"),
    ),
    "secretary": (
        NavItem("review.queue", _l("Review"), "review"),
        NavItem("hazards.board", _l("Hazards"), "hazards"),
        NavItem("requests.index", _l("Requests"), "requests"),
        NavItem("residents.index", _l("Residents"), "residents"),
        NavItem("projects.index", _l("Projects"), "projects"),
        NavItem("tallies.dashboard", _l("Tallies"), "tallies"),
    ),
    "township": (
        NavItem("tallies.dashboard", _l("Tallies"), "tallies"),
        NavItem("requests.index", _l("Requests"), "requests"),
        NavItem("projects.index", _l("Projects"), "projects"),
    ),
    "inspector": (NavItem("requests.index", _l("Requests"), "requests"),),
    "admin": (
        NavItem("admin.users", _l("Users"), "admin"),
        NavItem("admin.audit", _l("Audit log"), "admin"),
        # The page's own title, "Days between visits", took three lines of a tab.
        NavItem("admin.cadences", _l("Visit intervals"), "admin"),
        # The admin may import residents (residents.import) but has no residents list to
        # reach the import from, as the secretary has.
        NavItem("residents.import_upload", _l("Import residents"), "residents"),
    ),
}


def navigation(user=None) -> tuple[NavItem, ...]:
    """The bottom bar of the user's role."""
    return NAVIGATION[_actor(user).role]


def home_endpoint(user=None) -> str:
    """The page the user's role starts its day on."""
    return navigation(user)[0].endpoint
