"""The API's behaviour beyond its description: incremental pulls, one school per token,
errors, the token's last use, the rate limit, and a flat number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from fieldapp.api import tokens
from fieldapp.extensions import db as _db
from fieldapp.models import ApiToken, FollowUp, VisitStatus
from tests.api.conftest import PRIVATE, complete_visit
from tests.factories import make_student
from tests.test_query_counts import count_queries


def pull_all(api, path: str, secret: str, **params) -> tuple[list[dict], str | None]:
    """Every page from ``params`` on; the records and the cursor to pull from next time."""
    records, cursor = [], params.pop("cursor", None)
    while True:
        response = api(path, secret, **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.json
        records += response.json["data"]
        cursor = response.json["next_cursor"]
        if not response.json["has_more"]:
            return records, cursor


def test_an_incremental_pull_returns_exactly_the_visits_changed_since(data, api, db):
    more = [complete_visit(db, data.school) for _ in range(3)]
    db.session.commit()
    first, cursor = pull_all(api, "/visits", data.secret, limit=2)
    assert sorted(v["id"] for v in first) == sorted([data.visit.id] + [v.id for v in more])
    assert api("/visits", data.secret, cursor=cursor).json["data"] == []  # nothing new yet

    more[0].status_reason = "Family moved the date"
    more[2].status = VisitStatus.CANCELLED
    db.session.commit()

    changed, _ = pull_all(api, "/visits", data.secret, cursor=cursor)
    assert [v["id"] for v in changed] == [more[0].id, more[2].id]
    assert changed[1]["status"] == "cancelled"


def test_a_record_changed_while_paging_comes_again_on_a_later_page(data, api, db):
    more = [complete_visit(db, data.school) for _ in range(3)]
    db.session.commit()
    page = api("/visits", data.secret, limit=2).json
    seen = [v["id"] for v in page["data"]]
    changed = db.session.get(type(data.visit), seen[0])
    changed.status_reason = "changed meanwhile"
    db.session.commit()
    rest, _ = pull_all(api, "/visits", data.secret, limit=2, cursor=page["next_cursor"])
    ids = seen + [v["id"] for v in rest]
    assert sorted(set(ids)) == sorted([data.visit.id] + [v.id for v in more])
    assert ids[-1] == seen[0]  # never skipped: read again, after the others


def test_a_change_is_sent_once_it_has_settled(data, api, db, app):
    """A list stops a few seconds before now: a change whose transaction is still committing
    has its updated_at already, and a cursor that passed it would never send it."""
    _, cursor = pull_all(api, "/visits", data.secret)
    app.config["API_SETTLE_SECONDS"] = 5
    data.visit.status_reason = "just now"
    db.session.commit()
    assert pull_all(api, "/visits", data.secret, cursor=cursor)[0] == []
    app.config["CLOCK_OFFSET"] = timedelta(seconds=6)
    assert [v["id"] for v in pull_all(api, "/visits", data.secret, cursor=cursor)[0]] == [
        data.visit.id
    ]


def test_updated_since_starts_from_a_time(data, api, db):
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert api("/visits", data.secret, updated_since=later.isoformat()).json["data"] == []
    earlier = (datetime.now(UTC) - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert len(api("/visits", data.secret, updated_since=earlier).json["data"]) == 1


def test_follow_ups_pull_incrementally(data, api, db):
    extra = [
        FollowUp(family_id=data.visit.family_id, description=f"Call back {n}", due_on=date.today())
        for n in range(2)
    ]
    db.session.add_all(extra)
    db.session.commit()
    first, cursor = pull_all(api, "/follow-ups", data.secret, limit=1)
    assert len(first) == 3
    data.follow_up.done_at = datetime.now(UTC)
    extra[1].description = "Call back on Tuesday"
    db.session.commit()
    changed, _ = pull_all(api, "/follow-ups", data.secret, cursor=cursor)
    assert [f["id"] for f in changed] == [data.follow_up.id, extra[1].id]
    assert changed[0]["open"] is False


def test_a_card_changes_with_its_reflection_follow_ups_and_family(data, api, db):
    lone = make_student(data.school, sis_id="SIS-9")
    db.session.commit()
    cards, cursor = pull_all(api, "/relationship-cards", data.secret, limit=2)
    assert {c["student"]["sis_id"] for c in cards} == {"SIS-1", "+SIS-2", "SIS-9"}

    data.visit.reflections[0].want_school_to_know = "He loves maps"
    db.session.commit()
    changed, cursor = pull_all(api, "/relationship-cards", data.secret, cursor=cursor)
    # One family, two siblings: both cards hold that reflection.
    assert sorted(c["id"] for c in changed) == sorted([data.student.id, data.sibling.id])
    assert changed[0]["reflection"]["want_school_to_know"] == "He loves maps"

    lone.family.preferred_contact_times = "mornings"
    db.session.commit()
    changed, _ = pull_all(api, "/relationship-cards", data.secret, cursor=cursor)
    assert [c["id"] for c in changed] == [lone.id]


def test_a_card_holds_the_shared_reflection_and_never_the_private_note(data, api):
    card = api(f"/relationship-cards/{data.student.id}", data.secret).json
    assert card["student"]["sis_id"] == "SIS-1"
    assert card["last_completed_visit"]["visit_type"] == "first"
    assert card["reflection"]["hopes_and_dreams"] == "She wants to be a nurse"
    assert card["family"] == {
        "home_language": "vi",
        "interpreter_needed": True,
        "preferred_contact_method": "text",
        "preferred_contact_times": '=HYPERLINK("http://x") after 6pm',
    }
    assert [f["description"] for f in card["open_follow_ups"]] == ["Send the library form"]
    for path in ("/relationship-cards", f"/relationship-cards/{data.student.id}", "/visits"):
        assert PRIVATE not in api(path, data.secret).get_data(as_text=True)


def test_a_token_sees_only_its_school(data, api):
    visits = api("/visits", data.other_secret).json["data"]
    assert [v["id"] for v in visits] == [data.other_visit.id]
    assert api("/follow-ups", data.other_secret).json["data"] == []
    response = api(f"/relationship-cards/{data.student.id}", data.other_secret)
    assert response.status_code == 404 and response.json["error"] == "not_found"


@pytest.mark.parametrize("secret", [None, "fa_unknown", "revoked"])
def test_calls_without_a_valid_token_are_refused(data, api, db, secret):
    if secret == "revoked":
        token = db.session.scalar(select(ApiToken).where(ApiToken.name == "SIS"))
        tokens.revoke_token(token, by=data.admin, now=datetime.now(UTC))
        db.session.commit()
        secret = data.secret
    response = api("/visits", secret)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["error"] == "invalid_token"


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "ten"},
        {"updated_since": "2026-09-01T00:00:00"},  # no offset: which zone?
        {"updated_since": "yesterday"},
        {"cursor": "not-a-cursor"},
        {"cursor": "WyJ4IiwgMV0"},  # base64 of ["x", 1]
    ],
)
def test_bad_parameters_are_a_400_in_json(data, api, params):
    response = api("/visits", data.secret, **params)
    assert response.status_code == 400
    assert response.json["error"] == "bad_parameter"
    assert response.json["reason"].startswith(next(iter(params)))


def test_unknown_paths_and_methods_are_json_errors(data, api, client):
    response = api("/nothing-here", data.secret)
    assert response.status_code == 404 and response.is_json
    response = client.post("/api/v1/visits", headers={"Authorization": f"Bearer {data.secret}"})
    assert response.status_code == 405 and response.is_json and "GET" in response.headers["Allow"]


def test_last_use_is_written_at_most_once_a_minute(data, api, db, app):
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "SIS"))
    assert token.last_used_at is None
    api("/visits", data.secret)
    db.session.refresh(token)
    first = token.last_used_at
    assert first is not None
    api("/visits", data.secret)
    db.session.refresh(token)
    assert token.last_used_at == first
    app.config["CLOCK_OFFSET"] = timedelta(minutes=2)
    api("/visits", data.secret)
    db.session.refresh(token)
    assert token.last_used_at > first


def test_the_rate_limit_counts_per_token(data, api, app):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    statuses = [api("/visits", data.secret).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = api("/visits", data.secret)
    assert refused.is_json and refused.json["error"] == "too_many_requests"
    assert api("/visits", data.other_secret).status_code == 200  # another token: its own count


@pytest.mark.parametrize("path", ["/visits", "/follow-ups", "/relationship-cards"])
def test_a_page_costs_the_same_queries_for_few_records_or_many(data, api, db, path):
    def statements() -> int:
        _db.session.commit()
        with count_queries(_db.engine) as seen:
            assert api(path, data.secret, limit=200).status_code == 200
        return len(seen)

    api(path, data.secret)  # the token's first use of the minute is written: not counted
    few = statements()
    for _ in range(12):
        visit = complete_visit(db, data.school)
        db.session.add(
            FollowUp(family_id=visit.family_id, description="Lend a book", due_on=date.today())
        )
    many = statements()
    assert many == few <= 8
