"""Sign-in with the district's account (OpenID Connect), against a provider the test controls
(tests/auth/oidc_fake.py): who gets in, who is refused and why, and that the session made is
the app's own."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey
from sqlalchemy import select

from fieldapp.config import oidc_providers
from fieldapp.extensions import db as _db
from fieldapp.models import AuditEvent, ExternalIdentity, Role, UserSession
from tests.auth.oidc_fake import CLIENT_ID, CLIENT_SECRET, fake_provider
from tests.factories import TEST_PASSWORD, make_school, make_user

EMAIL = "teacher@schools.example.org"


@pytest.fixture
def fake():
    with fake_provider() as provider:
        yield provider


@pytest.fixture
def app_config(app_config, fake):
    app_config["OIDC_PROVIDERS"] = {
        "district": {
            "issuer": fake.url,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "domains": ["schools.example.org"],
            "tenant": None,
            "label": "Google",
            "prompt": None,
        }
    }
    return app_config


@pytest.fixture
def teacher(db):
    user = make_user(Role.VISITOR, make_school(), email=EMAIL)
    db.session.commit()  # visible to the requests' own sessions
    return user


def to_provider(client, path="/login/with/district"):
    """Start a sign-in; the provider's answer (the callback URL with code and state)."""
    _db.session.commit()  # what the test made must be visible to the request's session
    start = client.get(path)
    assert start.status_code == 302, start.data[:300]
    answer = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def sign_in(client, fake, **claims):
    fake.claims = claims
    return client.get(to_provider(client))


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def last_login_event(db):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.login").order_by(AuditEvent.id.desc())
    ).first()


def test_a_teacher_signs_in_with_pkce_state_and_nonce_and_gets_the_app_s_own_session(
    db, client, fake, teacher
):
    response = sign_in(client, fake)
    assert response.status_code == 302 and response.headers["Location"] == "/visits/"
    assert signed_in(client)
    asked = fake.authorize_requests[0]
    assert asked["code_challenge_method"] == "S256" and asked["code_challenge"]
    assert asked["state"] and asked["nonce"] and set(asked["scope"].split()) >= {"openid", "email"}
    assert fake.token_requests[0]["code_verifier"]  # the fake refuses a wrong one
    db.session.expire_all()
    link = db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.user_id == teacher.id))
    assert (link.issuer, link.subject, link.provider) == (fake.url, "subject-1", "district")
    assert db.session.scalars(select(UserSession).where(UserSession.user_id == teacher.id)).all()
    event = last_login_event(db)
    assert event.success and event.actor_id == teacher.id and event.detail["method"] == "district"
    # Signing out ends it like any other session.
    client.post("/logout")
    assert not signed_in(client)


def test_the_same_subject_signs_in_again_and_a_changed_one_is_refused(db, client, fake, teacher):
    assert sign_in(client, fake).status_code == 302
    client.post("/logout")
    assert sign_in(client, fake).status_code == 302
    client.post("/logout")
    response = sign_in(client, fake, sub="someone-else")
    assert response.status_code == 403
    assert b"not the one this fieldapp account signed in with before" in response.data
    assert not signed_in(client)
    assert last_login_event(db).detail["reason"] == "subject_changed"


def test_a_subject_linked_to_another_account_does_not_open_this_one(db, client, fake, teacher):
    other = make_user(Role.VISITOR, email="other@schools.example.org")
    db.session.add(
        ExternalIdentity(user=other, provider="district", issuer=fake.url, subject="subject-1")
    )
    db.session.commit()
    response = sign_in(client, fake)
    assert response.status_code == 403 and not signed_in(client)
    assert last_login_event(db).detail["reason"] == "subject_taken"


@pytest.mark.parametrize(
    ("claims", "reason", "words"),
    [
        ({"email": "nobody@schools.example.org"}, "unknown_email", b"nobody@schools.example.org"),
        ({"email_verified": False}, "unverified_email", b"did not confirm an email"),
        ({"email_verified": None}, "unverified_email", b"did not confirm an email"),
        ({"email": None}, "no_email", b"did not confirm an email"),
        ({"email": "teacher@gmail.com"}, "wrong_domain", b"schools.example.org only"),
    ],
)
def test_an_account_the_provider_does_not_vouch_for_is_refused(
    db, client, fake, teacher, claims, reason, words
):
    if reason == "wrong_domain":
        make_user(Role.VISITOR, email="teacher@gmail.com")  # an account, but not the district's
    response = sign_in(client, fake, **claims)
    assert response.status_code == 403
    assert words in response.data and b"Back to sign in" in response.data
    assert not signed_in(client)
    event = last_login_event(db)
    assert not event.success and event.detail["reason"] == reason


def test_entra_s_domain_owner_verified_claim_counts_as_verified(db, client, fake, teacher):
    assert sign_in(client, fake, email_verified=None, xms_edov=True).status_code == 302


