from __future__ import annotations

import secrets

from flask import Blueprint, current_app, flash, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from fieldapp import clock, i18n, mail, policy, rules, tasks
from fieldapp.admin import queries, services
from fieldapp.admin.forms import (
    PeopleSearchForm,
    PersonForm,
    SchoolSearchForm,
    SignInProvidersForm,
)
from fieldapp.auth import oidc
from fieldapp.auth import services as auth_services
from fieldapp.auth.forms import NewAccountForm
from fieldapp.auth.mails import INVITATION
from fieldapp.auth.services import AccountError, create_account
from fieldapp.extensions import db
from fieldapp.fields import parse_id
from fieldapp.formatting import ROLE_LABELS
from fieldapp.i18n import gettext as _
from fieldapp.i18n import ngettext
from fieldapp.models import Role, RoleAssignment, School, User, Visit
from fieldapp.paging import RowsPage, page_number
from fieldapp.rendering import redirect_after_post, render
from fieldapp.visits import queries as visit_queries

bp = Blueprint("admin", __name__)


@bp.get("/")
@policy.requires(policy.administer)
def home():
    search, q = _search(PeopleSearchForm)
    return render(
        "admin/home.html",
        block="people",
        search=search,
        q=q,
        schools=db.session.scalar(queries.count_schools()) or 0,
        people=_people_page(q),
        status=200 if not search.errors else 422,
    )


@bp.get("/schools")
@policy.requires(policy.administer)
def schools():
    """The district's schools, a page at a time by name, with their students and the links to
    their relationship data; found by part of the name or the code."""
    search, q = _search(SchoolSearchForm)
    total = db.session.scalar(queries.count_schools(q)) or 0
    return render(
        "admin/schools.html",
        block="schools",
        search=search,
        q=q,
        schools=RowsPage(queries.schools_with_counts(q), total, queries.SCHOOLS_PER_PAGE),
        status=200 if not search.errors else 422,
    )


def _search(form_class):
    """A list's search form from the query string, and the words to find ("" when none, or
    when the form refused them: the whole list then, the error beside the field)."""
    search = form_class(request.args)
    return search, (search.q.data or "").strip() if search.validate() else ""


def _people_page(q: str):
    """A page of people (counted apart: ``COUNT(*) OVER ()`` would read every match before the
    page's 50); a page past the last shows the last."""

    def paged(number: int):
        return db.paginate(
            queries.users(q or None),
            page=number,
            per_page=queries.PEOPLE_PER_PAGE,
            error_out=False,
        )

    people = paged(page_number())
    return paged(people.pages) if not people.items and people.page > 1 and people.total else people


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
        show_password = bool(form.show_password.data)
        try:
            user, password = create_account(
                name=form.name.data,
                email=form.email.data,
                role=role,
                school=school,
                by=current_user,
                languages=form.languages.data or "en",
                # By default nobody ever sees the first password: the person chooses their own
                # through the emailed link.
                password=None if show_password else secrets.token_urlsafe(32),
            )
            if not show_password:
                kind = auth_services.offer_sign_in_link(user, by=current_user)
        except AccountError as exc:
            getattr(form, exc.field).errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            if not show_password:
                _queue_sign_in_link(user, kind)
            return render(
                "admin/account_created.html",
                user=user,
                password=password if show_password else None,
                status=201,
            )
    elif form.is_submitted():
        status = 422
    return render("admin/new_account.html", form=form, status=status)


@bp.post("/users/<int:person_id>/active")
@policy.requires(policy.administer, person=User)
def set_active(person: User):
    active = request.form.get("active") == "1"
    if not active and person.id != current_user.id:
        # Disabling strands the person's open visits: the prompt lists them first.
        return redirect_after_post(url_for("admin.disable", person_id=person.id))
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


def _queue_sign_in_link(person: User, kind: str) -> None:
    """After the commit: the task finds the account (and its audit row) in the database."""
    tasks.sign_in_link_mail(
        person.email, kind, person.locale or i18n.current_locale(), mail.link_base_url()
    )


@bp.post("/users/<int:person_id>/sign-in-link")
@policy.requires(policy.administer, person=User)
def send_sign_in_link(person: User):
    """An invitation for someone who has never signed in, a reset link otherwise: the admin
    never sees nor sets the person's password."""
    try:
        kind = auth_services.offer_sign_in_link(person, by=current_user)
    except AccountError as exc:
        flash(exc.message, "error")
        return redirect_after_post(url_for("admin.person", person_id=person.id))
    db.session.commit()
    _queue_sign_in_link(person, kind)
    if kind == INVITATION:
        flash(
            _("An invitation to sign in is on its way to %(email)s.", email=person.email),
            "success",
        )
    else:
        flash(
            _("A link to choose a new password is on its way to %(email)s.", email=person.email),
            "success",
        )
    return redirect_after_post(url_for("admin.person", person_id=person.id))


@bp.post("/users/<int:person_id>/unlock")
@policy.requires(policy.administer, person=User)
def unlock(person: User):
    auth_services.unlock(person, by=current_user)
    db.session.commit()
    flash(_("%(name)s can try to sign in again.", name=person.name), "success")
    return redirect_after_post(url_for("admin.home"))


# ---- one person: name, staff id, roles; disabling with their open visits in view ----------


