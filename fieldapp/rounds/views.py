from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, flash, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from fieldapp import clock, policy, rules
from fieldapp.extensions import db
from fieldapp.fields import parse_id, parse_ids
from fieldapp.formatting import LANGUAGES
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.i18n import ngettext
from fieldapp.models import Round, RoundScope, School, Student, User, Visit, VisitType
from fieldapp.rendering import is_partial_request, redirect_after_post, render
from fieldapp.rounds import queries, services
from fieldapp.rounds.forms import RoundForm
from fieldapp.visits import services as visit_services

bp = Blueprint("rounds", __name__)

# A round's kind of visits, as its list and board name them.
VISIT_TYPES = {
    VisitType.FIRST: _l("First visits"),
    VisitType.SECOND: _l("Second visits"),
    VisitType.FOLLOW_UP: _l("Follow-up visits"),
}


@bp.get("/schools/<int:school_id>/rounds")
@policy.requires(policy.coordinate_school, school=School)
def index(school: School):
    return render(
        "rounds/index.html",
        school=school,
        rounds=db.session.scalars(queries.rounds(school.id)).all(),
        visit_types=VISIT_TYPES,
    )


@bp.route("/schools/<int:school_id>/rounds/new", methods=["GET", "POST"])
@policy.requires(policy.coordinate_school, school=School)
def new(school: School):
    form = RoundForm()
    grades = sorted(db.session.scalars(queries.grades(school.id)), key=_grade_order)
    classes = db.session.scalars(queries.classes(school.id)).all()
    form.grades.choices = [
        SelectChoice(g, "K" if g == "K" else _("Grade %(grade)s", grade=g)) for g in grades
    ]
    form.classes.choices = [SelectChoice(c.id, c.name) for c in classes]
    status = 200
    if form.validate_on_submit():
        scope = RoundScope(form.scope.data)
        values = _scope_values(school, scope, form)
        try:
            result = services.create_round(
                school,
                name=form.name.data.strip(),
                visit_type=VisitType(form.visit_type.data),
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                scope=scope,
                values=values,
                by=current_user,
            )
        except rules.RuleViolation as exc:
            db.session.rollback()
            getattr(form, exc.field or "name").errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            skipped = [
                _("%(num)d asked not to be contacted", num=result.skipped_do_not_contact)
                if result.skipped_do_not_contact
                else "",
                _("%(num)d already have a visit in this period", num=result.skipped_already_visited)
                if result.skipped_already_visited
                else "",
                _("%(num)d students have no family on record", num=result.skipped_no_family)
                if result.skipped_no_family
                else "",
            ]
            said = "; ".join(s for s in skipped if s)
            made = result.made
            flash(
                ngettext(
                    "Round created with %(num)d visit — skipped: %(skipped)s.",
                    "Round created with %(num)d visits — skipped: %(skipped)s.",
                    made,
                    skipped=said,
                )
                if said
                else ngettext(
                    "Round created with %(num)d visit.", "Round created with %(num)d visits.", made
                ),
                "success",
            )
            return redirect_after_post(url_for("rounds.board", round_id=result.round.id))
    elif form.is_submitted():
        status = 422
    return render("rounds/new.html", school=school, form=form, status=status)


def _grade_order(grade: str) -> tuple:
    return (0, 0) if grade == "K" else (1, int(grade)) if grade.isdigit() else (2, grade)


def _scope_values(school: School, scope: RoundScope, form: RoundForm) -> list:
    if scope == RoundScope.GRADES:
        return list(form.grades.data or [])
    if scope == RoundScope.CLASSES:
        return list(form.classes.data or [])
    if scope == RoundScope.STUDENTS:
        wanted = (form.students.data or "").replace(",", " ").split()
        return list(
            db.session.scalars(
                select(Student.id).where(Student.school_id == school.id, Student.sis_id.in_(wanted))
            )
        )
    return []


