"""Words for the coded values people see: one table, translated through the catalogue."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

LABELS = {
    "role": {
        "worker": _l("Grid worker"),
        "secretary": _l("Community secretary"),
        "township": _l("Township office"),
        "inspector": _l("Discipline liaison"),
        "admin": _l("Administrator"),
    },
    "severity": {
        "S1": _l("Urgent"),
        "S2": _l("Serious"),
        "S3": _l("Moderate"),
        "S4": _l("Advice"),
    },
    "answer": {
        "ok": _l("OK"),
        "hazard": _l("Hazard"),
        "na": _l("N/A"),
        "concern": _l("Needs attention"),
    },
    "department_progress": {
        "reported": _l("Reported, no reply yet"),
        "in_hand": _l("Department is handling it"),
        "handled": _l("Department has dealt with it"),
        "no_response": _l("Department has not responded"),
    },
    "referral_status": {
        "referred": _l("Referred"),
        "accepted": _l("Accepted by the service"),
        "done": _l("Done"),
    },
    "hazard_status": {
        "open": lazy_pgettext("hazard", "Open"),
        "rectified": _l("Rectified"),
        "verified": _l("Verified"),
    },
    "daylog_status": {
        "open": _l("Not submitted"),
        "submitted": _l("Submitted"),
        "approved": _l("Approved"),
        # Returned after review or reopened after approval: one status, words that fit both.
        "returned": _l("Back for changes"),
    },
    "purpose": {
        "routine": _l("Routine visit"),
        "elderly_care": _l("Elderly care visit"),
        "screening": _l("Hazard screening"),
        "follow_up": _l("Follow-up"),
        "request": _l("Resident's request"),
        "project": _l("Project site"),
        "other": _l("Other"),
    },
    # A visit's checklists in the words of its purpose (the checklists each purpose runs:
    # screening/models.py CHECKLIST_PURPOSES): a screening's hazard checklists, an elderly-care
    # visit's welfare check, a project site's check. The heading over them on the visit's page,
    # the prefix of the phone's start buttons, an outbox entry's label (with the %(name)s of
    # the resident or project).
    "checklist_heading": {
        "screening": _l("Hazard screening"),
        "elderly_care": _l("Welfare check"),
        "project": _l("Site check"),
    },
    "checklist_start": {
        "screening": _l("Start a checklist:"),
        "elderly_care": _l("Start a welfare check:"),
        "project": _l("Start a site check:"),
    },
    "checklist_queued": {
        "screening": _l("Checklist: %(name)s"),
        "elderly_care": _l("Welfare check: %(name)s"),
        "project": _l("Site check: %(name)s"),
    },
    # What is said of a checklist once saved, finished or discarded, in the same words: a
    # welfare visit's is a 探访, never a 排查 (walk). checklist_word() falls back on the
    # screening's words for a checklist of a purpose not listed.
    "checklist_saved": {
        "screening": _l("Screening saved."),
        "elderly_care": _l("Welfare check saved."),
        "project": _l("Site check saved."),
    },
    "checklist_finish": {
        "screening": _l("Finish screening"),
        "elderly_care": _l("Finish welfare check"),
        "project": _l("Finish site check"),
    },
    # The outbox's label of a finish waiting to be sent, with the %(name)s of its subject.
    "checklist_finish_queued": {
        "screening": _l("Finish screening: %(name)s"),
        "elderly_care": _l("Finish welfare check: %(name)s"),
        "project": _l("Finish site check: %(name)s"),
    },
    "checklist_discard": {
        "screening": _l("Discard this checklist"),
        "elderly_care": _l("Discard this welfare check"),
        "project": _l("Discard this site check"),
    },
    "checklist_discarded": {
        "screening": _l("Checklist discarded."),
        "elderly_care": _l("Welfare check discarded."),
        "project": _l("Site check discarded."),
    },
    "outcome": {
        "done": _l("Done"),
        "needs_follow_up": _l("Needs follow-up"),
        "not_home": _l("Nobody home"),
        # Alone in a list (a visit's outcome) it must read finished: not "Referred on".
        "referred": _l("Referred elsewhere"),
    },
    "project_kind": {
        "road_works": _l("Road works"),
        "demolition": _l("Demolition"),
        "renovation": _l("Renovation"),
        "utility_works": _l("Utility works"),
        "other": _l("Other"),
    },
    "project_status": {
        "planned": _l("Planned"),
        "in_progress": _l("In progress"),
        "suspended": _l("Suspended"),
        "completed": _l("Completed"),
    },
    "decision": {
        "proceed": _l("Proceed"),
        "proceed_with_mitigations": _l("Proceed with mitigations"),
        "postpone": _l("Postpone"),
    },
    "dimension": {
        "legality": _l("Legality"),
        "reasonableness": _l("Reasonableness"),
        "feasibility": _l("Feasibility"),
        "controllability": _l("Controllability"),
        "safety_environment": _l("Safety and environment"),
    },
    "level": {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")},
    "risk_status": {
        "open": lazy_pgettext("risk factor", "Open"),
        "mitigated": _l("Mitigated"),
        "closed": lazy_pgettext("risk factor", "Closed"),
    },
    "finding": {
        "met": _l("Met"),
        "partly_met": _l("Partly met"),
        "not_met": _l("Not met"),
        "": _l("Not assessed"),
    },
    "channel": {
        "visit": _l("Visit"),
        "phone": _l("Phone"),
        "letter": _l("Letter"),
        "walk_in": _l("Walk-in"),
        "online": _l("Online"),
    },
    "track": {
        "community": _l("Community track"),
        "formal": _l("Formal letters-and-visits track"),
        "liaison": _l("Discipline liaison track"),
    },
    "request_status": {
        "received": _l("Received"),
        "accepted": _l("Accepted"),
        "not_accepted": _l("Not accepted"),
        "redirected": _l("Redirected"),
        "replied": _l("Replied"),
        "closed": lazy_pgettext("request", "Closed"),
    },
    "redirect_channel": {
        "court": _l("Court"),
        "arbitration": _l("Arbitration"),
        "admin_reconsideration": _l("Administrative reconsideration"),
    },
    # The same channels inside a sentence ("decided through a court"), where the tag's
    # capitalised word reads wrong in English.
    "redirect_channel_phrase": {
        "court": lazy_pgettext("in a sentence", "a court"),
        "arbitration": lazy_pgettext("in a sentence", "arbitration"),
        "admin_reconsideration": lazy_pgettext("in a sentence", "administrative reconsideration"),
    },
    "satisfaction": {
        "satisfied": _l("Satisfied"),
        "partly": _l("Partly satisfied"),
        "not_satisfied": _l("Not satisfied"),
    },
    "reply_delivery": {
        "handed": _l("Handed to the resident"),
        "posted": _l("Sent by post"),
    },
    "request_clock": {
        "acknowledge": _l("Acknowledge"),
        "resolve": _l("Resolve"),
        "acceptance": _l("Notice of acceptance"),
        "reply": _l("Written reply"),
        "review": _l("Review answer"),
        "rereview": _l("Re-review answer"),
    },
    "request_event": {
        "registered": _l("Registered"),
        "moved_to_formal": _l("Moved to the formal track"),
        "acknowledged": _l("Acknowledged"),
        "accepted": _l("Accepted"),
        "not_accepted": _l("Not accepted"),
        "redirected": _l("Redirected to a legal channel"),
        "extended": _l("Reply period extended"),
        "replied": _l("Reply given"),
        "reply_received": _l("Reply received by the resident"),
        "review_requested": _l("Review asked for"),
        "review_answered": _l("Review answered"),
        "rereview_requested": _l("Re-review asked for"),
        "rereview_answered": _l("Re-review answered"),
        "followed_up": _l("Follow-up visit"),
    },
    # The record an audit entry is about: every object type app code passes to record(),
    # record_later(), record_read() or record_refusal(), and the models scope refusals name.
    "audit_object": {
        "answer": _l("Checklist answer"),
        "care_reason": _l("Care reason"),
        "community": _l("Community"),
        "concern": _l("Welfare concern"),
        "daily_log": _l("Worker's day"),
        "grid": _l("Grid"),
        "handover": _l("Caseload handover"),
        "hazard": _l("Hazard"),
        "holiday_year": _l("Holiday schedule"),
        "household": _l("Household record"),
        "photo": _l("Photo"),
        "project": _l("Local project"),
        "referral": _l("Referral"),
        "request": _l("Request"),
        "resident": _l("Resident record"),
        "risk_factor": _l("Risk factor"),
        "screening": _l("Checklist record"),
        "tallies": _l("Tallies"),
        "township": _l("Township"),
        "user": _l("User"),
        "visit": _l("Visit"),
    },
    # Every action code app code passes to audit record(), record_later() or record_read();
    # request steps are request_<event kind>.
    "audit_action": {
        "login": _l("Signed in"),
        "logout": _l("Signed out"),
        "login_failed": _l("Sign-in failed"),
        "login_refused": _l("Sign-in refused (account switched off)"),
        "access_denied": _l("Access refused (out of scope)"),
        "user_created": _l("User created"),
        "user_activated": _l("User activated"),
        "user_deactivated": _l("User deactivated"),
        "user_scope_changed": _l("User role or area changed"),
        "password_changed": _l("Password changed"),
        "resident_created": _l("Resident added"),
        "resident_updated": _l("Resident edited"),
        "resident_archived": _l("Resident archived"),
        "resident_viewed": _l("Resident record viewed"),
        "caseload_taken_offline": _l("Caseload kept on the phone for offline use"),
        "resident_copied": _l("Copy of a resident's data made"),
        "residents_listed": _l("Resident list or search viewed"),
        "visit_viewed": _l("Visit viewed"),
        "screening_viewed": _l("Screening viewed"),
        "hazard_viewed": _l("Hazard viewed"),
        "hazards_listed": _l("Hazard list viewed"),
        "request_viewed": _l("Request viewed"),
        "requests_listed": _l("Request list viewed"),
        "daylog_viewed": _l("Work log viewed"),
        "photo_viewed": _l("Photo viewed"),
        "today_viewed": _l("Today's caseload viewed"),
        "rounds_viewed": _l("Visits due viewed"),
        "follow_ups_listed": _l("Follow-ups due viewed"),
        "hazard_notice_viewed": _l("Rectification notice viewed"),
        "visit_cadence_changed": _l("Days between visits changed"),
        "holiday_schedule_set": _l("Holiday schedule entered"),
        "holiday_schedule_removed": _l("Holiday schedule removed"),
        "resident_erased": _l("Resident's personal data erased"),
        "residents_imported": _l("Residents imported from a sheet"),
        "household_viewed": _l("Household viewed"),
        "caseload_handed_over": _l("Caseload handed over"),
        "handover_note_read": _l("Handover note read"),
        "visit_created": _l("Visit logged"),
        "visit_updated": _l("Visit edited"),
        "visit_deleted": _l("Visit deleted"),
        "screening_started": _l("Screening started"),
        "screening_finished": _l("Screening finished"),
        "screening_discarded": _l("Checklist discarded with nothing checked"),
        "answer_saved": _l("Checklist answer saved"),
        "answer_changed": _l("Checklist answer changed"),
        "answer_noted": _l("What needs attention noted"),
        "answers_bulk_saved": _l("Remaining checklist items answered at once"),
        "hazard_opened": _l("Hazard recorded"),
        "hazard_updated": _l("Hazard edited"),
        "hazard_withdrawn": _l("Hazard withdrawn"),
        "hazard_rectified": _l("Hazard marked rectified"),
        "hazard_verified": _l("Hazard rectification verified"),
        "hazard_sent_back": _l("Hazard rectification sent back"),
        "hazard_reported": _l("Hazard reported to a department"),
        "hazard_department_progress": _l("Department's progress on a hazard recorded"),
        "referral_raised": _l("Referral made"),
        "referral_accepted": _l("Referral accepted by the service"),
        "referral_done": _l("Referral done"),
        "referral_follow_up_set": _l("Referral follow-up date changed"),
        "referral_viewed": _l("Referral viewed"),
        "referrals_listed": _l("Referrals listed"),
        "photo_added": _l("Photo added"),
        "photo_deleted": _l("Photo deleted"),
        "daylog_submitted": _l("Work log submitted"),
        "daylog_approved": _l("Work log approved"),
        "daylog_returned": _l("Work log returned"),
        "daylog_reopened": _l("Work log reopened"),
        "project_created": _l("Project added"),
        "project_updated": _l("Project edited"),
        "risk_factor_added": _l("Risk factor added"),
        "risk_factor_updated": _l("Risk factor edited"),
        "assessment_saved": _l("Risk assessment saved"),
        "decision_recorded": _l("Decision recorded"),
        "concern_recorded": _l("Residents' concern recorded"),
        "request_registered": _l("Request registered"),
        "request_moved_to_formal": _l("Request moved to the formal track"),
        "request_acknowledged": _l("Request acknowledged"),
        "request_accepted": _l("Request accepted"),
        "request_not_accepted": _l("Request not accepted"),
        "request_redirected": _l("Request redirected to a legal channel"),
        "request_extended": _l("Request reply period extended"),
        "request_replied": _l("Request replied to"),
        "request_reply_received": _l("Request reply receipt date corrected"),
        "request_review_requested": _l("Request review asked for"),
        "request_review_answered": _l("Request review answered"),
        "request_rereview_requested": _l("Request re-review asked for"),
        "request_rereview_answered": _l("Request re-review answered"),
        "request_followed_up": _l("Request follow-up visit"),
        "export": _l("Tallies exported"),
        "demo_loaded": _l("Demo data loaded"),
        "demo_cleared": _l("Demo data cleared"),
    },
}


def label(group: str, value) -> str:
    """The user-language word for a coded value; the code itself if none is known."""
    if value is None:
        return ""
    return str(LABELS.get(group, {}).get(value, value))


def checklist_word(group: str, purpose: str) -> str:
    """What is said of a checklist run on visits of `purpose`, in the words of that purpose."""
    words = LABELS[group]
    return str(words.get(purpose, words["screening"]))


def choices(group: str, values) -> list[tuple[str, str]]:
    """(value, label) pairs for a form field."""
    return [(v, LABELS[group][v]) for v in values]


# A community-track request is acknowledged (签收), not accepted (受理, the formal track's
# decision): its badge says what its step and history say. Counts across tracks keep
# "Accepted", footnoted in the township's tables.
LABELS["request_status_community"] = {
    **LABELS["request_status"],
    "accepted": LABELS["request_event"]["acknowledged"],
}
