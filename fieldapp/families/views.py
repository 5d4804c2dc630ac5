from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_login import current_user

from fieldapp import audit, clock, policy, receipts, rules
from fieldapp.extensions import db
from fieldapp.families import queries
from fieldapp.families import services as family_services
from fieldapp.families.forms import (
    UNKNOWN_LANGUAGE,
    EditStudentForm,
    FamilyForm,
    HomeLanguageForm,
    NewFamilyForm,
    RosterFilterForm,
    StudentForm,
)
from fieldapp.fields import csv_response
from fieldapp.formatting import LANGUAGES, format_phone, zone
from fieldapp.i18n import family_label
from fieldapp.i18n import gettext as _
from fieldapp.models import Family, FollowUp, Role, Round, School, SchoolClass, Student
from fieldapp.paging import page_number
from fieldapp.rendering import answered, is_partial_request, redirect_after_post, render
from fieldapp.rules import RuleViolation
from fieldapp.visits import services

bp = Blueprint("families", __name__)


@bp.get("/families/<int:family_id>")
@policy.requires(policy.view_family, family=Family)
def card(family: Family):
    students = db.session.scalars(queries.students(family.id)).unique().all()
    # A student's attendance: only to their teachers and their school's coordinators, in the
    # school year of the day at their school.
    shown = [s for s in students if policy.view_attendance.allows(current_user, s)]
    attendance = family_services.attendance_this_year(
        shown, {s.id: clock.today(zone(s.school.timezone)) for s in shown}
    )
    # ``kept``: the visitor's phone keeps the card to open with no signal (static/app.js):
    # audited as what it is, the card going to the phone, not a person reading it now. The
    # students whose attendance it showed are named in the event.
    kept = request.args.get("kept") == "1"
    audit.viewed(
        "family.kept" if kept else "family.view",
        actor=current_user,
        obj=family,
        **({"attendance_of": [s.id for s in shown]} if shown else {}),
    )
    return render(
        "families/card.html",
        family=family,
        students=students,
        attendance=attendance,
        reflection=db.session.scalar(queries.latest_reflection(family.id)),
        follow_ups=db.session.scalars(queries.open_follow_ups(family.id)).all(),
        visits=db.session.scalars(queries.visit_history(family.id)).unique().all(),
        today=clock.today(zone()),
    )


@bp.post("/follow-ups/<int:follow_up_id>/done")
@policy.requires(policy.complete_follow_up, follow_up=FollowUp)
def follow_up_done(follow_up: FollowUp):
    client_id = receipts.parse(request.form.get("client_id"))
    if not receipts.already_stored(client_id, current_user):
        try:
            services.complete_follow_up(follow_up, by=current_user)
            receipts.keep(client_id, by=current_user, kind="follow_up_done")
            db.session.commit()
        except receipts.RACE_LOST:
            # The same tap sent twice at once: the other request stored it.
            db.session.rollback()
            if not receipts.already_stored(client_id, current_user):
                raise
    if is_partial_request():
        response = render(
            "families/_follow_up.html", follow_up=follow_up, today=clock.today(zone())
        )
        return answered(response, client_id, stored=True)
    flash(_("Follow-up marked done."), "success")
    return redirect_after_post(
        url_for("families.card", family_id=follow_up.family_id), stored=client_id
    )


# ---- the coordinator's roster ---------------------------------------------------------------

PER_PAGE = 25


def _field_error(form, exc: RuleViolation, default: str) -> None:
    field = getattr(form, exc.field or default, None) or getattr(form, default)
    field.errors = [*field.errors, exc.message]


def _school_class(class_id: int | None) -> SchoolClass | None:
    """A class the form already checked is one of the school's."""
    return db.session.get(SchoolClass, class_id) if class_id is not None else None


@bp.get("/schools/<int:school_id>/roster")
@policy.requires(policy.coordinate_school, school=School)
def roster(school: School):
    # The roster shows family records (names, language, do-not-contact): a read, on the trail.
    audit.viewed("roster.view", actor=current_user, obj=school, school_id=school.id)
    filters, round_ = _roster_filters(school)
    page = db.paginate(
        queries.roster(school.id, visited_in=round_.id if round_ else None, **filters.criteria()),
        page=page_number(),
        per_page=PER_PAGE,
        error_out=False,
    )
    visited = (
        set(db.session.scalars(queries.visited_students(round_.id, [s.id for s in page.items])))
        if round_ is not None and page.items
        else set()
    )
    return render(
        "families/roster.html",
        block="results",
        school=school,
        round=round_,
        filters=filters,
        applied=filters.applied(),
        kept=filters.kept(),
        page=page,
        visited=visited,
        siblings={s.id: family_services.siblings(s) for s in page.items},
        guardians={s.id: family_services.first_guardian(s.family) for s in page.items},
        languages=LANGUAGES,
    )


