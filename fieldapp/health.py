"""The health check: the app answers and its database does (for a load balancer or a
container's HEALTHCHECK)."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from fieldapp.extensions import db
from fieldapp.policy import public

bp = Blueprint("health", __name__)
PING = text("SELECT 1")  # built once: its compiled form is then found in the cache at once


@bp.get("/healthz")
@public
def healthz():
    db.session.execute(PING)
    return {"status": "ok"}
