"""Admin pages for API tokens: make one for a school (shown once), list them, revoke one."""

from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_login import current_user
from wtforms import SelectChoice

from fieldapp import clock, policy
from fieldapp.admin import queries as admin_queries
from fieldapp.api import tokens
from fieldapp.api.forms import NewTokenForm
from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.models import ApiToken, School
from fieldapp.rendering import redirect_after_post, render

bp = Blueprint("api_tokens", __name__)


def _form() -> NewTokenForm:
    form = NewTokenForm()
    form.school_id.choices = [
        SelectChoice(s.id, s.name) for s in db.session.scalars(admin_queries.schools())
    ]
    return form


def _index(form: NewTokenForm, status: int = 200):
    return render(
        "api_tokens/index.html",
        form=form,
        tokens=db.session.scalars(tokens.all_tokens()).all(),
        status=status,
    )


@bp.get("/")
@policy.requires(policy.administer)
def index():
    return _index(_form())


@bp.post("/")
@policy.requires(policy.administer, fresh=True)
def create():
    form = _form()
    if not form.validate_on_submit():
        return _index(form, status=422)
    school = db.session.get(School, form.school_id.data)
    token, secret = tokens.create_token(school, form.name.data.strip(), by=current_user)
    db.session.commit()
    return render("api_tokens/created.html", token=token, secret=secret, status=201)


@bp.post("/<int:token_id>/revoke")
@policy.requires(policy.administer, token=ApiToken)
def revoke(token: ApiToken):
    tokens.revoke_token(token, by=current_user, now=clock.now())
    db.session.commit()
    flash(
        _(
            "The token “%(name)s” is revoked: calls with it are refused from now on.",
            name=token.name,
        ),
        "success",
    )
    return redirect_after_post(url_for("api_tokens.index"))
