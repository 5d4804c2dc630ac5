from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from fieldapp import clock, policy
from fieldapp.admin import queries
from fieldapp.auth import services as auth_services
from fieldapp.auth.forms import NewAccountForm
from fieldapp.auth.services import AccountError, create_account
from fieldapp.extensions import db
from fieldapp.fields import parse_id
from fieldapp.formatting import ROLE_LABELS
from fieldapp.i18n import gettext as _
from fieldapp.models import Role, School, User
from fieldapp.rendering import redirect_after_post, render

bp = Blueprint("admin", __name__)


@bp.get("/")
@policy.requires(policy.administer)
def home():
    return render(
        "admin/home.html",
        schools=db.session.execute(queries.schools_with_counts()).all(),
        users=db.session.scalars(queries.users()).all(),
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
@policy.requires(policy.create_accounts)
def new_account():
    roles, school_ids = policy.account_roles_for(current_user)
    schools = db.session.scalars(queries.schools(school_ids)).all()
    form = NewAccountForm()
    form.role.choices = [SelectChoice(r.value, ROLE_LABELS[r]) for r in Role if r in roles]
    form.school_id.choices = [SelectChoice(0, _("— none (district role) —"))] * (
        school_ids is None
    ) + [SelectChoice(s.id, s.name) for s in schools]
    status = 200
    if form.validate_on_submit():
        role = Role(form.role.data)
        school_id = parse_id(str(form.school_id.data))
        school = db.session.get(School, school_id) if school_id else None
        if school is not None and school_ids is not None and school.id not in school_ids:
            school = None  # a crafted id for a school this coordinator does not run
        try:
            user, password = create_account(
                name=form.name.data,
                email=form.email.data,
                role=role,
                school=school,
                by=current_user,
                languages=form.languages.data or "en",
            )
        except AccountError as exc:
            getattr(form, exc.field).errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            return render("admin/account_created.html", user=user, password=password, status=201)
    elif form.is_submitted():
        status = 422
    return render("admin/new_account.html", form=form, status=status)


@bp.post("/users/<int:person_id>/active")
@policy.requires(policy.administer, person=User)
def set_active(person: User):
    active = request.form.get("active") == "1"
    if person.id == current_user.id and not active:
        flash(_("You cannot disable your own account."), "error")
    else:
        auth_services.set_active(person, active, by=current_user, now=clock.now())
        db.session.commit()
        if active:
            flash(_("%(name)s is enabled.", name=person.name), "success")
        else:
            flash(_("%(name)s is disabled and signed out.", name=person.name), "success")
    return redirect_after_post(url_for("admin.home"))


@bp.post("/users/<int:person_id>/unlock")
@policy.requires(policy.administer, person=User)
def unlock(person: User):
    auth_services.unlock(person, by=current_user)
    db.session.commit()
    flash(_("%(name)s can try to sign in again.", name=person.name), "success")
    return redirect_after_post(url_for("admin.home"))
