from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, request, session, url_for
from flask_login import current_user
from wtforms import SelectChoice

from fieldapp import clock, policy, rules
from fieldapp.extensions import db
from fieldapp.fields import parse_id, parse_ids
from fieldapp.formatting import LANGUAGES
from fieldapp.grades import grade_label, grade_order
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.i18n import ngettext
from fieldapp.models import Round, RoundScope, School, User, Visit, VisitType
from fieldapp.paging import CountedPage
from fieldapp.rendering import is_partial_request, redirect_after_post, render
from fieldapp.rounds import queries, services, suggestions
from fieldapp.rounds.forms import RoundForm
from fieldapp.visits import services as visit_services

bp = Blueprint("rounds", __name__)

BOARD_PER_PAGE = 25  # cards with a suggestion each: a phone-sized page of a school's hundreds

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
    """The plan form. "Preview" shows what the round would make (visits, coverage, the
    targeting warnings) without making anything; "Create" makes it."""
    form = RoundForm()
    grades = sorted(db.session.scalars(queries.grades(school.id)), key=grade_order)
    classes = db.session.scalars(queries.classes(school.id)).all()
    form.grades.choices = [SelectChoice(g, grade_label(g)) for g in grades]
    form.classes.choices = [SelectChoice(c.id, c.name) for c in classes]
    status, plan = 200, None
    if form.validate_on_submit():
        scope = RoundScope(form.scope.data)
        asked = {
            "visit_type": VisitType(form.visit_type.data),
            "starts_on": form.starts_on.data,
            "ends_on": form.ends_on.data,
            "scope": scope,
        }
        try:
            values = _scope_values(school, scope, form)
            if "preview" in request.form:
                plan = services.plan_round(school, values=values, **asked)
            else:
                result = services.create_round(
                    school, name=form.name.data.strip(), values=values, by=current_user, **asked
                )
        except rules.RuleViolation as exc:
            db.session.rollback()
            getattr(form, exc.field or "name").errors.append(exc.message)
            status = 422
        else:
            if plan is None:
                db.session.commit()
                _flash_created(result.plan)
                return redirect_after_post(url_for("rounds.board", round_id=result.round.id))
    elif form.is_submitted():
        status = 422
    return render(
        "rounds/new.html", block="plan", school=school, form=form, plan=plan, status=status
    )


def _flash_created(plan: services.RoundPlan) -> None:
    said = "; ".join(plan.skipped)
    flash(
        ngettext(
            "Round created with %(num)d visit — skipped: %(skipped)s.",
            "Round created with %(num)d visits — skipped: %(skipped)s.",
            plan.made,
            skipped=said,
        )
        if said
        else ngettext(
            "Round created with %(num)d visit.", "Round created with %(num)d visits.", plan.made
        ),
        "success",
    )


def _scope_values(school: School, scope: RoundScope, form: RoundForm) -> list:
    if scope == RoundScope.GRADES:
        return list(form.grades.data or [])
    if scope == RoundScope.CLASSES:
        return list(form.classes.data or [])
    if scope == RoundScope.STUDENTS:
        return services.chosen_students(school, form.students.data or "")
    return []


@dataclass
class Picked:
    """What the coordinator ticked and chose on the board: kept when a change is refused."""

    visits: set[int] = field(default_factory=set)
    team: dict[str, int | None] = field(default_factory=dict)  # member1, member2, interpreter
    all_shown: bool = False

    @classmethod
    def from_form(cls, form) -> Picked:
        return cls(
            set(parse_ids(form.getlist("visits"))),
            {name: parse_id(form.get(name)) for name in TEAM_FIELDS},
        )


TEAM_FIELDS = ("member1", "member2", "interpreter")