def _roster_filters(school: School) -> tuple[RosterFilterForm, Round | None]:
    """The roster's filters, and the round "visited" is about: the one chosen, else the round
    in progress by the school's date (a round planned for next term does not take over)."""
    rounds = db.session.scalars(queries.school_rounds(school.id)).all()
    classes = db.session.scalars(queries.school_classes(school.id)).all()
    filters = RosterFilterForm(request.args)
    filters.set_classes(classes)
    default = rules.default_round(rounds, clock.today(zone(school.timezone)))
    filters.set_rounds(rounds, default)
    filters.validate()
    if filters.round.data is None and default is not None:
        filters.round.data = default.id  # a stale choice: said beside the field, default shown
    round_ = next((r for r in rounds if r.id == filters.round.data), None)
    if round_ is None:
        filters.visited.data = ""  # nothing to have been visited in: the filter is hidden
    return filters, round_


ROSTER_HEADER = [
    "student_id",
    "last_name",
    "first_name",
    "grade",
    "classes",
    "family_name",
    "guardian",
    "guardian_phone",
    "home_language",
    "interpreter_needed",
    "do_not_contact",
    "siblings_here",
    "round",
    "visited_in_round",
]


@bp.get("/schools/<int:school_id>/roster.csv")
@policy.requires(policy.coordinate_school, fresh=True, school=School)
def roster_csv(school: School):
    """The roster as filtered, for the school's own spreadsheets: machine headers, codes and
    1/0 in the cells (no words of one language), UTF-8 with a byte order mark."""
    filters, round_ = _roster_filters(school)
    audit.record("roster.download", actor=current_user, obj=school, school_id=school.id)
    db.session.commit()
    students = db.session.scalars(
        queries.roster(school.id, visited_in=round_.id if round_ else None, **filters.criteria())
    ).all()
    visited = set(db.session.scalars(queries.visited_students(round_.id))) if round_ else set()
    return csv_response(
        ROSTER_HEADER,
        (family_services.roster_row(s, visited if round_ else None, round_) for s in students),
        f"roster-{school.code}.csv",
        stream=True,
    )


def _family_page(form, *, school: School, family: Family | None, status: int = 200):
    return render(
        "families/family_form.html", form=form, school=school, family=family, status=status
    )


@bp.route("/schools/<int:school_id>/families/new", methods=["GET", "POST"])
@policy.requires(policy.coordinate_school, school=School)
def new_family(school: School):
    form = NewFamilyForm()
    form.set_classes(db.session.scalars(queries.school_classes(school.id)).all())
    if request.method == "GET" or "add_guardian" in request.form:
        form.add_guardian_row()
        return _family_page(form, school=school, family=None)
    if not form.validate():
        return _family_page(form, school=school, family=None, status=422)
    family = family_services.create_family(form.details(), by=current_user, school=school)
    student = form.student.form
    family_services.create_student(
        school,
        student.details(),
        family=family,
        school_class=_school_class(student.class_id.data),
        by=current_user,
    )
    db.session.commit()
    flash(
        _(
            "Added the %(family)s and %(student)s.",
            family=family_label(family.name),
            student=student.first_name.data.strip(),
        ),
        "success",
    )
    return redirect_after_post(url_for("families.card", family_id=family.id))


@bp.route("/families/<int:family_id>/edit", methods=["GET", "POST"])
@policy.requires(policy.coordinate_family, family=Family)
def edit_family(family: Family):
    school = _coordinated_school(family)
    if request.method == "GET":
        form = FamilyForm(obj=family)
        form.keep_language(family.home_language)
        form.show_stored_phones(format_phone)
        form.add_guardian_row()
        # The form shows the guardians' phones and emails: a read of the family record.
        audit.viewed("family.view", actor=current_user, obj=family, page="edit")
        return _family_page(form, school=school, family=family)
    form = FamilyForm()
    form.keep_language(family.home_language)
    if "add_guardian" in request.form:
        form.add_guardian_row()
        return _family_page(form, school=school, family=family)
    if not form.validate():
        return _family_page(form, school=school, family=family, status=422)
    was_dnc = family.do_not_contact
    family_services.update_family(family, form.details(), by=current_user)
    db.session.commit()
    if family.do_not_contact and not was_dnc:
        flash(
            _("Saved. The family is marked “do not contact”: their open visits are closed."),
            "success",
        )
    else:
        flash(_("Saved."), "success")
    return redirect_after_post(url_for("families.card", family_id=family.id))


