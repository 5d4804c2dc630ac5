"""The health check: the app answers and its database does (for a load balancer or a
container's HEALTHCHECK)."""

from __future__ import annotations

from flask import Blueprint

from fieldapp.extensions import db
from fieldapp.policy import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
