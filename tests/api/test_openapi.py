"""The API against its own description (fieldapp/api/openapi.json, served by the app):
schemathesis generates requests for every operation from the description and checks every
answer (status, content type, headers, body) against it, so that the two cannot drift."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from fieldapp.api import tokens
from fieldapp.fields import parse_id
from fieldapp.models import ApiResource, ApiTombstone
from tests.api.conftest import PRIVATE

DESCRIPTION = Path(__file__).resolve().parents[2] / "fieldapp" / "api" / "openapi.json"
# Loaded from the file, not through the app: schemathesis' lazy fixture loader
# (schemathesis.pytest.from_fixture, 4.32) fails on pytest 9 (it sets Function._nodeid). The
# served copy is checked to be the same file below; each case is sent to the test's app.
schema = schemathesis.openapi.from_path(DESCRIPTION)
schema.config.update(base_url="http://localhost/api/v1")  # where the WSGI transport sends it
EXAMPLES = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,  # the same cases every run: a failure is reproducible, the time bounded
    suppress_health_check=list(HealthCheck),
    database=None,
)


def call_and_validate(case, app, **kwargs):
    """Every request of the case (and the checks' own probes) goes to this test's app."""
    case.operation.schema.app = app  # the copy ``parametrize`` made of ``schema``
    # The WSGI transport reads bodies as sent: no Brotli/gzip (Flask-Compress) to undo.
    kwargs["headers"] = {"Accept-Encoding": "identity", **kwargs["headers"]}
    return case.call_and_validate(app=app, **kwargs)


@pytest.fixture(params=["missing", "unknown", "revoked"])
def bad_token(request, data, db) -> dict:
    """The Authorization header of a call that must be refused."""
    if request.param == "missing":
        return {}
    if request.param == "unknown":
        return {"Authorization": "Bearer fa_not-a-token"}
    token, secret = tokens.create_token(data.school, "Old", by=data.admin)
    tokens.revoke_token(token, by=data.admin, now=token.created_at)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def deletions(data, db) -> None:
    """A deletion in every list, so that the answers checked hold the Deletion shape too."""
    db.session.add_all(
        ApiTombstone(resource=resource, resource_id=999, school_id=data.school.id)
        for resource in ApiResource
    )
    db.session.commit()


@schema.parametrize()
@EXAMPLES
def test_with_a_valid_token(case, app, data, deletions):
    # A cursor is opaque: only those the API gave are valid, and no schema can say which, so
    # a generated one may rightly be refused (its 400 is still checked against the schema).
    excluded = [checks.positive_data_acceptance] if "cursor" in (case.query or {}) else []
    response = call_and_validate(
        case, app, headers={"Authorization": f"Bearer {data.secret}"}, excluded_checks=excluded
    )
    assert PRIVATE not in response.text


@schema.parametrize()
@settings(EXAMPLES, max_examples=3)
def test_without_a_valid_token(case, app, bad_token):
    if case.headers:  # whatever token schemathesis made up: this test sends its own, or none
        case.headers = {k: v for k, v in case.headers.items() if k.lower() != "authorization"}
    response = call_and_validate(case, app, headers=bad_token)
    if case.method != "GET":  # schemathesis also tries methods the API does not have: 405
        return
    if response.status_code == 404:  # a path no route has (an id no database holds), or:
        assert parse_id(str((case.path_parameters or {}).get("student_id"))) is None
    else:
        assert response.status_code == 401
        assert response.headers["www-authenticate"][0].startswith("Bearer")


def test_the_description_covers_every_api_route(app):
    described = json.loads(DESCRIPTION.read_text())["paths"]
    routes = {
        rule.rule.removeprefix("/api/v1").replace("<int:student_id>", "{student_id}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi"
    }
    assert routes == set(described)


def test_the_description_is_served_as_stored(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json == json.loads(DESCRIPTION.read_text())


def test_the_description_is_valid_openapi_for_an_independent_validator():
    """openapi-spec-validator (not schemathesis, which reads it leniently) checks the document
    against the OpenAPI 3 specification's own schema."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.readers import read_from_filename

    document, _url = read_from_filename(str(DESCRIPTION))
    validate(document)
