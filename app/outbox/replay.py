"""Answers to replayed entries: saved, refused with the reason, or try again later.

A replay is the same POST the page would have sent, marked `X-Gridbook-Replay: 1`. The views
answer it as they answer any plain form (a redirect when saved, the form again or an error
page when not); this module reads that answer after the fact and turns it into JSON the
replayer can act on, in the user's language. Nothing in the views knows about replays.
"""

from urllib.parse import urlsplit

from flask import before_render_template, g, jsonify, request, session
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..offline.keys import USER_HEADER, user_key
from ..urls import local_path
from . import bp

REPLAY_HEADER = "X-Gridbook-Replay"


def is_replay() -> bool:
    return request.method == "POST" and request.headers.get(REPLAY_HEADER) == "1"


def _answer(code: int, **body):
    g.outbox_answered = True
    resp = jsonify(**body)
    resp.status_code = code
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _signed_out():
    return _answer(401, status="signed_out", reason=_("You are signed out. Log in to send."))


@bp.before_app_request
def _check_replayer():
    """An entry replayed for someone else than who is signed in here is not run at all."""
    if not is_replay():
        return None
    g.outbox_flashes = len(session.get("_flashes", []))
    if not current_user.is_authenticated:
        return _signed_out()
    claimed = request.headers.get(USER_HEADER)
    if claimed and claimed != user_key(current_user):
        return _answer(
            409,
            status="other_user",
            reason=_("This entry was made by another user on this phone."),
        )
    return None


def _note_render(_app, template, context, **_extra):
    """Remember what a replayed request's view showed: the refusal or the form's errors."""
    if not is_replay():
        return
    seen = g.setdefault("outbox_seen", [])
    seen.append(context)


def _about(what, message) -> str:
    """A message about one field or file, with the colon of the reader's language."""
    # Translators: a field's or a file's name, then what is wrong with it (Chinese: "：").
    return _("%(what)s: %(message)s", what=what, message=message)


def _form_messages(form) -> list[str]:
    messages = [str(m) for m in getattr(form, "form_errors", []) or []]
    for name, errors in (form.errors or {}).items():
        if name == "csrf_token" or not isinstance(errors, list | tuple):
            continue
        field = getattr(form, name, None)
        label = field.label.text if field is not None and field.label else name
        # Field errors may be lazy strings (validators' messages): read them now.
        messages.extend(_about(label, e) for e in errors if not isinstance(e, dict))
    return messages


def _problems(value) -> list[str]:
    """Photo problems: a list of FileProblem, or a dict of such lists by owner."""
    if isinstance(value, dict):
        return [m for v in value.values() for m in _problems(v)]
    out = []
    for p in value or ():
        message = str(getattr(p, "message", p))
        filename = getattr(p, "filename", "")
        out.append(_about(filename, message) if filename else message)
    return out


def _unfinished(context: dict) -> list[str]:
    """Why a checklist was not finished: the page that asks about the rest (finish.html)."""
    out = []
    if undescribed := context.get("undescribed"):
        out.append(
            ngettext(
                "%(num)d hazard has no description yet.",
                "%(num)d hazards have no description yet.",
                len(undescribed),
            )
        )
    if unexplained := context.get("unexplained"):
        out.append(
            ngettext(
                "%(num)d item needing attention does not say what yet.",
                "%(num)d items needing attention do not say what yet.",
                len(unexplained),
            )
        )
    if left := context.get("left"):
        out.append(
            ngettext(
                "%(num)d item is not answered yet.",
                "%(num)d items are not answered yet.",
                len(left),
            )
        )
    return out


def _reasons() -> list[str]:
    """Every reason the replayed request's pages and flashes gave for not saving."""
    reasons: list[str] = []
    for context in g.get("outbox_seen", []):
        refusal = context.get("refusal")
        if refusal:
            reasons.append(str(refusal))
        # Each page's own name for the form it shows again (referrals/_panel.html: one of
        # several panels on a visit's page).
        for key in ("form", "hazard_form", "referral_form"):
            form = context.get(key)
            if form is not None and getattr(form, "errors", None):
                reasons.extend(_form_messages(form))
        for form in [
            *(context.get("hazard_forms") or {}).values(),
            *(context.get("note_forms") or {}).values(),
        ]:
            if getattr(form, "errors", None):
                reasons.extend(_form_messages(form))
        reasons.extend(_problems(context.get("errors")))
        reasons.extend(_problems(context.get("photo_errors")))
        reasons.extend(_unfinished(context))
        # A hazard tapped, its note still asked for (screening/routes.py, answer).
        if asked := context.get("note_asked"):
            reasons.append(str(asked))
    flashes = session.get("_flashes", [])[g.get("outbox_flashes", 0) :]
    reasons.extend(str(m) for level, m in flashes if level == "error")
    return list(dict.fromkeys(r for r in reasons if r))


def _csrf_failed() -> bool:
    if g.get("csrf_error"):
        return True
    return any(c.get("reason") == "csrf" for c in g.get("outbox_seen", []))


def _drop_own_flashes() -> None:
    """The replay runs in the background: its "saved" notes must not greet the next page."""
    flashes = session.get("_flashes")
    if flashes is not None:
        kept = flashes[: g.get("outbox_flashes", 0)]
        if kept:
            session["_flashes"] = kept
        else:
            session.pop("_flashes", None)


@bp.after_app_request
def _answer_replay(resp):
    if not is_replay() or g.get("outbox_answered"):
        return resp
    reasons = _reasons()
    _drop_own_flashes()
    if not current_user.is_authenticated:
        return _signed_out()
    if _csrf_failed():
        return _answer(400, status="csrf")
    if g.get("storage_error") or g.get("throttled"):
        # The form came back "not saved, try again": the server's trouble, not the entry's.
        return _answer(503, status="retry")
    code = resp.status_code
    if 300 <= code < 400:
        parts = urlsplit(resp.location or "")
        url = local_path(parts.path + (f"?{parts.query}" if parts.query else "")) or None
        if url and url.split("?")[0] == "/login":
            return _signed_out()
        if not reasons:
            return _answer(200, status="saved", url=url)
    if code == 429 or code >= 500:
        return _answer(503, status="retry")
    if code < 400 and not reasons:
        # A view that answers a plain form with a page and no error (none does today).
        return _answer(200, status="saved", url=None)
    if code == 404 and not reasons:
        reasons = [_("Not found, or not in your area: it may have been archived or removed.")]
    if not reasons:
        reasons = [_("The server did not save this entry.")]
    return _answer(code if 400 <= code < 500 else 422, status="refused", reason=" ".join(reasons))


before_render_template.connect(_note_render)
