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
    # A connection of the pool and the dialect's own liveness check (what the pool's
    # pre-ping runs), not the ORM's session: nothing here is an object or a transaction to keep,
    # and a session's setup and teardown cost twice what the ping does.
    connection = db.engine.raw_connection()
    try:
        db.engine.dialect.do_ping(connection.dbapi_connection)
    finally:
        connection.close()  # back to the pool
    return {"status": "ok"}
