from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import partial
from typing import NamedTuple

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from fieldapp import audit, clock, policy, rules
from fieldapp.extensions import db
from fieldapp.fields import csv_response, parse_id, parse_ids
from fieldapp.formatting import zone
from fieldapp.i18n import gettext as _
from fieldapp.i18n import ngettext
from fieldapp.models import TrainingCompletion, TrainingKind, TrainingSession, User
from fieldapp.paging import RowsPage, page_number, spread
from fieldapp.rendering import is_partial_request, redirect_after_post, render
from fieldapp.rules import TrainingStatus
from fieldapp.training import queries, services
from fieldapp.training.forms import (
    TRAINING_KINDS,
    ImportForm,
    RevokeForm,
    SessionForm,
    ValidityForm,
)

ROSTER_PER_PAGE = 50  # as a session's page: a screenful or two of names on a tablet
SESSION_PER_PAGE = 50  # a tablet's screenful or two of names; a district session invites 500
PAST_PER_PAGE = 20

bp = Blueprint("training", __name__)


@bp.get("/")
@policy.requires(policy.train)
def home():
    now = clock.now()
    upcoming = db.session.scalars(
        queries.sessions()
        .where(TrainingSession.ends_at >= now)
        .order_by(None)
        .order_by(TrainingSession.starts_at)
    ).all()
    # Past sessions by page: a district keeps years of them.
    past = db.paginate(
        queries.sessions().where(TrainingSession.ends_at < now),
        page=page_number(),
        per_page=PAST_PER_PAGE,
        error_out=False,
    )
    return render(
        "training/home.html",
        upcoming=upcoming,
        past=past,
        invited=_invited([*upcoming, *past.items]),
        valid_months=services.valid_months(),
        kinds=TRAINING_KINDS,
    )


@bp.route("/sessions/new", methods=["GET", "POST"])
@policy.requires(policy.train)
def new_session():
    form = SessionForm()
    schools = db.session.scalars(queries.schools()).all()
    trainers = db.session.scalars(queries.trainers()).all()
    form.schools.choices = [SelectChoice(s.id, s.name) for s in schools]
    form.trainers.choices = [SelectChoice(t.id, t.name) for t in trainers]
    if request.method == "GET":
        form.trainers.data = [current_user.id]
    status = 200
    if form.validate_on_submit():
        invited = [s for s in schools if s.id in form.schools.data]
        tz = services.session_zone(invited)
        try:
            session = services.create_session(
                title=form.title.data.strip(),
                kind=TrainingKind(form.kind.data),
                starts_at=datetime.combine(form.date.data, form.start_time.data, tz),
                ends_at=datetime.combine(form.date.data, form.end_time.data, tz),
                place=(form.place.data or "").strip() or None,
                schools=invited,
                trainers=[t for t in trainers if t.id in form.trainers.data],
                by=current_user,
            )
        except services.TrainingError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            flash(_("Session created. Mark attendance on the day."), "success")
            return redirect_after_post(url_for("training.session", session_id=session.id))
    elif form.is_submitted():
        status = 422
    return render("training/new_session.html", form=form, status=status)


class Invited(NamedTuple):
    names: str  # "Cesar Chavez Elementary, Lincoln Middle"
    zone: str  # the session's zone: its times read as on its own page


def _invited(sessions: Sequence[TrainingSession]) -> dict[int, Invited]:
    """Each listed session's invited schools and zone, in one statement for the whole list."""
    schools: dict[int, list] = {s.id: [] for s in sessions}
    if schools:
        for row in db.session.execute(queries.invited_schools(schools)):
            schools[row.session_id].append(row)
    return {
        session_id: Invited(", ".join(r.name for r in rows), services.session_zone(rows).key)
        for session_id, rows in schools.items()
    }


