"""The admin adds a person without ever seeing a password: the invitation goes by email, the
person chooses their password through its link and signs in; the admin can send a new link
from the person's page. On a phone."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import save_screenshot

NEW_PASSWORD = "a river of fresh pass phrases"


def _link_to(live_server, email: str) -> str:
    """The newest email to ``email`` in the live app's outbox: its link's path."""
    outbox = Path(live_server.app.instance_path) / "outbox"
    for path in sorted(outbox.glob("*.eml"), reverse=True):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == email:
            text = message.get_content()  # decoded: a long line is quoted-printable
            return re.search(r"https?://[^/\s]+(/password/reset/\S+)", text).group(1)
    raise AssertionError(f"no email to {email}")


def test_the_admin_invites_a_new_person_who_chooses_their_password(page, live_server, sign_in):
    sign_in("admin@demo.test")
    page.goto(f"{live_server.url}/admin/accounts/new")
    page.get_by_label("Full name").fill("Rosa Invited")
    page.get_by_label("Email").fill("rosa.invited@example.org")
    page.get_by_label("Role").select_option("trainer")
    expect(page.get_by_label("Show me a first password to hand over instead")).not_to_be_checked()
    save_screenshot(page, "admin-new-account-390x844")
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_text("An invitation is on its way to")).to_be_visible()
    expect(page.locator("code")).to_have_count(0)  # no password on the screen
    save_screenshot(page, "admin-account-invited-390x844")

    page.get_by_role("link", name="Their page").click()
    expect(page.get_by_text("They have never signed in.")).to_be_visible()
    page.get_by_role("button", name="Send sign-in link").click()
    expect(page.get_by_text("An invitation to sign in is on its way to")).to_be_visible()
    save_screenshot(page, "admin-person-sign-in-link-390x844")

    # Rosa, on her own phone, follows the newest link and signs in with her own password.
    page.context.clear_cookies()
    page.goto(live_server.url + _link_to(live_server, "rosa.invited@example.org"))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()
    sign_in("rosa.invited@example.org", NEW_PASSWORD)
    expect(page).not_to_have_url(re.compile(r"/login"))
