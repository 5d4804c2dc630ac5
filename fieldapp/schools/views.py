from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from fieldapp import policy
from fieldapp.extensions import db
from fieldapp.models import School, VisitStatus
from fieldapp.rendering import render
from fieldapp.schools import queries

bp = Blueprint("schools", __name__)


@bp.get("/")
@policy.requires(policy.coordinate)
def home():
    schools = db.session.scalars(queries.coordinated_schools(current_user.id)).all()
    if len(schools) == 1:
        return redirect(url_for("schools.dashboard", school_id=schools[0].id))
    return render("schools/list.html", schools=schools)


@bp.get("/<int:school_id>/")
@policy.requires(policy.coordinate_school, school=School)
def dashboard(school: School):
    counts = dict(db.session.execute(queries.visits_by_status(school.id)).all())
    return render(
        "schools/dashboard.html",
        school=school,
        by_status=[(s, counts.get(s, 0)) for s in VisitStatus],
        total_visits=sum(counts.values()),
        students=db.session.scalar(queries.active_students(school.id)),
        visitors=db.session.scalar(queries.staff(school.id)),
    )
