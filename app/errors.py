"""Turning refusals and errors into answers: the form again, a fragment, or an error page.

A view marked `redisplays_form_on_error` is run once more when its request failed in a way
the user can mend (an expired token, throttling, a refusal, a storage failure, a commit the
database refused): its form then fails validation with the reason, and the view renders what
was typed as usual.
"""

import inspect

from flask import Flask, g, jsonify, make_response, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from .db import is_storage_failure, set_write_intent
from .extensions import db
from .refusals import Locked, NotAllowed, Refusal

# Seconds a throttled client is told to wait (the login limits count over minutes).
RETRY_AFTER = 60


def _form_view():
    """The current view if it redisplays its form on error, else None."""
    from flask import current_app

    view = current_app.view_functions.get(request.endpoint or "")
    return view if getattr(view, "redisplays_form_on_error", False) else None


def register_errors(app: Flask) -> None:
    """Install the handlers for refusals, expired tokens, HTTP errors and the unexpected."""
    from .audit.services import record_route_refusal
    from .htmx import render, toast, wants_fragment

    def run_again(view, unwrap: bool = False):
        """Run the view once more; the forms it builds now fail with the reason kept in `g`.

        `unwrap` skips its decorators (login, role, rate limit): only for a failure raised
        from inside the view, which those decorators have already let through. A refusal or
        404 the second run meets (the record is gone, or not the user's) is answered as
        such: an exception escaping an error handler would be a 500.
        """
        target = inspect.unwrap(view) if unwrap else view
        try:
            return make_response(target(**(request.view_args or {})))
        except Refusal as exc:
            return _refused(exc)
        except HTTPException as exc:
            return _http_error(exc)

    def error_page(code: int, reason: str | None = None, refusal: Refusal | None = None):
        return render(
            "errors/error.html",
            "errors/_error.html",
            status=code,
            code=code,
            reason=reason,
            refusal=refusal,
        )

    @app.errorhandler(Refusal)
    def _refused(exc: Refusal):
        db.session.rollback()
        if isinstance(exc, NotAllowed):
            record_route_refusal()
            return error_page(404)
        view = _form_view()
        # A locked day is not mended by typing: the page (or htmx's error toast) says why,
        # and under htmx nothing is swapped, so the form keeps what was typed.
        if view is not None and "refusal" not in g and not isinstance(exc, Locked):
            g.refusal = exc
            set_write_intent(False)
            resp = run_again(view)
            if wants_fragment():
                # htmx swaps only 2xx answers: the form comes back with the reason in it.
                return toast(resp, exc.message, "error")
            if resp.status_code < 300:
                resp.status_code = exc.status
            return resp
        resp = error_page(exc.status, "refused", exc)
        return toast(resp, exc.message, "error") if wants_fragment() else resp

    @app.errorhandler(CSRFError)
    def _csrf_error(err):
        # A form left open past its token's life: run the view again so that it redisplays
        # the form with what was typed, the reason, and a fresh token. The form's own CSRF
        # check fails the same way, so nothing is saved.
        view = _form_view()
        if view is not None:
            g.csrf_error = err.description
            return run_again(view)
        return error_page(400, "csrf")

    @app.errorhandler(HTTPException)
    def _http_error(err):
        view = _form_view()
        if err.code == 429 and view is not None:
            g.throttled = True
            resp = run_again(view, unwrap=True)
        else:
            if err.code == 404:
                record_route_refusal()
            if request.path.startswith("/healthz"):
                return jsonify(error=err.name), err.code
            resp = error_page(err.code or 500)
        if err.code == 429:
            resp.headers["Retry-After"] = str(RETRY_AFTER)
        return resp

    @app.errorhandler(Exception)
    def _unexpected(err):
        app.logger.exception("unhandled error")
        db.session.rollback()
        storage = is_storage_failure(err)
        # The database refused the request's commit for a constraint it checks then: the view
        # did its work and nothing of it was saved. Not any error at commit: a connection lost
        # during COMMIT leaves it unknown whether the rows were saved, and "not saved" could
        # then be false (the outbox sends such a request again, under the same key).
        refused = g.get("commit_failed", False) and isinstance(err, IntegrityError)
        view = _form_view()
        if (storage or refused) and request.method == "POST" and "storage_error" not in g and view:
            # A full disk, a read-only database, a refused commit: run the form view again,
            # as for an expired token, so the form comes back with what was typed and "not
            # saved". Its validation now fails, so it only reads (and reads need no write lock).
            g.storage_error = True
            set_write_intent(False)
            try:
                return run_again(view)
            except Exception:  # the store fails reads too: show the plain page
                app.logger.exception("form could not be shown again after a storage failure")
                db.session.rollback()
        return error_page(503, "storage") if storage else error_page(500)
