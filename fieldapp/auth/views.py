from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from fieldapp import audit, clock, i18n, mail, policy, tasks
from fieldapp.auth import oidc, sessions
from fieldapp.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    ReauthForm,
    ResetPasswordForm,
)
from fieldapp.auth.mails import RESET
from fieldapp.auth.passwords import verify_password
from fieldapp.auth.services import (
    AccountError,
    authenticate,
    change_password,
    finish_reset,
    reset_token_user,
)
from fieldapp.auth.throttle import SignInRefused
from fieldapp.extensions import db, limiter
from fieldapp.i18n import gettext as _
from fieldapp.models import Role, User
from fieldapp.rendering import is_htmx, redirect_after_post, render
from fieldapp.visits import feeds

bp = Blueprint("auth", __name__)


def home_url(user: User) -> str:
    """Each role lands on its own home page; a person with several roles on the busiest one."""
    if user.has_role(Role.COORDINATOR):
        return url_for("schools.home")
    if user.has_role(Role.VISITOR):
        return url_for("visits.my_visits")
    if user.has_role(Role.TRAINER):
        return url_for("training.home")
    if user.has_role(Role.ADMIN):
        return url_for("admin.home")
    return url_for("auth.account")


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.before_app_request
def check_session():
    """Every request of a signed-in person is checked against their session on the server (as
    read at most ``sessions.FRESH_SECONDS`` ago, in this process)."""
    if request.endpoint == "static" or request.blueprint == "shell":
        return None  # files anyone may fetch (the service worker updates itself with them)
    # The cached account, not current_user: the page's own copy is made only if it is used.
    user = sessions.signed_in_account()
    if user is None:
        return None  # not signed in, or the account is gone: current_user is anonymous
    now = clock.now()
    row = sessions.current_row()
    reason = sessions.why_ended(row, user, now=now, config=current_app.config)
    if reason is None:
        if sessions.touch(row, now=now):
            db.session.commit()  # at most once a minute: most requests write nothing here
        return None
    if row is not None:
        sessions.end_row(row, now=now)
    db.session.commit()
    logout_user()
    session.clear()
    if _phone_signs_out():
        return _signed_out_answer()  # the session had ended anyway: the phone may clean up
    flash(reason, "info")
    if request.blueprint == "sync":
        return policy.api_error(401, "signed_out", reason)  # the phone keeps its queue
    login = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if is_htmx():
        return "", 401, {"HX-Redirect": login}
    return redirect(login)


@bp.get("/")
@policy.requires(policy.signed_in)
def index():
    return redirect(home_url(current_user))


def start_session(user: User, remember: bool) -> None:
    session.clear()  # a new session at sign-in: nothing carried over from before
    token = sessions.start(
        user, now=clock.now(), ip=request.remote_addr, user_agent=request.user_agent.string
    )
    login_user(user, remember=False)  # no long-lived remember cookie: it could not be revoked
    session["sid"] = token
    session["auth_at"] = time.time()
    session.permanent = remember  # keep the session across browser restarts, 12 hours at most


@bp.route("/login", methods=["GET", "POST"])
@policy.public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, now=clock.now())
        except SignInRefused as exc:
            db.session.rollback()
            audit.record("auth.login", success=False, throttled=True)
            db.session.commit()
            form.password.errors.append(exc.message)
            headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
            response = _login_page(form, 429)
            response.headers.update(headers)
            return response
        if user is not None and not _password_allowed(user):
            db.session.rollback()  # not signed in: nothing of the sign-in is kept
            audit.record("auth.login", actor=user, success=False, reason="password_off")
            db.session.commit()
            form.password.errors.append(
                _("Sign in with your district account: the button above this form.")
            )
            return _login_page(form, 403)
        if user is not None:
            start_session(user, bool(form.remember.data))
            db.session.commit()
            return redirect_after_post(safe_next(request.args.get("next")) or home_url(user))
        db.session.commit()
        form.password.errors.append(_("That email and password do not match an account."))
        status = 401
    elif form.is_submitted():
        status = 400
    return _login_page(form, status)


def _password_allowed(user: User) -> bool:
    """An installation may keep passwords for administrators only (staff use the district's
    account): not while no district sign-in is offered, or nobody but admins could sign in."""
    if current_app.config["PASSWORD_SIGN_IN"] == "everyone" or not oidc.offered():
        return True
    return user.has_role(Role.ADMIN)


def _login_page(form: LoginForm, status: int):
    providers = oidc.offered()
    signed_out_of = providers.get(request.args.get("signed_out_of", ""))
    return render(
        "auth/login.html",
        form=form,
        providers=providers,
        passwords_for_admins=bool(providers) and current_app.config["PASSWORD_SIGN_IN"] == "admins",
        signed_out_of=request.args["signed_out_of"] if signed_out_of else None,
        signed_out_label=signed_out_of["label"] if signed_out_of else None,
        status=status,
    )


# Phones are shared: at sign-out, clear the browser's cache of this site. Not "storage": that
# would also wipe notes another person wrote offline and has not sent yet (their session ended;
# they are sent at their next sign-in). The page script and service worker clear this person's
# kept pages and, after asking, their unsent notes (static/app.js, templates/sync/sw.js).
CLEAR_CACHE = '"cache"'


def _phone_signs_out() -> bool:
    """The page's script asks to sign out (a fetch wanting JSON), not a plain form."""
    return request.endpoint == "auth.logout" and request.accept_mimetypes.best == "application/json"