def test_a_disabled_account_is_refused(db, client, fake, teacher):
    teacher.active = False
    db.session.commit()
    response = sign_in(client, fake)
    assert response.status_code == 403 and b"turned off" in response.data
    assert last_login_event(db).detail["reason"] == "disabled"


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"nonce": "not-the-one-sent"}, id="wrong nonce"),
        pytest.param({"aud": "another-client"}, id="token for another client"),
        pytest.param({"iss": "https://evil.example"}, id="another issuer"),
        pytest.param(
            {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, id="expired"
        ),
    ],
)
def test_an_id_token_that_fails_a_check_is_refused(db, client, fake, teacher, claims):
    response = sign_in(client, fake, **claims)
    assert response.status_code == 400 and b"could not be checked" in response.data
    assert not signed_in(client)
    assert last_login_event(db).detail["reason"] == "bad_answer"
    assert not db.session.scalars(select(ExternalIdentity)).all()


def test_a_token_signed_with_another_key_is_refused(db, client, fake, teacher):
    fake.sign_with = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    response = sign_in(client, fake)
    assert response.status_code == 400 and not signed_in(client)


def test_a_replayed_or_altered_state_is_refused(db, client, app, fake, teacher):
    callback = to_provider(client)
    # Another browser (an attacker's link) cannot finish this sign-in.
    stranger = app.test_client()
    assert stranger.get(callback).status_code == 400
    # An altered state: refused, and not signed in.
    altered = callback.replace("state=", "state=x")
    assert client.get(altered).status_code == 400 and not signed_in(client)
    # The real answer once; the same answer again (replayed) after signing out: refused.
    callback = to_provider(client)
    assert client.get(callback).status_code == 302
    client.post("/logout")
    assert client.get(callback).status_code == 400 and not signed_in(client)


def test_no_at_the_provider_says_so(db, client, fake, teacher):
    start = client.get("/login/with/district")
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    response = client.get(f"/login/with/district/callback?error=access_denied&state={state}")
    assert response.status_code == 400 and b"did not sign you in" in response.data


def test_an_unreachable_provider_is_a_clear_page_not_an_error(app, db, client, teacher):
    from tests.servers import free_port

    app.config["OIDC_PROVIDERS"]["district"]["issuer"] = f"http://127.0.0.1:{free_port()}"
    from fieldapp.auth import oidc

    oidc.init_app(app)
    response = client.get("/login/with/district")
    assert response.status_code == 503 and b"did not answer" in response.data


def test_an_unknown_or_hidden_provider_is_not_found(db, client, login, fake):
    assert client.get("/login/with/nobody").status_code == 404
    admin = make_user(Role.ADMIN)
    login(admin)
    assert client.post("/admin/sign-in", data={}).status_code == 303  # nothing ticked
    client.post("/logout")
    assert client.get("/login/with/district").status_code == 404
    assert client.get("/login/with/district/callback?code=x&state=y").status_code == 404
    assert b"Sign in with Google" not in client.get("/login").data


def test_the_admin_chooses_what_the_sign_in_page_offers(db, client, login, fake):
    page = client.get("/login").data
    assert b"Sign in with Google" in page and b"/login/with/district" in page
    login(make_user(Role.ADMIN))
    form = client.get("/admin/sign-in")
    assert form.status_code == 200 and b'value="district"' in form.data and b"checked" in form.data
    client.post("/admin/sign-in", data={})
    assert b"checked" not in client.get("/admin/sign-in").data
    assert client.post("/admin/sign-in", data={"shown": "nobody"}).status_code == 422
    client.post("/admin/sign-in", data={"shown": "district"})
    assert b"checked" in client.get("/admin/sign-in").data
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.providers"))
    assert [e.detail["hidden"] for e in event] == ["district", ""]


def test_the_sign_in_button_is_in_spanish_too(client, fake):
    page = client.get("/login", headers={"Accept-Language": "es"}).data.decode()
    assert "Iniciar sesión con Google" in page


def test_passwords_for_admins_only_while_a_district_account_is_offered(
    app, db, client, fake, teacher
):
    app.config["PASSWORD_SIGN_IN"] = "admins"
    response = client.post("/login", data={"email": EMAIL, "password": TEST_PASSWORD})
    assert response.status_code == 403 and b"district account" in response.data
    assert not signed_in(client)
    assert last_login_event(db).detail["reason"] == "password_off"
    admin = make_user(Role.ADMIN)
    db.session.commit()
    response = client.post("/login", data={"email": admin.email, "password": TEST_PASSWORD})
    assert response.status_code in (302, 303) and signed_in(client)


