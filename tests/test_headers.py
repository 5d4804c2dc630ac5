"""Response headers of every main page, and the session cookie in production."""

from __future__ import annotations

import pytest

from fieldapp import create_app
from fieldapp.models import Role
from tests.factories import make_school, make_user, make_visit

PAGES = {
    Role.VISITOR: ["/visits/", "/visits/{visit}", "/families/{family}", "/training/me", "/account"],
    Role.COORDINATOR: [
        "/schools/{school}/",
        "/rounds/{round}",
        "/schools/{school}/roster",
        "/schools/{school}/hours",
        "/training/roster",
        "/reports/",
    ],
    Role.TRAINER: ["/training/", "/training/roster", "/reports/training"],
    Role.ADMIN: ["/admin/", "/reports/district", "/reports/"],
}
CASES = [(role, url) for role, urls in PAGES.items() for url in urls]


@pytest.mark.parametrize(("role", "url"), CASES, ids=[f"{r.value} {u}" for r, u in CASES])
def test_main_pages_send_the_protective_headers(db, client, login, role, url):
    school = make_school()
    visit = make_visit(school)
    user = visit.members[0] if role == Role.VISITOR else make_user(role, school)
    login(user)
    path = url.format(
        visit=visit.id, family=visit.family_id, school=school.id, round=visit.round_id
    )
    response = client.get(path, environ_overrides={"wsgi.url_scheme": "https"})
    assert response.status_code == 200, path
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert int(response.headers["Strict-Transport-Security"].split("=")[1].split(";")[0]) >= (
        31536000
    )


def test_no_inline_script_or_style_in_pages(db, client, login):
    visit = make_visit(make_school())
    login(visit.members[0])
    html = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html and "onclick" not in html


def test_no_inline_script_or_style_in_reports(db, client, login):
    """The charts are SVG drawn with presentation attributes (fill, x, width), never style=."""
    make_visit(make_school())  # something to draw
    login(make_user(Role.ADMIN))
    for url in ("/reports/", "/reports/district", "/reports/training"):
        html = client.get(url).get_data(as_text=True)
        assert "<svg" in html, url
        assert "<script>" not in html and " style=" not in html and "onclick" not in html, url


def test_static_files_may_be_cached(client):
    response = client.get("/static/app.css")
    response.close()
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_production_cookies_are_secure_and_host_bound(app_config, monkeypatch, db):
    monkeypatch.setenv("FIELDAPP_ENV", "production")
    config = {
        k: v for k, v in app_config.items() if not k.startswith(("SESSION_COOKIE", "REMEMBER"))
    }
    app = create_app(config)
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-fieldapp"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_PATH"] == "/"
    with app.app_context():
        user = make_user(Role.VISITOR)
        from fieldapp.extensions import db as _db

        _db.session.commit()
        email = user.email
    client = app.test_client()
    response = client.post(
        "/login",
        data={"email": email, "password": "a long test password 2026"},
        base_url="https://fieldapp.example",
    )
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-fieldapp=")
    )
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
    assert "Domain=" not in cookie


@pytest.mark.parametrize(
    "before", [None, "Cookie", "HX-Request", "Accept-Language", "Origin, Cookie"]
)
def test_every_answer_varies_by_language_and_cookie_once(app, before):
    """A page depends on the reader's language and on who is signed in: Vary says so once,
    after whatever the view already said."""
    from flask import make_response

    with app.test_request_context("/"):
        response = make_response("x")
        if before:
            response.headers["Vary"] = before
        vary = [v.strip() for v in app.process_response(response).headers["Vary"].split(",")]
    assert sorted(vary) == sorted(set(vary))
    assert {"Accept-Language", "Cookie"} <= set(vary)
    if before:  # the view's own first, in its order
        said = [v.strip() for v in before.split(",")]
        assert vary[: len(said)] == said


def test_a_views_own_protective_header_is_kept_and_not_doubled(app):
    from flask import make_response

    with app.test_request_context("/"):
        response = make_response("x")
        response.headers["content-security-policy"] = "default-src 'none'"
        headers = app.process_response(response).headers
    assert headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