def _signed_out_answer(after: str | None = None):
    """What the page's script waits for before it clears the phone: the server's session is
    over and the cookie is gone (the session is empty, so Flask deletes it); then the page
    to go to."""
    response = jsonify(signed_out=True, next=after or url_for("auth.login"))
    response.headers["Clear-Site-Data"] = CLEAR_CACHE
    return response


@bp.before_request
def signed_out_already():
    """Nobody is signed in here any more: the script's sign-out is answered as done (not with
    the sign-in page), so the phone cleans up all the same."""
    if _phone_signs_out() and not current_user.is_authenticated:
        return _signed_out_answer()
    return None


@bp.post("/logout")
@policy.requires(policy.signed_in)
def logout():
    sessions.end(session.get("sid"), now=clock.now())
    audit.record("auth.logout", actor=current_user)
    db.session.commit()
    # Signed in with the district's account: the sign-in page then offers its sign-out too.
    provider = session.get(oidc.SESSION_KEY)
    after = url_for("auth.login", signed_out_of=provider) if provider else url_for("auth.login")
    logout_user()
    session.clear()
    if _phone_signs_out():
        return _signed_out_answer(after)
    flash(_("You are signed out."), "info")
    response = redirect_after_post(after)
    response.headers["Clear-Site-Data"] = CLEAR_CACHE
    return response


@bp.route("/password/forgot", methods=["GET", "POST"])
@policy.public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # Only an enqueue here, the same for every address: whether the email has an account,
        # and whether the mail server is up, is the task's business (no account enumeration).
        tasks.sign_in_link_mail(form.email.data, RESET, i18n.current_locale(), mail.link_base_url())
        # The same answer whether or not the email has an account.
        flash(
            _("If an account has this email, a link to reset the password is on its way."), "info"
        )
        return redirect_after_post(url_for("auth.login"))
    return render("auth/forgot.html", form=form, status=422 if form.errors else 200)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@policy.public
def reset_password(token: str):
    row = reset_token_user(token, now=clock.now())
    if row is None:
        return render("auth/reset_invalid.html", status=404)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        finish_reset(row, form.new_password.data, now=clock.now())
        db.session.commit()
        flash(_("Your password is changed. Please sign in with it."), "success")
        return redirect_after_post(url_for("auth.login"))
    return render("auth/reset.html", form=form, status=422 if form.errors else 200)


@bp.route("/reauthenticate", methods=["GET", "POST"])
@policy.requires(policy.signed_in)
def reauthenticate():
    """Ask for the password again before a sensitive action, or for the district's account
    to confirm it is this person (the only way for someone with no password here)."""
    user = current_user._get_current_object()
    form = ReauthForm()
    status = 200
    passwords = bool(user.password_hash) and _password_allowed(user)
    if not passwords and request.method == "POST":
        abort(403)
    if form.validate_on_submit():
        if verify_password(current_user.password_hash, form.password.data):
            session["auth_at"] = time.time()
            audit.record("auth.reauthenticate", actor=current_user)
            db.session.commit()
            return redirect_after_post(
                safe_next(request.args.get("next")) or home_url(current_user)
            )
        audit.record("auth.reauthenticate", actor=current_user, success=False)
        db.session.commit()
        form.password.errors.append(_("That is not your password."))
        status = 401
    elif form.is_submitted():
        status = 422
    return render(
        "auth/reauthenticate.html",
        form=form,
        passwords=passwords,
        providers=oidc.confirm_with(user, session.get(oidc.SESSION_KEY)),
        next=safe_next(request.args.get("next")),
        status=status,
    )


@bp.route("/account", methods=["GET", "POST"])
@policy.requires(policy.signed_in)
def account():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            change_password(
                user,
                form.current_password.data,
                form.new_password.data,
                now=clock.now(),
                keep_session=session.get("sid"),
            )
        except AccountError as exc:
            getattr(form, exc.field).errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            # The new password's session version: this browser stays signed in.
            login_user(user, remember=False)
            flash(_("Your password is changed. Other devices are signed out."), "success")
            return redirect_after_post(url_for("auth.account"))
    elif form.is_submitted():
        status = 422
    return _account_page(user, form, _language_form(user), status)


def _account_page(user: User, form, language_form, status: int):
    offers_feed = policy.calendar_feed.role_allows(user)
    return render(
        "auth/account.html",
        form=form,
        language_form=language_form,
        status=status,
        offers_feed=offers_feed,
        calendar_feed=feeds.live_feed(user) if offers_feed else None,
    )


# ---- the interface's language ----------------------------------------------------------------


def _language_form(user: User, formdata=None) -> LanguageForm:
    form = LanguageForm(formdata=formdata, prefix="language")
    if formdata is None:
        form.locale.data = user.locale or ""
    return form


@bp.post("/account/language")
@policy.requires(policy.signed_in)
def account_language():
    """The language of the interface and of messages to this person; empty: the browser's."""
    user = current_user._get_current_object()
    language_form = _language_form(user, formdata=request.form)
    if not language_form.validate():
        return _account_page(user, ChangePasswordForm(formdata=None), language_form, 422)
    user.locale = language_form.locale.data or None
    db.session.commit()
    with i18n.in_language(i18n.select_locale()):  # the new choice, for this very message
        flash(_("Your language is saved."), "success")
    return redirect_after_post(url_for("auth.account"))


@bp.get("/language")
@policy.public
def choose_language():
    """The language switch of the pages before signing in: remembered in a cookie for a year."""
    code = request.args.get("lang")
    response = redirect(safe_next(request.args.get("next")) or url_for("auth.login"), 303)
    if code in i18n.LOCALES:
        response.set_cookie(
            i18n.COOKIE,
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            httponly=True,
        )
    return response
