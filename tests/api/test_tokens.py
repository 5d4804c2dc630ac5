"""Admin pages for API tokens: made for a school and shown once, stored as a hash, listed,
revoked; each step audited."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from fieldapp.models import ApiToken, AuditEvent


def test_a_token_is_shown_once_and_stored_as_its_hash(data, client, login, db):
    login(data.admin)
    response = client.post(
        "/admin/api-tokens/", data={"name": "Warehouse nightly", "school_id": data.school.id}
    )
    assert response.status_code == 201
    secret = re.search(r"<code>(fa_[A-Za-z0-9_-]{43})</code>", response.get_data(as_text=True))[1]
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "Warehouse nightly"))
    assert token.school_id == data.school.id and token.created_by_id == data.admin.id
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in client.get("/admin/api-tokens/").get_data(as_text=True)
    assert (
        client.get("/api/v1/visits", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 200
    )
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.create"))


def test_the_list_shows_school_dates_and_revoked(data, client, login, db):
    login(data.admin)
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "SIS"))
    page = client.get("/admin/api-tokens/").get_data(as_text=True)
    assert "SIS" in page and data.school.name in page and "Never used" in page
    assert f'action="/admin/api-tokens/{token.id}/revoke"' in page

    response = client.post(f"/admin/api-tokens/{token.id}/revoke")
    assert response.status_code == 303
    db.session.refresh(token)
    assert token.revoked_at is not None
    page = client.get("/admin/api-tokens/").get_data(as_text=True)
    assert "Revoked" in page and f'action="/admin/api-tokens/{token.id}/revoke"' not in page
    refused = client.get("/api/v1/visits", headers={"Authorization": f"Bearer {data.secret}"})
    assert refused.status_code == 401
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.revoke"))


def test_a_token_needs_a_name_and_a_real_school(data, client, login, db):
    login(data.admin)
    before = db.session.scalar(select(ApiToken.id).order_by(ApiToken.id.desc()))
    response = client.post("/admin/api-tokens/", data={"name": "", "school_id": data.school.id})
    assert response.status_code == 422
    response = client.post("/admin/api-tokens/", data={"name": "X", "school_id": "999999"})
    assert response.status_code == 422
    assert db.session.scalar(select(ApiToken.id).order_by(ApiToken.id.desc())) == before


def test_only_admins_manage_tokens(data, client, login):
    login(data.coordinator)
    assert client.get("/admin/api-tokens/").status_code == 403
    assert (
        client.post(
            "/admin/api-tokens/", data={"name": "Mine", "school_id": data.school.id}
        ).status_code
        == 403
    )
