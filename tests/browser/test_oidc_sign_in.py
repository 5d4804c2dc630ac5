"""A teacher signs in on a phone with the district's account, at a real OpenID Provider
(panva's oidc-provider on Node, tests/oidc): the button, the provider's own pages, back to My
visits with the app's own session; signing out offers the provider's sign-out; a person the
app does not know is told so."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fieldapp.auth import oidc
from tests.browser.conftest import demo_app, save_screenshot, serving
from tests.oidc.node_provider import node_oidc_provider

CLIENT_ID = "fieldapp-browser"
CLIENT_SECRET = "a browser test client secret"
ACCOUNTS = {
    "rosa": {  # the demo's first visitor, at the district
        "sub": "district-sub-rosa",
        "email": "visitor1@demo.test",
        "email_verified": True,
        "name": "Rosa",
    },
    "stranger": {  # a district account nobody made a fieldapp account for
        "sub": "district-sub-stranger",
        "email": "stranger@demo.test",
        "email_verified": True,
        "name": "Stranger",
    },
}


@pytest.fixture(scope="module")
def district(tmp_path_factory, migrated_db):
    """The demo app on its own server, offering the district's provider on its sign-in page."""
    folder = tmp_path_factory.mktemp("oidc-live")
    app = demo_app(folder, migrated_db)
    with serving(app) as live:
        client = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [f"{live.url}/login/with/district/callback"],
            "post_logout_redirect_uris": [f"{live.url}/login"],
        }
        with node_oidc_provider(folder, clients=[client], accounts=ACCOUNTS) as issuer:
            app.config["OIDC_PROVIDERS"] = {
                "district": {
                    "issuer": issuer,
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "domains": ["demo.test"],
                    "tenant": None,
                    "label": "Unified District",
                    "prompt": None,
                }
            }
            oidc.init_app(app)
            yield live


def at_the_provider(page, login: str) -> None:
    """The provider's own sign-in page (oidc-provider's: any password for a known login)."""
    expect(page.get_by_role("heading", name="Sign-in")).to_be_visible()
    page.get_by_placeholder("Enter any login").fill(login)
    page.get_by_placeholder("and password").fill("anything")
    page.get_by_role("button", name="Sign-in").click()


def test_a_teacher_signs_in_with_the_district_account_and_out_of_both(page, district):
    page.goto(f"{district.url}/login")
    button = page.get_by_role("link", name="Sign in with Unified District")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 300  # a thumb's target, the width of a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    save_screenshot(page, "sign-in-with-district-390x844")

    button.click()
    at_the_provider(page, "rosa")
    expect(page).to_have_url(f"{district.url}/visits/")
    expect(page.get_by_role("heading", name="My visits")).to_be_visible()

    # Before a sensitive action: confirmed with the same account, or the password.
    page.goto(f"{district.url}/reauthenticate?next=/visits/")
    expect(page.get_by_role("link", name="Confirm with Unified District")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()  # the demo's teachers have one
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    save_screenshot(page, "confirm-with-district-390x844")
    page.get_by_role("link", name="Confirm with Unified District").click()
    at_the_provider(page, "rosa")  # max_age=0: the provider asks again
    expect(page).to_have_url(f"{district.url}/visits/")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login\?signed_out_of=district$"))
    out_too = page.get_by_role("link", name="Sign out of Unified District too")
    expect(out_too).to_be_visible()
    save_screenshot(page, "signed-out-offers-district-390x844")
    page.goto(f"{district.url}/visits/")
    expect(page.get_by_role("heading", name="My visits")).to_have_count(0)  # the app's is over

    # A plain link to the provider's site (boosted, the redirect to another site was refused).
    page.goto(f"{district.url}/login?signed_out_of=district")
    page.get_by_role("link", name="Sign out of Unified District too").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(f"{district.url}/login")
    # Signed out at the provider too: the next sign-in asks for the account again.
    # The page is the service worker's now, as on a phone that used the app before.
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    page.get_by_role("link", name="Sign in with Unified District").click()
    expect(page.get_by_role("heading", name="Sign-in")).to_be_visible()


def test_a_district_account_without_a_fieldapp_account_is_told_who_makes_one(page, district):
    page.goto(f"{district.url}/login")
    page.get_by_role("link", name="Sign in with Unified District").click()
    at_the_provider(page, "stranger")
    expect(page.get_by_text("No fieldapp account has the email stranger@demo.test")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    save_screenshot(page, "sign-in-refused-no-account-390x844")
    page.goto(f"{district.url}/visits/")
    expect(page.get_by_role("heading", name="My visits")).to_have_count(0)