def _session_view(session: TrainingSession, person: User | None = None) -> dict:
    """What the session page shows: one page of its roster (the invited schools' staff and
    anyone marked present), kept to a school and a part of a name when asked, with who is
    present and who completed among them; the counts are of the whole session. ``person``: a
    row to show too, wherever the filters put it (the one just tapped)."""
    invited = sorted(session.schools, key=lambda s: s.name)
    school_ids = [s.id for s in invited]
    chosen = parse_id(request.args.get("school"))
    if request.args.get("school") and (chosen is None or chosen not in school_ids):
        abort(404)
    name = request.args.get("name", "").strip()[:100] or None
    total, present_count, shown = db.session.execute(
        queries.session_counts(session.id, school_ids, chosen, name)
    ).one()
    page = RowsPage(
        queries.session_roster(session.id, school_ids, chosen, name), shown, SESSION_PER_PAGE
    )
    rows = list(page.items)
    if person is not None and person.id not in {u.id for u, *_rest in rows}:
        rows += db.session.execute(
            queries.session_roster(session.id, school_ids).where(User.id == person.id)
        ).all()
    people = [u for u, *_rest in page.items]
    tz = services.session_zone(session.schools)
    args = {"school": chosen, "name": name, "page": page.page if page.page > 1 else None}
    return {
        "tz": tz.key,
        "started": services.has_started(session, clock.now()),
        "roster": people,
        "page": page,
        "present": {u.id for u, here, _done in rows if here},
        "completed": {u.id: done for u, _here, done in rows if done is not None},
        "statuses": services.statuses([u for u, *_rest in rows], clock.today(tz)),
        "present_count": present_count,
        "total": total,
        "schools": invited,
        "chosen": chosen,
        "name": name or "",
        "view_args": {k: v for k, v in args.items() if v},
    }


def _view_args() -> dict:
    """The session page's filters and page, as a form's action carried them: a plain post goes
    back to the rows it came from."""
    args = {k: request.args.get(k) for k in ("school", "name", "page")}
    return {k: v for k, v in args.items() if v}


def _session_page(session: TrainingSession, status: int = 200, **extra):
    return render(
        "training/session.html",
        block="roster",
        status=status,
        session=session,
        results=extra.pop("results", []),
        query=extra.pop("query", ""),
        kinds=TRAINING_KINDS,
        **_session_view(session),
        **extra,
    )


@bp.get("/sessions/<int:session_id>")
@policy.requires(policy.train, session=TrainingSession)
def session(session: TrainingSession):
    return _session_page(session)


@bp.post("/sessions/<int:session_id>/present/<int:person_id>")
@policy.requires(policy.train, session=TrainingSession)
def mark_present(session: TrainingSession, person_id: int):
    person = db.session.get(User, person_id) or abort(404)
    present = request.form.get("present") == "1"
    back = url_for("training.session", session_id=session.id, **_view_args())
    try:
        services.set_present(session, person, present, by=current_user)
    except services.TrainingError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect_after_post(back)
    db.session.commit()
    if is_partial_request():
        # The tapped row, and out of band the count and the completion list that depend on it.
        return render(
            "training/_person.html",
            session=session,
            person=person,
            oob=True,
            **_session_view(session, person),
        )
    return redirect_after_post(back + f"#person-{person.id}")


@bp.get("/sessions/<int:session_id>/walk-ins")
@policy.requires(policy.train, session=TrainingSession)
def walk_ins(session: TrainingSession):
    term = request.args.get("q", "").strip()
    results = db.session.scalars(queries.search_staff(term)).all() if len(term) >= 2 else []
    if is_partial_request():
        return render("training/_walk_ins.html", session=session, results=results, query=term)
    return _session_page(session, results=results, query=term)


@bp.post("/sessions/<int:session_id>/complete")
@policy.requires(policy.train, session=TrainingSession)
def complete(session: TrainingSession):
    ids = parse_ids(request.form.getlist("people"))
    people = db.session.scalars(db.select(User).where(User.id.in_(ids))).all() if ids else []
    if not people:
        flash(_("Tick the people who attended the whole session."), "error")
        return redirect_after_post(
            url_for("training.session", session_id=session.id, **_view_args())
        )
    try:
        made = services.complete(session, people, by=current_user, now=clock.now())
    except services.TrainingError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(
            ngettext(
                "Training completed for %(num)d person. They can be assigned to visits now.",
                "Training completed for %(num)d people. They can be assigned to visits now.",
                made,
            ),
            "success",
        )
    return redirect_after_post(url_for("training.session", session_id=session.id, **_view_args()))


