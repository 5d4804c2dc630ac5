from __future__ import annotations

from flask import Blueprint

from fieldapp import policy
from fieldapp.extensions import db
from fieldapp.models import utcnow
from fieldapp.rendering import render
from fieldapp.training import queries

bp = Blueprint("training", __name__)


@bp.get("/")
@policy.requires(policy.train)
def home():
    now = utcnow()
    sessions = db.session.scalars(queries.sessions()).all()
    upcoming = sorted((s for s in sessions if s.ends_at >= now), key=lambda s: s.starts_at)
    past = [s for s in sessions if s.ends_at < now]
    return render("training/home.html", upcoming=upcoming, past=past)
