"""Login, logout and the user's own password."""

import sqlalchemy as sa
from flask import current_app, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..audit.services import record, record_later
from ..db import write_lock_released
from ..extensions import db, limiter
from ..forms import redisplays_form_on_error
from ..htmx import redirect_client, render
from ..i18n import LOCALES
from ..models import User
from ..permissions import home_endpoint
from ..urls import local_path
from . import bp
from .forms import LoginForm, LogoutForm, PasswordForm
from .passwords import check_password, hash_password, needs_rehash
from .services import end_session, set_password, start_session


def _account_key() -> str:
    return "login-account:" + (request.form.get("username") or "").strip().lower()[:64]


def _failed(resp) -> bool:
    # Only failed attempts count, so the real user is never locked out by their own logins.
    return resp.status_code != 303


def _user_named(username: str) -> User | None:
    """The account a typed username means: its exact spelling, or else the one account
    spelled so whatever the capitals (a phone keyboard capitalises the first letter). Two
    accounts made before usernames ignored capitals, neither typed exactly, match neither."""
    found = db.session.scalars(
        sa.select(User).where(sa.func.lower(User.username) == username.lower()).limit(3)
    ).all()
    exact = [u for u in found if u.username == username]
    if exact:
        return exact[0]
    return found[0] if len(found) == 1 else None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per 10 minutes", methods=["POST"], deduct_when=_failed)
@limiter.limit("8 per 10 minutes", methods=["POST"], key_func=_account_key, deduct_when=_failed)
@redisplays_form_on_error
def login():
    """Sign in; one message for an unknown user and a wrong password."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("main.home"))
    form = LoginForm()
    error = None
    status = 200
    if g.get("throttled"):
        error = _("Too many failed attempts. Wait a few minutes, then try again.")
        status = 429
    elif form.validate_on_submit():
        username = form.username.data.strip()
        user = _user_named(username)
        stored_hash = user.password_hash if user else None
        # A slow hash by design: checked without holding SQLite's write lock (app/db.py).
        with write_lock_released():
            matches = check_password(stored_hash, form.password.data)
        if matches and user:
            if not user.active:
                error = _("This account is switched off. Ask your administrator.")
                record_later("login_refused", "user", user.id, user=user)
            else:
                return _complete_login(user, form.password.data)
        else:
            error = _("Wrong username or password.")
            record_later(
                "login_failed",
                "user",
                user.id if user else None,
                {"username": username[:64]} if user else None,
                user=user,
            )
        status = 200
    # The password is never sent back; the username is.
    form.password.data = ""
    next_url = local_path(request.args.get("next"))
    forget = url_for("accounts.forget_cache") if session.pop("forget_cache", False) else None
    return render(
        "accounts/login.html",
        status=status,
        form=form,
        error=error,
        next=next_url,
        forget_cache=forget,
    )


def _complete_login(user: User, password: str):
    next_url = local_path(request.args.get("next"))
    lang = session.get("lang")
    session.clear()  # a fresh session at every login
    # A language picked on the login page (?lang=) is the user's choice from now on, as the
    # same link is once logged in; without one, the stored choice stands.
    if lang and lang != user.locale:
        user.locale = lang
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    start_session(user)
    login_user(user, remember=False)
    session.permanent = True
    record("login", "user", user.id, user=user)
    return redirect(next_url or url_for(home_endpoint(user)), code=303)


@bp.route("/logout", methods=["GET", "POST"])
@redisplays_form_on_error
def logout():
    """Sign out on this device; the browser is told to forget what it kept."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    form = LogoutForm()
    if request.method == "POST" and form.validate_on_submit():
        record("logout", "user", current_user.id)
        end_session(current_user.current_session_token)
        lang = current_user.locale
        logout_user()
        session.clear()
        # The phone stays in the language it was used in: the sign-in page after a logout
        # in English is in English, whatever the phone's own setting. Not "lang": that is a
        # choice made on the sign-in page, which would become the next user's own.
        if lang in LOCALES:
            session["lang_kept"] = lang
        # The HTTP cache (photos are kept there for a day) is cleared by the sign-in page,
        # behind it (forget_cache): Chromium clears "cache" by walking its whole disk cache,
        # every site's, and holds the response until it is done. With 20,000 entries that
        # took 1.4-2.2 s here against 0.06 s for "storage" alone; on a phone's full cache and
        # flash, tens of seconds of a logout that looks stuck.
        session["forget_cache"] = True
        resp = redirect_client(url_for("accounts.login"))
        # Entries still in the phone's outbox (outbox.js says so) must outlive the logout:
        # then the storage that holds them is not cleared.
        if request.form.get("outbox_kept") != "1":
            resp.headers["Clear-Site-Data"] = '"storage"'
        return resp
    return render("accounts/logout.html", form=form)


@bp.route("/logout/forget")
def forget_cache():
    """Clear this browser's HTTP cache for the site: fetched by the sign-in page after a
    logout. A GET with no effect on the server; on the phone it only drops cached copies."""
    resp = current_app.response_class(status=204)
    resp.headers["Clear-Site-Data"] = '"cache"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@redisplays_form_on_error
def password():
    """Change one's own password; every session, this one included, then ends."""
    form = PasswordForm()
    form.own_words = (current_user.username, current_user.display_name)
    if form.is_submitted():
        valid = form.validate()
        # Checked with the other fields, not after them: a wrong current password is said in
        # the same round as a short new one, not only once that is put right.
        wrong = bool(form.current.data) and not check_password(
            current_user.password_hash, form.current.data
        )
        if wrong:
            form.current.errors.append(_("The current password is wrong."))
        elif valid and check_password(current_user.password_hash, form.new.data):
            form.new.errors.append(_("The new password is the one you have now. Choose another."))
        elif valid:
            set_password(current_user, form.new.data, actor=current_user)
            logout_user()
            session.clear()
            return redirect(url_for("accounts.login", changed=1), code=303)
    return render("accounts/password.html", form=form)
