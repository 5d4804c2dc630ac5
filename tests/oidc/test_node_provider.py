"""The Node OpenID Provider of the tests (tests/oidc/provider.mjs) works end to end without a
browser: authorization with PKCE, state and nonce, its login page, the code exchange, and an
ID Token that verifies against its JWKS and carries the account's claims."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.oidc.node_provider import node_oidc_provider

CLIENT_ID = "fieldapp-test"
CLIENT_SECRET = "a test client secret"
REDIRECT_URI = "http://127.0.0.1:9/auth/oidc/callback"  # nothing listens there: never fetched
POST_LOGOUT_URI = "http://127.0.0.1:9/signed-out"
ACCOUNTS = {
    "ana": {
        "sub": "sub-ana-0001",
        "email": "ana@district.example",
        "email_verified": True,
        "name": "Ana Ruiz",
        "tid": "tenant-1",
    },
    "ben": {
        "sub": "sub-ben-0002",
        "email": "ben@district.example",
        "email_verified": False,
        "name": "Ben Ode",
    },
}


@pytest.fixture(scope="module")
def issuer(tmp_path_factory):
    clients = [
        {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [REDIRECT_URI],
            "post_logout_redirect_uris": [POST_LOGOUT_URI],
        }
    ]
    with node_oidc_provider(
        tmp_path_factory.mktemp("oidc"), clients=clients, accounts=ACCOUNTS
    ) as url:
        yield url


@pytest.fixture(scope="module")
def discovery(issuer):
    answer = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=5)
    answer.raise_for_status()
    return answer.json()


def _tokens(client, discovery, location, state, verifier) -> dict:
    """The code in ``location`` exchanged, with the PKCE code verifier."""
    return client.fetch_token(
        discovery["token_endpoint"],
        authorization_response=location,
        state=state,
        code_verifier=verifier,
    )


def _claims(discovery, id_token: str) -> dict:
    """The ID Token's claims once its signature verifies against the provider's JWKS."""
    keys = KeySet.import_key_set(requests.get(discovery["jwks_uri"], timeout=5).json())
    return jwt.decode(id_token, keys, algorithms=["RS256"]).claims


class _Forms(HTMLParser):
    """Each form's action and its inputs' names and values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""


def _session(auth_method: str = "client_secret_basic") -> OAuth2Session:
    """The client's side, as Authlib does it (client_secret_basic is its default)."""
    return OAuth2Session(
        CLIENT_ID,
        CLIENT_SECRET,
        scope="openid email profile",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method=auth_method,
    )


def _sign_in(
    client: OAuth2Session, discovery: dict, login: str, browser: requests.Session | None = None
) -> tuple[str, str, str, str]:
    """A browser (a cookie-keeping ``requests`` session) follows the authorization request, posts
    the login page's form, then follows redirects up to the redirect URI: its Location, and the
    state, nonce and code verifier the client sent."""
    state, nonce, verifier = generate_token(24), generate_token(24), generate_token(48)
    url, _ = client.create_authorization_url(
        discovery["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
    )
    browser = browser or requests.Session()
    answer = browser.get(url, allow_redirects=False, timeout=5)
    for _ in range(10):
        if answer.is_redirect:
            location = urljoin(answer.url, answer.headers["Location"])
            if location.startswith(REDIRECT_URI):
                return location, state, nonce, verifier
            answer = browser.get(location, allow_redirects=False, timeout=5)
            continue
        assert answer.status_code == 200, answer.text
        parser = _Forms()
        parser.feed(answer.text)
        [form] = parser.forms
        assert form["fields"]["prompt"] == "login", answer.text
        assert login, "the login page came up, yet the browser was signed in at the provider"
        fields = {**form["fields"], "login": login, "password": "any password"}
        answer = browser.post(
            urljoin(answer.url, form["action"]), data=fields, allow_redirects=False, timeout=5
        )
    pytest.fail(f"never got back to the redirect URI: {answer.status_code} {answer.text[:2000]}")


def test_a_listed_account_signs_in_with_pkce_and_gets_a_verified_id_token(issuer, discovery):
    assert discovery["issuer"] == issuer
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["end_session_endpoint"] == f"{issuer}/session/end"
    client = _session()
    location, state, nonce, verifier = _sign_in(client, discovery, "ana")

    query = parse_qs(urlsplit(location).query)
    assert query["state"] == [state]
    assert query["iss"] == [issuer]
    claims = _claims(discovery, _tokens(client, discovery, location, state, verifier)["id_token"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": CLIENT_ID},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
    ).validate(claims)
    assert claims["sub"] == "sub-ana-0001"
    assert claims["email"] == "ana@district.example"
    assert claims["email_verified"] is True
    assert claims["name"] == "Ana Ruiz"
    assert claims["tid"] == "tenant-1"


def test_the_secret_in_the_body_works_too_and_tid_only_when_the_account_has_one(issuer, discovery):
    client = _session("client_secret_post")
    location, state, nonce, verifier = _sign_in(client, discovery, "ben")
    claims = _claims(discovery, _tokens(client, discovery, location, state, verifier)["id_token"])
    assert (claims["sub"], claims["nonce"], claims["email_verified"]) == (
        "sub-ben-0002",
        nonce,
        False,
    )
    assert "tid" not in claims


def test_an_unknown_login_gets_no_code(issuer, discovery):
    location, _, _, _ = _sign_in(_session(), discovery, "mallory")
    query = parse_qs(urlsplit(location).query)
    assert "code" not in query
    assert query["error"] == ["access_denied"], query


def test_rp_initiated_logout_ends_the_providers_session(issuer, discovery):
    client, browser = _session(), requests.Session()
    location, state, _, verifier = _sign_in(client, discovery, "ana", browser)
    id_token = _tokens(client, discovery, location, state, verifier)["id_token"]
    _sign_in(client, discovery, "", browser)  # signed in at the provider: no login page now

    answer = browser.get(
        discovery["end_session_endpoint"],
        params={
            "id_token_hint": id_token,
            "post_logout_redirect_uri": POST_LOGOUT_URI,
            "state": "bye",
        },
        timeout=5,
    )
    assert answer.status_code == 200 and "Yes, sign me out" in answer.text, answer.text
    parser = _Forms()
    parser.feed(answer.text)
    [form] = parser.forms
    answer = browser.post(
        form["action"], data={**form["fields"], "logout": "yes"}, allow_redirects=False, timeout=5
    )
    assert answer.headers["Location"] == f"{POST_LOGOUT_URI}?state=bye"
    url, _ = client.create_authorization_url(
        discovery["authorization_endpoint"],
        nonce=generate_token(24),
        code_verifier=generate_token(48),
    )
    answer = browser.get(url, allow_redirects=False, timeout=5)  # to the login page again
    assert urlsplit(urljoin(url, answer.headers["Location"])).path.startswith("/interaction/")


def test_an_authorization_request_without_pkce_is_refused(discovery):
    client = OAuth2Session(CLIENT_ID, CLIENT_SECRET, scope="openid", redirect_uri=REDIRECT_URI)
    url, state = client.create_authorization_url(discovery["authorization_endpoint"], nonce="n")
    answer = requests.get(url, allow_redirects=False, timeout=5)
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["error"] == ["invalid_request"] and query["state"] == [state]
    assert "code" not in query