def _board(
    round_: Round,
    status: int = 200,
    messages: list | None = None,
    picked: Picked | None = None,
    refused: dict[int, str] | None = None,
    team_error: str | None = None,
):
    school = round_.school
    tz = ZoneInfo(school.timezone)
    today = clock.today(tz)
    grade = request.values.get("grade") or None
    class_id = parse_id(request.values.get("class_id"))
    language = request.values.get("language") or None
    unassigned_only = request.values.get("show", "unassigned") == "unassigned"
    # A page of visits at a time: a district school's round holds hundreds.
    page = CountedPage(
        queries.board_visits(round_.id, grade, class_id, language, unassigned_only),
        BOARD_PER_PAGE,
    )
    visits = list(page.items)
    refused = refused or {}
    hidden = set(refused) - {v.id for v in visits}
    if hidden:
        visits = sorted(
            [*visits, *db.session.scalars(queries.board_visits_by_id(round_.id, list(hidden)))],
            key=lambda v: v.id,
        )
    staff = suggestions.staff_for(round_, today)
    teachers = suggestions.teachers_by_visit(visits)
    pool = suggestions.Pool(staff.assignable, staff.open_counts)
    classes = db.session.scalars(queries.classes(school.id)).all()
    picked = picked or Picked()
    if picked.all_shown:
        picked.visits = {v.id for v in visits}
    return render(
        "rounds/board.html",
        block="board",
        status=status,
        round=round_,
        school=school,
        visits=visits,
        page=page,
        staff=staff.people,
        staff_options=staff.options(),
        reasons=staff.reasons,
        open_counts=staff.open_counts,
        # A team member disabled or with a lapsed training: the visit needs a new team.
        needs_new_team=visit_services.stranded_teams(visits, today),
        suggestions={
            v.id: suggestions.suggest(v, pool, staff.open_counts, teachers[v.id]) for v in visits
        },
        classes=classes,
        # The grades of the school's classes and of the visits shown (no query of its own).
        grades=sorted(
            {c.grade for c in classes if c.grade} | {s.grade for v in visits for s in v.students},
            key=grade_order,
        ),
        languages=LANGUAGES,
        language_names={code: str(name) for code, name in LANGUAGES.items()},
        visit_types=VISIT_TYPES,
        filter_args={
            k: v
            for k, v in (
                ("grade", grade),
                ("class_id", class_id),
                ("language", language),
                ("show", None if unassigned_only else "all"),
            )
            if v
        },
        filters={
            "grade": grade,
            "class_id": class_id,
            "language": language,
            "unassigned_only": unassigned_only,
        },
        messages=messages or [],
        picked=picked,
        refused=refused,
        team_error=team_error,
        undo=_undo_offered(round_),
    )


def _undo_offered(round_: Round) -> int:
    """How many visits the coordinator's last change on this board touched (0: no undo). Kept
    in their session, so that the board costs no query for it; the undo itself checks."""
    undo = session.get("undo") or {}
    return undo.get("count", 0) if undo.get("round") == round_.id else 0


@bp.get("/rounds/<int:round_id>")
@policy.requires(policy.coordinate_round, round=Round)
def board(round: Round):
    return _board(round)


def _ticked(round_: Round) -> tuple[list[Visit], dict[int, int | None]]:
    """The visits the form names (one suggestion, or the ticked ones) and the versions the
    board showed for them."""
    form = request.form
    suggested = parse_id(form.get("suggested"))
    visit_ids = [suggested] if suggested else parse_ids(form.getlist("visits"))
    versions = {i: parse_id(form.get(f"version-{i}")) for i in visit_ids}
    return db.session.scalars(queries.visits_of_round(round_.id, visit_ids)).all(), versions


