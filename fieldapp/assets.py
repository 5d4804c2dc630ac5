"""Static files with versioned names and long cache lifetimes, and compressed responses.

``url_for('static', filename=…)`` adds ``?v=<hash of the file>``: a changed file gets a new
URL, so a URL can be cached for a year (``immutable``) and a phone on a bad signal never asks
again. Responses are compressed (Brotli or gzip, Flask-Compress); behind a front server that
compresses, set ``FIELDAPP_COMPRESS=0``.
"""

from __future__ import annotations

import hashlib
import time
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, request
from flask_compress import Compress

YEAR = 365 * 24 * 3600


class _Compress(Compress):
    """Flask-Compress, without weighing the browser's encodings for a body too short to compress
    (a JSON answer, a redirect, an empty 204): it still says ``Vary: Accept-Encoding``, as
    Flask-Compress does for every answer."""

    def after_request(self, response):
        length = response.content_length if response is not None else None
        if length is None or length >= current_app.config["COMPRESS_MIN_SIZE"]:
            return super().after_request(response)
        vary = response.headers.get("Vary")
        if not vary:
            response.headers["Vary"] = "Accept-Encoding"
        elif "accept-encoding" not in vary.lower():
            response.headers["Vary"] = f"{vary}, Accept-Encoding"
        return response


compress = _Compress()

COMPRESS_MIMETYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
    "text/csv",
    "text/calendar",
]


@lru_cache(maxsize=512)
def _digest(path: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


# What a file's version was, per (folder, name), and when it was read: a page names its script
# and style sheets on every request, and each check is a ``stat`` of the file (some 20 µs, four
# a page). A file changed in place gets its new URL within CHECK_SECONDS (a deploy restarts the
# workers anyway).
CHECK_SECONDS = 1.0
MAX_NAMES = 1024  # names asked for: the app's own files, and whatever a request names
_seen: dict[tuple[str, str], tuple[float, str | None]] = {}


def version(app: Flask, filename: str) -> str | None:
    """The content hash of a static file, or None when there is no such file."""
    key = (app.static_folder or "", filename)
    now = time.monotonic()
    seen = _seen.get(key)
    if seen is not None and now - seen[0] < CHECK_SECONDS:
        return seen[1]
    path = Path(*key)
    try:
        found = _digest(str(path), path.stat().st_mtime_ns)
    except OSError:
        found = None
    if len(_seen) >= MAX_NAMES:
        _seen.clear()
    _seen[key] = (now, found)
    return found


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESS_MIMETYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.config.setdefault("COMPRESS_MIN_SIZE", 300)
    if app.config.get("COMPRESS_ENABLED", True):
        compress.init_app(app)

    @app.url_defaults
    def versioned_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            v = version(app, values["filename"])
            if v:
                values["v"] = v

    @app.after_request
    def static_cache(response):
        if request.endpoint == "static" and response.status_code in (200, 304):
            filename = (request.view_args or {}).get("filename", "")
            current = version(app, filename)
            if current and request.args.get("v") == current:
                response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
            else:  # an old or missing version: check back each time
                response.headers["Cache-Control"] = "no-cache"
            if response.status_code == 200 and response.direct_passthrough:
                # Read our (small) file whole, so that it can be compressed as one body and
                # the file is closed now, not whenever the garbage collector gets to it.
                body = response.response
                response.direct_passthrough = False
                response.get_data()
                if hasattr(body, "close"):
                    body.close()
        return response