def _person_form(person: User, form: PersonForm | None = None) -> PersonForm:
    form = form or PersonForm(obj=person)
    form.remove.choices = [
        SelectChoice(a.id, _role_label(a)) for a in sorted(person.roles, key=lambda a: a.id)
    ]
    form.role.choices = [SelectChoice("", _("— none —"))] + [
        SelectChoice(r.value, ROLE_LABELS[r]) for r in Role
    ]
    form.school_id.choices = [SelectChoice(0, _("— no school —"))] + [
        SelectChoice(s.id, s.name) for s in db.session.scalars(queries.schools())
    ]
    return form


def _role_label(assignment: RoleAssignment) -> str:
    label = str(ROLE_LABELS[assignment.role])
    return f"{label} · {assignment.school.name}" if assignment.school else label


@bp.route("/users/<int:person_id>", methods=["GET", "POST"])
@policy.requires(policy.administer, person=User)
def person(person: User):
    form = _person_form(person, PersonForm() if request.method == "POST" else None)
    status = 200
    if form.validate_on_submit():
        role = Role(form.role.data) if form.role.data else None
        school = db.session.get(School, form.school_id.data) if form.school_id.data else None
        remove = [a for a in person.roles if a.id in (form.remove.data or [])]
        try:
            services.update_person(
                person,
                name=form.name.data.strip(),
                staff_id=(form.staff_id.data or "").strip() or None,
                add=(role, school) if role else None,
                remove=remove,
                by=current_user,
            )
        except rules.RuleViolation as exc:
            db.session.rollback()
            form = _person_form(person, form)
            getattr(form, exc.field or "name").errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            flash(_("%(name)s is saved.", name=person.name), "success")
            return redirect_after_post(url_for("admin.person", person_id=person.id))
    elif form.is_submitted():
        status = 422
    return render("admin/person.html", person=person, form=form, status=status)


def _disable_page(person: User, status: int = 200, errors: dict[int, str] | None = None):
    open_visits = db.session.scalars(visit_queries.open_team_visits(member_id=person.id)).all()
    options = services.replacements_for(person, open_visits, clock.now())
    chosen = {v.id: parse_id(request.form.get(f"replace-{v.id}")) for v in open_visits}
    return render(
        "admin/disable.html",
        person=person,
        visits=open_visits,
        options=options,
        chosen=chosen if request.method == "POST" else options.suggested,
        errors=errors or {},
        status=status,
    )


@bp.get("/users/<int:person_id>/disable")
@policy.requires(policy.administer, person=User)
def disable(person: User):
    return _disable_page(person)


@bp.post("/users/<int:person_id>/disable")
@policy.requires(policy.administer, person=User)
def confirm_disable(person: User):
    if person.id == current_user.id:
        flash(_("You cannot disable your own account."), "error")
        return redirect_after_post(url_for("admin.person", person_id=person.id))
    now = clock.now()
    open_visits = db.session.scalars(visit_queries.open_team_visits(member_id=person.id)).all()
    options = services.replacements_for(person, open_visits, now)
    chosen: dict[Visit, User] = {}
    errors: dict[int, str] = {}
    for visit in open_visits:
        picked = parse_id(request.form.get(f"replace-{visit.id}"))
        if not picked:
            continue
        replacement = next((p for p in options.candidates[visit.id] if p.id == picked), None)
        if replacement is None:
            errors[visit.id] = _("Choose a trained person of this school, or nobody.")
        else:
            chosen[visit] = replacement
    if errors:
        return _disable_page(person, 422, errors)
    try:
        services.disable(person, chosen, by=current_user, now=now)
    except rules.RuleViolation as exc:
        db.session.rollback()
        failed = parse_id((exc.field or "").removeprefix("replace-"))
        return _disable_page(person, 422, {failed or 0: exc.message})
    db.session.commit()
    left = len(open_visits) - len(chosen)
    flash(_("%(name)s is disabled and signed out.", name=person.name), "success")
    if chosen:
        flash(
            ngettext(
                "%(num)d visit has a new team member.",
                "%(num)d visits have a new team member.",
                len(chosen),
            ),
            "success",
        )
    if left:
        flash(
            ngettext(
                "%(num)d visit still needs a new team: it is flagged on the round's board.",
                "%(num)d visits still need a new team: they are flagged on the round's board.",
                left,
            ),
            "warning",
        )
    return redirect_after_post(url_for("admin.home"))


# ---- how staff sign in -----------------------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
@policy.requires(policy.administer)
def sign_in_methods():
    """The district's accounts (Google, Microsoft) configured for this installation: which the
    sign-in page offers. The providers themselves are set by the environment (README)."""
    providers = oidc.configured()
    form = SignInProvidersForm()
    form.shown.choices = [
        SelectChoice(name, _("Sign in with %(provider)s", provider=p["label"]))
        for name, p in providers.items()
    ]
    if form.validate_on_submit():
        oidc.set_hidden(set(providers) - set(form.shown.data or []), by=current_user)
        db.session.commit()
        flash(_("The sign-in page is updated."), "success")
        return redirect_after_post(url_for("admin.sign_in_methods"))
    if not form.is_submitted():
        form.shown.data = list(oidc.offered())
    return render(
        "admin/sign_in.html",
        form=form,
        providers=providers,
        passwords=current_app.config["PASSWORD_SIGN_IN"],
        status=422 if form.errors else 200,
    )