def _board(round_: Round, status: int = 200, messages: list | None = None):
    school = round_.school
    tz = ZoneInfo(school.timezone)
    today = clock.today(tz)
    grade = request.values.get("grade") or None
    class_id = parse_id(request.values.get("class_id"))
    language = request.values.get("language") or None
    unassigned_only = request.values.get("show", "unassigned") == "unassigned"
    visits = db.session.scalars(
        queries.board_visits(round_.id, grade, class_id, language, unassigned_only)
    ).all()
    staff = services.staff_for(round_, today)
    classes = db.session.scalars(queries.classes(school.id)).all()
    return render(
        "rounds/board.html",
        block="board",
        status=status,
        round=round_,
        school=school,
        visits=visits,
        staff=staff.people,
        reasons=staff.reasons,
        open_counts=staff.open_counts,
        # A team member disabled or with a lapsed training: the visit needs a new team.
        needs_new_team=visit_services.stranded_teams(visits, today),
        suggestions={
            v.id: services.suggest(v, staff.assignable, staff.open_counts) for v in visits
        },
        classes=classes,
        # The grades of the school's classes and of the visits shown (no query of its own).
        grades=sorted(
            {c.grade for c in classes if c.grade} | {s.grade for v in visits for s in v.students},
            key=_grade_order,
        ),
        languages=LANGUAGES,
        visit_types=VISIT_TYPES,
        filters={
            "grade": grade,
            "class_id": class_id,
            "language": language,
            "unassigned_only": unassigned_only,
        },
        messages=messages or [],
    )


@bp.get("/rounds/<int:round_id>")
@policy.requires(policy.coordinate_round, round=Round)
def board(round: Round):
    return _board(round)


@bp.post("/rounds/<int:round_id>/assign")
@policy.requires(policy.coordinate_round, round=Round)
def assign(round: Round):
    form = request.form
    suggested = parse_id(form.get("suggested"))
    visit_ids = [suggested] if suggested else parse_ids(form.getlist("visits"))
    versions = {i: parse_id(form.get(f"version-{i}")) for i in visit_ids}
    chosen = db.session.scalars(select(Visit).where(Visit.id.in_(visit_ids))).all()
    if not chosen:
        return _board(round, 422, [("error", _("Tick the visits to assign first."))])
    if suggested:
        staff = services.staff_for(round, clock.today(ZoneInfo(round.school.timezone)))
        members = services.suggest(chosen[0], staff.assignable, staff.open_counts).people
        interpreter = None
    else:
        ids = [parse_id(form.get("member1")), parse_id(form.get("member2"))]
        members = [db.session.get(User, i) for i in ids if i]
        interpreter_id = parse_id(form.get("interpreter"))
        interpreter = db.session.get(User, interpreter_id) if interpreter_id else None
    school_staff = set(
        db.session.scalars(queries.school_staff(round.school_id).with_only_columns(User.id))
    )
    if any(m is None or m.id not in school_staff for m in members) or (
        interpreter is not None and interpreter.id not in school_staff
    ):
        return _board(round, 422, [("error", _("Choose two people from this school's staff."))])
    try:
        result = services.assign(
            round,
            chosen,
            members,
            versions=versions,
            interpreter=interpreter,
            by=current_user,
            today=clock.today(ZoneInfo(round.school.timezone)),
        )
    except rules.RuleViolation as exc:
        db.session.rollback()
        return _board(round, 422, [("error", exc.message)])
    db.session.commit()
    messages = []
    if result.assigned:
        names = " & ".join(m.name for m in members)
        messages.append(
            (
                "success",
                ngettext(
                    "%(num)d visit assigned to %(names)s.",
                    "%(num)d visits assigned to %(names)s.",
                    len(result.assigned),
                    names=names,
                ),
            )
        )
    if result.stale:
        families = ", ".join(v.family.name for v in result.stale if v.family)
        messages.append(
            (
                "warning",
                _(
                    "Someone else changed %(families)s meanwhile; they were not "
                    "assigned. Look at them again below.",
                    families=families,
                ),
            )
        )
    if not is_partial_request():
        for category, text in messages:
            flash(text, category)
        return redirect_after_post(url_for("rounds.board", round_id=round.id))
    return _board(round, 409 if result.stale and not result.assigned else 200, messages)


@bp.post("/rounds/<int:round_id>/close")
@policy.requires(policy.coordinate_round, round=Round)
def close(round: Round):
    services.close_round(round, by=current_user)
    db.session.commit()
    flash(_("The round is closed. Its visits stay on record."), "success")
    return redirect_after_post(url_for("rounds.index", school_id=round.school_id))