@bp.route("/families/<int:family_id>/language", methods=["GET", "POST"])
@policy.requires(policy.coordinate_family, family=Family)
def set_language(family: Family):
    """The quick way to set a family's home language (from the roster's "Not known" list)."""
    school = _coordinated_school(family)
    form = HomeLanguageForm(data={"home_language": family.home_language or ""})
    if request.method == "POST":
        form = HomeLanguageForm()
        if form.validate():
            family_services.set_home_language(family, form.home_language.data, by=current_user)
            db.session.commit()
            flash(
                _(
                    "%(family)s: home language set to %(language)s.",
                    family=family.name,
                    language=LANGUAGES[form.home_language.data],
                ),
                "success",
            )
            return redirect_after_post(
                url_for("families.roster", school_id=school.id, language=UNKNOWN_LANGUAGE)
            )
    return render(
        "families/language.html",
        status=422 if form.errors else 200,
        form=form,
        family=family,
        school=school,
    )


def _coordinated_school(family: Family) -> School:
    """The school the coordinator keeps this family for (the first of theirs, by student)."""
    mine = current_user.school_ids(Role.COORDINATOR)
    return next(s.school for s in family.students if s.active and s.school_id in mine)


def _student_page(form, *, school: School, student: Student | None, status: int = 200):
    return render(
        "families/student_form.html", form=form, school=school, student=student, status=status
    )


def _student_choices(form, school: School, student: Student | None = None) -> None:
    form.set_choices(
        db.session.scalars(queries.school_classes(school.id)).all(),
        db.session.scalars(
            queries.school_families(school.id, also=student.family_id if student else None)
        ).all(),
    )


def _chosen_family(form) -> Family:
    contact = form.guardian_contact()
    if contact is not None:
        return family_services.family_by_guardian(contact)
    return db.session.get(Family, form.family_id.data)


def _save_student(form, school: School, student: Student | None, save):
    """The student form's POST: validate, then ``save(family, school_class)``. Returns
    ``(family, None)`` once saved, or ``(None, page)``: the form again, with what was typed and
    the reason next to the field."""
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return None, _student_page(form, school=school, student=student, status=status)
    try:
        family = _chosen_family(form)
        save(family, _school_class(form.class_id.data))
    except RuleViolation as exc:
        db.session.rollback()
        _field_error(form, exc, "family_id")
        return None, _student_page(form, school=school, student=student, status=422)
    db.session.commit()
    return family, None


@bp.route("/schools/<int:school_id>/students/new", methods=["GET", "POST"])
@policy.requires(policy.coordinate_school, school=School)
def new_student(school: School):
    form = StudentForm()
    _student_choices(form, school)
    added: list[Student] = []

    def save(family: Family, school_class) -> None:
        added.append(
            family_services.create_student(
                school, form.details(), family=family, school_class=school_class, by=current_user
            )
        )

    family, page = _save_student(form, school, None, save)
    if page is not None:
        return page
    flash(
        _(
            "Added %(student)s to the %(family)s.",
            student=added[0].full_name,
            family=family_label(family.name),
        ),
        "success",
    )
    return redirect_after_post(url_for("families.card", family_id=family.id))


@bp.route("/students/<int:student_id>/edit", methods=["GET", "POST"])
@policy.requires(policy.coordinate_student, student=Student)
def edit_student(student: Student):
    school = student.school
    if request.method == "GET":
        current = family_services.main_class(student)
        form = EditStudentForm(obj=student, data={"class_id": current.id if current else None})
    else:
        form = EditStudentForm()
    _student_choices(form, school, student)

    def save(family: Family, school_class) -> None:
        family_services.update_student(
            student, form.details(), family=family, school_class=school_class, by=current_user
        )

    family, page = _save_student(form, school, student, save)
    if page is not None:
        return page
    flash(_("Saved %(student)s.", student=student.full_name), "success")
    if not student.active:  # no longer on this school's roster, nor maybe the family
        return redirect_after_post(url_for("families.roster", school_id=school.id))
    return redirect_after_post(url_for("families.card", family_id=family.id))
