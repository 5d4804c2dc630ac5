"""Static files: versioned URLs cached for a year; responses compressed."""

from __future__ import annotations

import gzip

import brotli
from flask import url_for

from fieldapp import create_app
from fieldapp.extensions import db


def fetch(client, url, **headers):
    """GET and close (a static file is streamed: an unclosed response leaks its file)."""
    response = client.get(url, headers=headers)
    response.get_data()
    response.close()
    return response


def test_static_urls_carry_the_hash_of_the_file(app, client):
    with app.test_request_context():
        url = url_for("static", filename="app.css")
    assert "?v=" in url
    page = client.get("/login").get_data(as_text=True)
    assert url in page  # the page links the versioned URL


def test_a_versioned_file_is_cached_for_a_year_an_old_version_is_checked_each_time(app, client):
    with app.test_request_context():
        url = url_for("static", filename="app.css")
    assert "immutable" in fetch(client, url).headers["Cache-Control"]
    assert "max-age=31536000" in fetch(client, url).headers["Cache-Control"]
    stale = fetch(client, "/static/app.css?v=000000000000")
    assert stale.status_code == 200
    assert stale.headers["Cache-Control"] == "no-cache"
    assert fetch(client, "/static/app.css").headers["Cache-Control"] == "no-cache"


def test_a_changed_file_gets_a_new_url_within_the_second(app, tmp_path, monkeypatch):
    import os

    from fieldapp import assets

    app.static_folder = str(tmp_path)
    (tmp_path / "x.css").write_text("a{}")
    first = assets.version(app, "x.css")
    (tmp_path / "x.css").write_text("b{color:red}")
    os.utime(tmp_path / "x.css", ns=(1, 1))  # a new modification time, however fast the test
    assert assets.version(app, "x.css") == first  # read less than a second ago: not again
    (tmp_path / "y.css").write_text("c{}")
    assert assets.version(app, "y.css") is not None  # a name not asked for yet: read now
    monkeypatch.setattr(assets, "CHECK_SECONDS", 0)  # the second has passed
    assert assets.version(app, "x.css") != first
    assert assets.version(app, "missing.css") is None


def test_pages_and_static_files_are_compressed(app, client):
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert b"<form" in gzip.decompress(page.data)
    assert "Accept-Encoding" in page.headers["Vary"]
    with app.test_request_context():
        url = url_for("static", filename="app.css")
    css = fetch(client, url, **{"Accept-Encoding": "br"})
    assert css.headers["Content-Encoding"] == "br"
    plain = fetch(client, url).data
    assert brotli.decompress(css.data) == plain
    assert len(css.data) < len(plain) / 2


def test_a_short_answer_is_sent_as_it_is_and_still_varies_by_encoding(app, client):
    short = client.get("/healthz", headers={"Accept-Encoding": "gzip, br"})
    assert short.status_code == 200 and short.json == {"status": "ok"}
    assert "Content-Encoding" not in short.headers
    assert "Accept-Encoding" in short.headers["Vary"]
    assert short.headers["Vary"].count("Accept-Encoding") == 1


def test_compression_can_be_left_to_a_front_server(app_config):
    app = create_app({**app_config, "COMPRESS_ENABLED": False})
    with app.app_context():
        response = app.test_client().get("/login", headers={"Accept-Encoding": "gzip"})
        db.engine.dispose()
    assert "Content-Encoding" not in response.headers