@bp.route(
    "/sessions/<int:session_id>/completions/<int:person_id>/take-back", methods=["GET", "POST"]
)
@policy.requires(policy.train, session=TrainingSession)
def take_back(session: TrainingSession, person_id: int):
    """Take a completion back, with a reason for the audit trail: a mis-tap is not permanent."""
    person = db.session.get(User, person_id) or abort(404)
    completion = db.session.scalar(
        queries.completions_of([person.id]).where(TrainingCompletion.session_id == session.id)
    )
    if completion is None:
        abort(404)
    form = RevokeForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.revoke_completion(session, person, reason=form.reason.data, by=current_user)
        except services.TrainingError as exc:
            db.session.rollback()
            form.reason.errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            flash(
                _("%(name)s’s completion was taken back.", name=person.name),
                "success",
            )
            return redirect_after_post(
                url_for("training.session", session_id=session.id, **_view_args()) + "#completion"
            )
    elif form.is_submitted():
        status = 422
    return render(
        "training/take_back.html",
        block="take_back_form",
        session=session,
        person=person,
        completion=completion,
        form=form,
        status=status,
    )


@bp.route("/sessions/<int:session_id>/import", methods=["GET", "POST"])
@policy.requires(policy.train, session=TrainingSession)
def import_attendance(session: TrainingSession):
    form = ImportForm()
    result = None
    status = 200
    if form.validate_on_submit():
        try:
            result = services.import_attendance(
                session,
                form.file.data.read(),
                all_or_nothing=form.mode.data == "all_or_nothing",
                by=current_user,
            )
        except services.TrainingError as exc:
            form.file.errors.append(exc.message)
            status = 422
        else:
            if result.applied:
                db.session.commit()
            else:
                db.session.rollback()
                status = 422
    elif form.is_submitted():
        status = 422
    return render("training/import.html", session=session, form=form, result=result, status=status)


@bp.route("/settings", methods=["GET", "POST"])
@policy.requires(policy.train)
def settings():
    form = ValidityForm()
    if request.method == "GET":
        form.months.data = services.valid_months()
    if form.validate_on_submit():
        services.set_valid_months(form.months.data, by=current_user)
        db.session.commit()
        flash(_("Saved. New completions use this validity."), "success")
        return redirect_after_post(url_for("training.home"))
    return render("training/settings.html", form=form, status=422 if form.errors else 200)


def _roster_filters(school_ids: set[int] | None):
    """The schools this person may see, the school and status asked for (404/400 for others),
    and the schools shown (None: every school of the district)."""
    schools = db.session.execute(queries.school_names(school_ids)).all()
    chosen = parse_id(request.args.get("school"))
    if request.args.get("school") and chosen is None:
        abort(404)
    if chosen is not None:
        if chosen not in {s.id for s in schools}:
            abort(404)
        shown = tuple(s.id for s in schools if s.id == chosen)
    else:
        shown = None if school_ids is None else tuple(s.id for s in schools)
    wanted = request.args.get("status") or None
    if wanted is not None and wanted not in {s.value for s in TrainingStatus}:
        abort(400)
    return schools, chosen, (TrainingStatus(wanted) if wanted else None), shown


