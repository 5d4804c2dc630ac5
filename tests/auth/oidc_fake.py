"""An OpenID provider whose every answer the test decides, served on 127.0.0.1 from a thread:
discovery, keys, authorize (answers at once with a code) and token (checks the client's secret
and the PKCE verifier, then hands out an ID token with the claims the test set). It makes the
tokens a real provider never would: for another client, expired, with the wrong nonce, signed
with another key. The end-to-end sign-in against a real provider is tests/browser/test_oidc.py
(the certified ``oidc-provider`` from npm)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "fieldapp-test"
CLIENT_SECRET = "test-secret-for-the-fake-provider"


@dataclass
class FakeProvider:
    url: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    claims: dict = field(default_factory=dict)  # merged into the next ID token; None drops one
    sign_with: RSAKey | None = None  # another key: a forged token
    codes: dict = field(default_factory=dict)
    authorize_requests: list = field(default_factory=list)
    token_requests: list = field(default_factory=list)

    def id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": grant["client_id"],
            "sub": "subject-1",
            "email": "teacher@schools.example.org",
            "email_verified": True,
            "nonce": grant.get("nonce"),
            "iat": now,
            "exp": now + 600,
        }
        claims.update(self.claims)
        claims = {k: v for k, v in claims.items() if v is not None}
        key = self.sign_with or self.key
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)


def _app(fake: FakeProvider) -> Flask:
    app = Flask(__name__)

    @app.get("/.well-known/openid-configuration")
    def discovery():
        return jsonify(
            issuer=fake.url,
            authorization_endpoint=fake.url + "/authorize",
            token_endpoint=fake.url + "/token",
            jwks_uri=fake.url + "/jwks",
            end_session_endpoint=fake.url + "/logout",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            code_challenge_methods_supported=["S256"],
        )

    @app.get("/jwks")
    def jwks():
        return jsonify(keys=[fake.key.as_dict(private=False)])

    @app.get("/authorize")
    def authorize():
        args = request.args.to_dict()
        fake.authorize_requests.append(args)
        code = secrets.token_urlsafe(16)
        fake.codes[code] = args
        return redirect(
            f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args.get('state', '')})}"
        )

    @app.post("/token")
    def token():
        form = request.form.to_dict()
        fake.token_requests.append(form)
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
            return jsonify(error="invalid_client"), 401
        grant = fake.codes.pop(form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return jsonify(error="invalid_grant"), 400
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if grant.get("code_challenge_method") != "S256" or challenge.decode() != grant.get(
            "code_challenge"
        ):
            return jsonify(error="invalid_grant", error_description="PKCE"), 400
        return jsonify(
            access_token=secrets.token_urlsafe(16),
            token_type="Bearer",
            expires_in=600,
            id_token=fake.id_token(grant),
        )

    @app.get("/logout")
    def logout():
        abort(404)

    return app


@contextmanager
def fake_provider():
    fake = FakeProvider()
    server = make_server("127.0.0.1", 0, _app(fake), threaded=True)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        thread.join(timeout=5)
