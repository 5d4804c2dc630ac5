from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from fieldapp import audit, policy
from fieldapp.auth.forms import ChangePasswordForm, LoginForm, ReauthForm
from fieldapp.auth.passwords import verify_password
from fieldapp.auth.services import AccountError, authenticate, change_password
from fieldapp.extensions import db
from fieldapp.models import Role, User
from fieldapp.rendering import redirect_after_post, render

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


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.get("/")
@policy.requires(policy.signed_in)
def index():
    return redirect(home_url(current_user))


@bp.route("/login", methods=["GET", "POST"])
@policy.public
def login():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        db.session.commit()
        if user is not None:
            login_user(user, remember=form.remember.data)
            session["auth_at"] = time.time()
            return redirect_after_post(_safe_next(request.args.get("next")) or home_url(user))
        form.password.errors.append("That email and password do not match an account.")
        status = 401
    elif form.is_submitted():
        status = 400
    return render("auth/login.html", form=form, status=status)


@bp.post("/logout")
@policy.requires(policy.signed_in)
def logout():
    logout_user()
    flash("You are signed out.", "info")
    response = redirect_after_post(url_for("auth.login"))
    # Phones are shared: clear what this site stored in the browser for the last user.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/reauthenticate", methods=["GET", "POST"])
@policy.requires(policy.signed_in)
def reauthenticate():
    """Ask for the password again before a sensitive action."""
    form = ReauthForm()
    status = 200
    if form.validate_on_submit():
        if verify_password(current_user.password_hash, form.password.data):
            session["auth_at"] = time.time()
            audit.record("auth.reauthenticate", actor=current_user)
            db.session.commit()
            return redirect_after_post(
                _safe_next(request.args.get("next")) or home_url(current_user)
            )
        audit.record("auth.reauthenticate", actor=current_user, success=False)
        db.session.commit()
        form.password.errors.append("That is not your password.")
        status = 401
    elif form.is_submitted():
        status = 422
    return render("auth/reauthenticate.html", form=form, status=status)


@bp.route("/account", methods=["GET", "POST"])
@policy.requires(policy.signed_in)
def account():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            change_password(user, form.current_password.data, form.new_password.data)
        except AccountError as exc:
            getattr(form, exc.field).errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            # The password change ended every session; keep this one going.
            login_user(user, remember=False)
            flash("Your password is changed. Other devices are signed out.", "success")
            return redirect_after_post(url_for("auth.account"))
    elif form.is_submitted():
        status = 422
    return render("auth/account.html", form=form, status=status)
