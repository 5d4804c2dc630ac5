"""Response headers that protect every page: a strict CSP, no sniffing, no caching of pages
that carry personal data."""

from __future__ import annotations

from flask import Flask, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",  # the service worker that keeps the app working offline
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


PROTECTIVE = [  # each unless the view set its own
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
]


def register(app: Flask) -> None:
    @app.after_request
    def secure_headers(response):
        headers = response.headers
        # The response's header names read once (four ``setdefault`` scanned them four times).
        names = {name.lower() for name, _value in headers.items()}
        headers.extend([(name, value) for name, value in PROTECTIVE if name.lower() not in names])
        if request.endpoint != "static" and not headers.get("Cache-Control", "").startswith(
            "private"
        ):
            # Pages carry family data: never kept in a shared phone's cache. Only a view that
            # says "private" itself (a calendar feed, which its app polls) may be kept a while.
            headers["Cache-Control"] = "no-store"
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
