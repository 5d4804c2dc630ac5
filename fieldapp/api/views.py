"""/api/v1: read-only JSON for the school's own systems. Every list pulls incrementally:
``updated_since`` and/or the ``cursor`` of the last page, ``limit`` up to 200. A record deleted
comes once more in its list, at the time of its deletion, with ``deleted_at`` and no content."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, request

from fieldapp import clock
from fieldapp.api import paging, queries, serializers
from fieldapp.api.auth import current_token, rate_limit_key, token_required
from fieldapp.exports.services import relationship_cards
from fieldapp.extensions import csrf, db, limiter
from fieldapp.models import ApiResource, ApiTombstone
from fieldapp.policy import api_error, public

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # bearer tokens, GET only: no cookie to ride on
OPENAPI = Path(__file__).with_name("openapi.json")


def _limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


limited = limiter.limit(_limit, key_func=rate_limit_key)


@bp.errorhandler(paging.BadParameter)
def bad_parameter(exc: paging.BadParameter):
    return api_error(400, "bad_parameter", str(exc))


def _zone() -> ZoneInfo:
    return ZoneInfo(current_token().school.timezone)


def _pull() -> queries.Pull:
    settle = timedelta(seconds=current_app.config["API_SETTLE_SECONDS"])
    return paging.pull(request.args, until=clock.now() - settle)


def _page(rows: list, resource: ApiResource, pull: queries.Pull, position_of) -> tuple:
    """The next page of a list: its changed records and its deletions, merged in (updated_at,
    id) order (each query reads one more than a page, so the merge's first page is exact).
    Returns the page's (position, record or tombstone) pairs and whether more are ready."""
    school_id = current_token().school_id
    gone = db.session.scalars(queries.deletions(school_id, resource, pull)).all()
    merged = sorted(
        [(position_of(r), r) for r in rows]
        + [(queries.Position(t.deleted_at, t.resource_id), t) for t in gone],
        key=lambda entry: (entry[0].updated_at, entry[0].id),
    )
    return merged[: pull.limit], len(merged) > pull.limit


def _listing(page: list, more: bool, serialize) -> dict:
    # Nothing new: the same place to pull from next time.
    cursor = paging.encode_cursor(page[-1][0]) if page else request.args.get("cursor")
    data = [
        serializers.deletion(r) if isinstance(r, ApiTombstone) else serialize(r) for _, r in page
    ]
    return {"data": data, "next_cursor": cursor, "has_more": more}


@cache
def _openapi_bytes() -> bytes:
    return OPENAPI.read_bytes()


@bp.get("/openapi.json")
@public
def openapi():
    """The description of this API (no data in it: anyone may read it)."""
    return Response(_openapi_bytes(), mimetype="application/json")


@bp.get("/visits")
@limited
@token_required
def visits():
    pull = _pull()
    school_id, zone = current_token().school_id, _zone()
    rows = db.session.scalars(queries.visits(school_id, pull)).all()
    page, more = _page(
        list(rows), ApiResource.VISIT, pull, lambda v: queries.Position(v.updated_at, v.id)
    )
    return _listing(page, more, lambda v: serializers.visit(v, zone))


@bp.get("/follow-ups")
@limited
@token_required
def follow_ups():
    pull = _pull()
    school_id = current_token().school_id
    rows = db.session.scalars(queries.follow_ups(school_id, pull)).all()
    page, more = _page(
        list(rows), ApiResource.FOLLOW_UP, pull, lambda f: queries.Position(f.updated_at, f.id)
    )
    return _listing(page, more, lambda f: serializers.follow_up(f, school_id))


@bp.get("/relationship-cards")
@limited
@token_required
def relationship_cards_list():
    pull = _pull()
    rows = db.session.execute(queries.cards(current_token().school_id, pull)).all()
    page, more = _page(
        list(rows),
        ApiResource.RELATIONSHIP_CARD,
        pull,
        lambda row: queries.Position(row[1], row[0].id),
    )
    shown = [row[0] for _, row in page if not isinstance(row, ApiTombstone)]
    cards = {c.student.id: c for c in relationship_cards(shown)}
    zone = _zone()
    return _listing(page, more, lambda row: serializers.card(cards[row[0].id], row[1], zone))


@bp.get("/relationship-cards/<int:student_id>")
@limited
@token_required
def relationship_card(student_id: int):
    row = db.session.execute(queries.card(current_token().school_id, student_id)).first()
    if row is None:
        return api_error(404, "not_found", "No student with this id at the token's school.")
    student, updated_at = row
    (card,) = relationship_cards([student])
    return serializers.card(card, updated_at, _zone())
