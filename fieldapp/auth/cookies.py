"""The session cookie, checked once per process: Flask's signed cookie, whose signature and
payload a process verifies and decodes the first time it sees that exact cookie, and then keeps.

Every request of a signed-in person carries the same cookie until the session changes. Flask
builds a serializer, derives the signing key, checks the HMAC, decodes base64 and reads the JSON
on each of them: a tenth of a signed-in request that does nothing. Kept here per app and process:
the cookie's text (the key: a forged or altered cookie is a different text, and is verified in
full), when it was signed, and its data as JSON. The age is checked on every request, as Flask
checks it (``PERMANENT_SESSION_LIFETIME``), and each request gets its own copy of the data."""

from __future__ import annotations

import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

MAX_ENTRIES = 10_000  # cookies in use in one process; the older half goes beyond this


class CookieSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        text = request.cookies.get(self.get_cookie_name(app))
        if not text or not app.secret_key:
            return super().open_session(app, request)
        known: dict[str, tuple[int, str]] = app.extensions.setdefault(
            "fieldapp.session_cookies", {}
        )
        max_age = int(app.permanent_session_lifetime.total_seconds())
        seen = known.get(text)
        if seen is None:
            signer = self.get_signing_serializer(app)
            try:
                data, signed = signer.loads(text, max_age=max_age, return_timestamp=True)
            except BadSignature:  # altered, signed with another key, or expired
                return self.session_class()
            if len(known) >= MAX_ENTRIES:
                for old in list(known)[: MAX_ENTRIES // 2]:  # insertion order: the oldest
                    known.pop(old, None)
            known[text] = (int(signed.timestamp()), self.serializer.dumps(data))
            return self.session_class(data)
        signed_at, payload = seen
        age = int(time.time()) - signed_at  # as itsdangerous counts it
        if age > max_age or age < 0:
            known.pop(text, None)
            return self.session_class()
        return self.session_class(self.serializer.loads(payload))  # this request's own copy