@bp.get("/roster")
@policy.requires(policy.view_trained_roster)
def roster():
    """The trained-staff roster: statuses decided and counted per school in SQL (kept until
    training data changes), then one page of people read from the school or two it falls in:
    a district's 10,000 staff cost what one school's 50 do."""
    schools, chosen, wanted, shown = _roster_filters(policy.roster_school_ids(current_user))
    today = clock.today(zone())
    by_school = services.status_counts_by_school(shown, today)  # kept until training changes
    counts = dict.fromkeys(TrainingStatus, 0)
    sizes: dict[int, int] = {}  # the rows each school has in the list shown
    for school_id, status, n in by_school:
        counts[TrainingStatus(status)] += n
        if wanted is None or status == wanted.value:
            sizes[school_id] = sizes.get(school_id, 0) + n
    in_order = [(s.id, sizes.get(s.id, 0)) for s in schools]  # the list's order: by school
    page = RowsPage(
        partial(_roster_page, in_order, today, wanted),
        counts[wanted] if wanted else sum(counts.values()),
        ROSTER_PER_PAGE,
    )
    people = {person.id for _school, person, *_rest in page.items}
    return render(
        "training/roster.html",
        block="roster",
        schools=schools,
        chosen=chosen,
        wanted=wanted.value if wanted else None,
        rows=[_roster_row(*row) for row in page.items],
        page=page,
        counts=counts,
        statuses=list(TrainingStatus),
        status_labels={s: s.label for s in TrainingStatus},
        today=today,
        certificates=dict(db.session.execute(queries.latest_completions(people)).all())
        if people
        else {},
    )


def _roster_page(in_order, today, wanted, limit: int, offset: int):
    """The page's SELECT: over the schools it falls in (one or two), not the district."""
    school_ids, offset = spread(in_order, limit, offset)
    return queries.roster_page(school_ids, today, wanted, limit, offset)


def _roster_row(school, person, status: str, until):
    return school, person, TrainingStatus(status), None if until in (None, date.max) else until


@bp.get("/roster.csv")
@policy.requires(policy.view_trained_roster, fresh=True)
def roster_csv():
    _schools, _chosen, wanted, shown = _roster_filters(policy.roster_school_ids(current_user))
    rows = [
        _roster_row(*row)
        for row in db.session.execute(queries.roster(shown, clock.today(zone()), wanted))
    ]
    audit.record("training.roster_download", actor=current_user, rows=len(rows))
    db.session.commit()
    return csv_response(
        ROSTER_CSV_HEADER,
        (
            [
                school.code,
                school.name,
                person.name,
                person.email,
                person.staff_id or "",
                status.value,
                until,
            ]
            for school, person, status, until in rows
        ),
        "trained-staff.csv",
    )


# Machine names, the same in every language (docs/csv.md); the status is its code.
ROSTER_CSV_HEADER = [
    "school_code",
    "school_name",
    "person_name",
    "email",
    "staff_id",
    "training_status",
    "valid_until",
]


def _their_today(person: User) -> date:
    """Today at the person's school(s): where their training is counted."""
    return clock.today(services.session_zone([a.school for a in person.roles if a.school]))


@bp.get("/me")
@policy.requires(policy.own_training)
def mine():
    today = _their_today(current_user)
    status, until = services.statuses([current_user], today)[current_user.id]
    completions = db.session.scalars(
        queries.completions_of([current_user.id]).order_by(TrainingCompletion.completed_on.desc())
    ).all()
    school_ids = {a.school_id for a in current_user.roles if a.school_id is not None}
    now = clock.now()
    done = {c.session_id for c in completions}
    upcoming = [
        s
        for s in db.session.scalars(
            queries.sessions_for_schools(school_ids).where(TrainingSession.starts_at >= now)
        )
        if s.id not in done and rules.worth_joining(s.kind, status)
    ]
    return render(
        "training/mine.html",
        training_status=status,
        until=until,
        today=today,
        completions=completions,
        upcoming=sorted(upcoming, key=lambda s: s.starts_at),
        invited=_invited(upcoming),
        kinds=TRAINING_KINDS,
    )


@bp.get("/completions/<int:completion_id>/certificate")
@policy.requires(policy.view_certificate, completion=TrainingCompletion)
def certificate(completion: TrainingCompletion):
    return render(
        "training/certificate.html",
        completion=completion,
        person=completion.user,
        school_names=sorted({a.school.name for a in completion.user.roles if a.school is not None}),
        today=_their_today(completion.user),
    )