def test_signing_out_offers_the_provider_s_own_sign_out(db, client, fake, teacher):
    sign_in(client, fake)
    response = client.post("/logout")
    assert response.headers["Location"] == "/login?signed_out_of=district"
    page = client.get(response.headers["Location"]).data
    assert b"Sign out of Google too" in page
    out = client.get("/login/with/district/sign-out")
    target = urlsplit(out.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == fake.url + "/logout"
    query = parse_qs(target.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["post_logout_redirect_uri"] == ["http://localhost/login"]
    # The page's script gets the same next page in its JSON answer.
    sign_in(client, fake)
    answer = client.post("/logout", headers={"Accept": "application/json"}).json
    assert answer == {"signed_out": True, "next": "/login?signed_out_of=district"}


def test_a_tenant_is_checked_and_kept(app, db, client, fake, teacher):
    app.config["OIDC_PROVIDERS"]["district"]["tenant"] = "tenant-1"
    assert sign_in(client, fake, tid="tenant-2").status_code == 403
    assert last_login_event(db).detail["reason"] == "wrong_tenant"
    assert sign_in(client, fake, tid="tenant-1").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(ExternalIdentity.tenant)) == "tenant-1"


def test_providers_come_from_the_environment_and_a_half_configured_one_stops_the_app():
    env = {
        "FIELDAPP_OIDC_PROVIDERS": "google, Microsoft",
        "FIELDAPP_OIDC_GOOGLE_ISSUER": "https://accounts.google.com",
        "FIELDAPP_OIDC_GOOGLE_CLIENT_ID": "id",
        "FIELDAPP_OIDC_GOOGLE_CLIENT_SECRET": "secret",
        "FIELDAPP_OIDC_GOOGLE_DOMAINS": "District.org, students.district.org",
        "FIELDAPP_OIDC_MICROSOFT_ISSUER": "https://login.microsoftonline.com/t1/v2.0",
        "FIELDAPP_OIDC_MICROSOFT_CLIENT_ID": "id2",
        "FIELDAPP_OIDC_MICROSOFT_CLIENT_SECRET": "secret2",
        "FIELDAPP_OIDC_MICROSOFT_DOMAINS": "district.org",
        "FIELDAPP_OIDC_MICROSOFT_TENANT": "t1",
    }
    providers = oidc_providers(env.get)
    assert list(providers) == ["google", "microsoft"]
    assert providers["google"]["domains"] == ["district.org", "students.district.org"]
    assert providers["google"]["label"] == "Google" and providers["microsoft"]["tenant"] == "t1"
    assert providers["microsoft"]["prompt"] == "select_account"
    del env["FIELDAPP_OIDC_MICROSOFT_DOMAINS"]
    with pytest.raises(ValueError, match="FIELDAPP_OIDC_MICROSOFT_DOMAINS"):
        oidc_providers(env.get)
    assert oidc_providers({}.get) == {}


# ---- confirming it is you before a sensitive action ------------------------------------------


@pytest.fixture
def coordinator(db):
    """A coordinator whose account has no password: the district's account is the only way."""
    school = make_school()
    user = make_user(
        Role.COORDINATOR, school, email="coord@schools.example.org", password_hash=None
    )
    db.session.commit()
    return user, f"/schools/{school.id}/hours.csv"


def no_longer_fresh(client):
    with client.session_transaction() as kept:
        kept["auth_at"] = time.time() - 3600


def test_a_person_without_a_password_confirms_with_the_district_account(
    db, client, fake, coordinator
):
    user, sensitive = coordinator
    assert sign_in(client, fake, email=user.email).status_code == 302
    no_longer_fresh(client)
    asked = client.get(sensitive)
    assert asked.status_code == 302 and "/reauthenticate" in asked.headers["Location"]
    page = client.get(asked.headers["Location"])
    assert b"Confirm with Google" in page.data and b'name="password"' not in page.data
    assert client.post(asked.headers["Location"], data={"password": "x"}).status_code == 403
    confirm = urlsplit(asked.headers["Location"])
    next_page = parse_qs(confirm.query)["next"][0]
    back = client.get(to_provider(client, f"/login/with/district?next={next_page}"))
    assert fake.authorize_requests[-1]["max_age"] == "0"  # the provider checks the person again
    assert back.status_code == 302 and back.headers["Location"] == sensitive
    assert client.get(sensitive).status_code == 200
    db.session.expire_all()
    kept = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert len(kept) == 1  # the same session, fresh again: not a new one
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "auth.reauthenticate")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.success and event.actor_id == user.id and event.detail["method"] == "district"


def test_confirming_with_another_person_s_account_is_refused(db, client, fake, coordinator):
    user, sensitive = coordinator
    make_user(Role.VISITOR, email=EMAIL)
    assert sign_in(client, fake, email=user.email).status_code == 302
    no_longer_fresh(client)
    fake.claims = {"email": EMAIL, "sub": "subject-2"}
    refused = client.get(to_provider(client, f"/login/with/district?next={sensitive}"))
    assert refused.status_code == 403
    assert b"not the one signed in to fieldapp here" in refused.data
    assert b"Try again" in refused.data
    assert client.get(sensitive).headers["Location"].startswith("/reauthenticate")
    assert client.get("/account").status_code == 200  # still the coordinator, not the teacher
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "auth.reauthenticate")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert not event.success and event.detail["reason"] == "other_person"


def test_a_password_is_still_asked_of_those_who_have_one(db, client, fake, teacher, login):
    login(teacher)
    no_longer_fresh(client)
    page = client.get("/reauthenticate").data
    assert b'name="password"' in page and b"Confirm with" not in page  # never linked, not used
