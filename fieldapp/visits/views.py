from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from fieldapp import policy
from fieldapp.extensions import db
from fieldapp.formatting import zone
from fieldapp.models import Visit, utcnow
from fieldapp.rendering import render
from fieldapp.visits import queries

bp = Blueprint("visits", __name__)


@bp.get("/")
@policy.requires(policy.view_my_visits)
def my_visits():
    visits = list(db.session.scalars(queries.my_visits(current_user)).unique())
    groups = queries.group_my_visits(visits, utcnow(), zone())
    return render("visits/my_visits.html", groups=groups, total=len(visits))


@bp.get("/<int:visit_id>")
@policy.requires(policy.view_visit, visit=Visit)
def detail(visit: Visit):
    return render("visits/detail.html", visit=visit)