def _after_change(round_: Round, result: services.Assignment, done: str, picked: Picked):
    """The board after a change: refused visits stay ticked and say why; a change with
    nothing refused goes back to the board (303 for a plain post)."""
    messages = [("success", done)] if result.changed else []
    if result.event is not None:
        session["undo"] = {
            "round": round_.id,
            "event": result.event.id,
            "count": len(result.changed),
        }
    else:
        session.pop("undo", None)
    if result.refused:
        messages.append(
            (
                "warning",
                ngettext(
                    "%(num)d ticked visit was left as it was; the reason is beside it.",
                    "%(num)d ticked visits were left as they were; the reason is beside each.",
                    len(result.refused),
                ),
            )
        )
        picked.visits = set(result.refused)
        return _board(round_, 200 if result.changed else 409, messages, picked, result.refused)
    if not is_partial_request():
        for category, text in messages:
            flash(text, category)
        return redirect_after_post(url_for("rounds.board", round_id=round_.id, **request.args))
    return _board(round_, 200, messages)


@bp.post("/rounds/<int:round_id>/assign")
@policy.requires(policy.coordinate_round, round=Round)
def assign(round: Round):
    form = request.form
    picked = Picked.from_form(form)
    if form.get("tick_all"):  # "Tick all shown": the board again, every visit ticked
        picked.all_shown = True
        return _board(round, picked=picked)
    chosen, versions = _ticked(round)
    if not chosen:
        return _board(round, 422, [("error", _("Tick the visits to assign first."))], picked)
    today = clock.today(ZoneInfo(round.school.timezone))
    if form.get("suggested"):
        staff = suggestions.staff_for(round, today)
        members = suggestions.suggest(chosen[0], staff.assignable, staff.open_counts).people
        interpreter = None
    else:
        members = [
            db.session.get(User, i) for i in (picked.team["member1"], picked.team["member2"]) if i
        ]
        interpreter_id = picked.team["interpreter"]
        interpreter = db.session.get(User, interpreter_id) if interpreter_id else None
    try:
        result = services.assign(
            round,
            chosen,
            members,
            versions=versions,
            interpreter=interpreter,
            by=current_user,
            today=today,
        )
    except rules.RuleViolation as exc:
        db.session.rollback()
        return _board(round, 422, [("error", exc.message)], picked, team_error=exc.message)
    db.session.commit()
    done = ngettext(
        "%(num)d visit assigned to %(names)s.",
        "%(num)d visits assigned to %(names)s.",
        len(result.changed),
        names=" & ".join(m.name for m in members),
    )
    return _after_change(round, result, done, picked)


@bp.post("/rounds/<int:round_id>/unassign")
@policy.requires(policy.coordinate_round, round=Round)
def unassign(round: Round):
    picked = Picked.from_form(request.form)
    chosen, versions = _ticked(round)
    if not chosen:
        return _board(round, 422, [("error", _("Tick the visits to unassign first."))], picked)
    try:
        result = services.unassign(round, chosen, versions=versions, by=current_user)
    except rules.RuleViolation as exc:
        db.session.rollback()
        return _board(round, 422, [("error", exc.message)], picked)
    db.session.commit()
    done = ngettext(
        "%(num)d visit has no team now.", "%(num)d visits have no team now.", len(result.changed)
    )
    return _after_change(round, result, done, picked)


@bp.post("/rounds/<int:round_id>/undo")
@policy.requires(policy.coordinate_round, round=Round)
def undo(round: Round):
    undo = session.get("undo") or {}
    try:
        result = services.undo_last_change(
            round,
            undo.get("event") if undo.get("round") == round.id else None,
            by=current_user,
            today=clock.today(ZoneInfo(round.school.timezone)),
        )
    except rules.RuleViolation as exc:
        db.session.rollback()
        session.pop("undo", None)
        return _board(round, 409, [("error", exc.message)])
    db.session.commit()
    done = ngettext(
        "Undone: %(num)d visit has its team of before.",
        "Undone: %(num)d visits have their teams of before.",
        len(result.changed),
    )
    return _after_change(round, result, done, Picked())


@bp.post("/rounds/<int:round_id>/close")
@policy.requires(policy.coordinate_round, round=Round)
def close(round: Round):
    services.close_round(round, by=current_user)
    db.session.commit()
    flash(_("The round is closed. Its visits stay on record."), "success")
    return redirect_after_post(url_for("rounds.index", school_id=round.school_id))
