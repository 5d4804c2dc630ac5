"""Never lose a word on one bar of signal. A phone (headless Chromium) that believes it is online
writes a contact, a reflection or a draft while its request hangs, fails, meets a Wi-Fi login
page or loses its answer — or while it is offline — and the visitor stays, goes to My visits,
goes Back, closes the tab or reloads. Every item reaches the server exactly once, later, with
nothing left on the phone: over ``LIEFI_RUNS`` randomized runs (200 by default)."""

from __future__ import annotations

import itertools
import os
import random
import re
import threading
import time
from datetime import timedelta

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import func, select
from werkzeug.serving import make_server

from fieldapp import create_app, demo
from fieldapp.extensions import db
from fieldapp.models import (
    ContactAttempt,
    Reflection,
    ReflectionDraft,
    Visit,
    VisitStatus,
)
from tests.browser.conftest import PHONE, LiveServer, save_screenshot
from tests.browser.liefi import FAULTS, FIELD_WRITES, LieFi
from tests.browser.test_offline import new_visit
from tests.conftest import ON_POSTGRES, base_config

pytestmark = pytest.mark.browser

A, B = "visitor3@demo.test", "visitor4@demo.test"
KINDS = ("contact", "reflection", "draft")
ACTIONS = ("stay", "navigate", "back", "close_tab", "reload")
# Every (kind, fault, action) at least twice, then random ones. Fewer on the PostgreSQL run:
# the phone's side is the same there; the server's exactly-once is tested in tests/sync/.
RUNS = int(os.environ.get("LIEFI_RUNS", "40" if ON_POSTGRES else "200"))


@pytest.fixture(scope="module")
def server(tmp_path_factory, migrated_db):
    folder = tmp_path_factory.mktemp("liefi")
    config = base_config(migrated_db.fresh(folder), folder / "instance")
    config |= {"SYNC_RETRY_MS": 300, "SYNC_SAVED_AFTER_MS": 400}
    app = create_app(config)
    with app.app_context():
        demo.seed()
        db.session.remove()
    faults = LieFi(app.wsgi_app)
    app.wsgi_app = faults
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    live = LiveServer(f"http://127.0.0.1:{httpd.server_port}", app)
    live.faults = faults
    yield live
    faults.release(resume=False)
    httpd.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def phone(browser, server):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.get_by_label("Email").fill(A)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My visits")).to_be_visible()
    page.wait_for_function("() => !!navigator.serviceWorker.controller")
    # Keeping every page of the round for offline use: slow when four test workers share the cores.
    page.wait_for_function("() => document.documentElement.dataset.warm === 'done'", timeout=40000)
    yield context, page
    server.faults.clear()
    server.faults.release(resume=False)
    context.close()


def visit_for(server, kind: str) -> int:
    """A visit of the pair: one to contact, or one that happened two hours ago (to reflect)."""
    if kind == "contact":
        return new_visit(server, status=VisitStatus.CONTACTING)
    return new_visit(server, hours=-2)


def on_server(server, kind: str, visit_id: int, marker: str) -> int:
    """How many rows of this run's item the server holds."""

    def count():
        if kind == "contact":
            q = (
                select(func.count())
                .select_from(ContactAttempt)
                .where(ContactAttempt.visit_id == visit_id, ContactAttempt.note == marker)
            )
            return db.session.scalar(q)
        if kind == "reflection":
            q = (
                select(func.count())
                .select_from(Reflection)
                .where(Reflection.visit_id == visit_id, Reflection.hopes_and_dreams == marker)
            )
            return db.session.scalar(q)
        drafts = db.session.scalars(
            select(ReflectionDraft).where(ReflectionDraft.visit_id == visit_id)
        ).all()
        return sum(1 for d in drafts if (d.data or {}).get("hopes_and_dreams") == marker)

    return server.query(count)


QUEUE = """() => new Promise((done) => {
  const open = indexedDB.open("fieldapp", 1);
  open.onerror = () => done(-1);
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains("items")) { db.close(); return done(0); }
    const all = db.transaction("items", "readonly").objectStore("items").getAll();
    all.onsuccess = () => { db.close(); done(all.result.length); };
  };
})"""


def write(page, kind: str, marker: str) -> None:
    if kind == "contact":
        form = page.locator("#contact-form")
        form.get_by_text("Call", exact=True).click()
        form.get_by_text("No answer", exact=True).click()
        form.get_by_label("Note (optional)").fill(marker)
        form.get_by_role("button", name="Add to the log").click()
    else:
        page.get_by_label("Their hopes and dreams for the child").fill(marker)
        if kind == "reflection":
            page.get_by_label("How long was the visit? (minutes)").fill("35")
            page.get_by_role("button", name="Save the reflection and complete the visit").click()


def stored_on_phone(page, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if page.evaluate(QUEUE) > 0:
            return
        time.sleep(0.05)
    raise AssertionError("the item never reached the phone's queue")


def one_run(server, context, page, kind: str, fault: str, action: str, n: int):
    faults = server.faults
    visit_id = visit_for(server, kind)
    marker = f"run {n}: {kind} under {fault}, then {action}"
    path = f"/visits/{visit_id}" + ("" if kind == "contact" else "/reflection")
    open_page(page, server.url + path)
    if fault == "offline":
        context.set_offline(True)
    else:
        faults.fault(fault, FIELD_WRITES)
    write(page, kind, marker)
    if fault == "hang":
        faults.wait_held()
    stored_on_phone(page)  # outbox first: on the phone before (or while) it is sent
    if action == "navigate":
        page.get_by_role("link", name="My visits").first.click()
    elif action == "back":
        page.go_back()
    elif action == "close_tab":
        page.close()
    elif action == "reload":
        page.reload()
    if fault == "offline":
        context.set_offline(False)
    faults.clear()
    if fault == "hang":
        faults.release(resume=random.random() < 0.5)
    if page.is_closed():
        page = context.new_page()
        page.goto(f"{server.url}/visits/")
    # Converges by itself: nothing left on the phone, the item on the server once.
    end = time.monotonic() + 20
    while time.monotonic() < end:
        try:
            left = page.evaluate(QUEUE)
        except Exception:  # the page is between two documents
            left = -1
        if left == 0 and on_server(server, kind, visit_id, marker) >= 1:
            break
        time.sleep(0.1)
    rows = on_server(server, kind, visit_id, marker)
    assert rows == 1, f"{marker}: {rows} rows on the server, {left} items on the phone"
    assert left == 0, f"{marker}: {left} items left on the phone"
    server.query(lambda: close(visit_id))
    return page


def open_page(page, url: str) -> None:
    """The previous run's page may still be leaving by itself: a reflection's save that hung,
    then resumed after a retry had stored it, answers at last with the way to My visits
    (/visits/#done), and the browser follows it. Go once that navigation is over."""
    try:
        page.goto(url)
    except PlaywrightError as exc:
        if "interrupted by another navigation" not in str(exc):
            raise
        page.wait_for_load_state()
        page.goto(url)


def close(visit_id: int) -> None:
    """A run's visit, done with, leaves the pair's open visits: each later phone keeps (and My
    visits lists) the demo's pages, not every earlier run's 200 visits and families."""
    db.session.get(Visit, visit_id).status = VisitStatus.CANCELLED
    db.session.commit()


CHUNKS = 8  # the runs in eight tests, which xdist's workers share


def all_runs() -> list[tuple[str, str, str]]:
    rng = random.Random(int(os.environ.get("LIEFI_SEED", "2026")))
    combos = list(itertools.product(KINDS, FAULTS, ACTIONS))
    runs = (combos * 2)[:RUNS]
    runs += [rng.choice(combos) for _ in range(RUNS - len(runs))]
    rng.shuffle(runs)
    return runs


def test_the_runs_cover_every_kind_fault_and_action_twice():
    runs = all_runs()
    assert len(runs) == RUNS
    if 2 * len(KINDS) * len(FAULTS) * len(ACTIONS) <= RUNS:
        assert min(runs.count(c) for c in itertools.product(KINDS, FAULTS, ACTIONS)) >= 2


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_no_item_is_lost_or_doubled_on_lie_fi(phone, server, chunk):
    context, page = phone
    runs = list(enumerate(all_runs()))[chunk::CHUNKS]
    started = time.monotonic()
    for n, (kind, fault, action) in runs:
        page = one_run(server, context, page, kind, fault, action, n)
    took = time.monotonic() - started
    print(f"\nlie-fi: {len(runs)} runs, 0 lost, 0 duplicated, {took:.0f} s")


def test_a_save_that_hangs_says_sending_then_saved_on_this_phone(phone, server):
    context, page = phone
    visit_id = visit_for(server, "contact")
    page.goto(f"{server.url}/visits/{visit_id}")
    server.faults.fault("hang", FIELD_WRITES)
    form = page.locator("#contact-form")
    form.get_by_text("Call", exact=True).click()
    form.get_by_text("Left a message", exact=True).click()
    form.get_by_role("button", name="Add to the log").click()
    expect(form.get_by_role("button", name="Sending…")).to_be_disabled()
    expect(page.locator(".banner.saved")).to_contain_text("Saved on this phone", timeout=3000)
    save_screenshot(page, "lie-fi-saved-on-this-phone-390x844")
    server.faults.clear()
    server.faults.release(resume=True)
    expect(page.locator("#sync-status")).to_have_attribute("data-waiting", "0", timeout=10000)
    rows = server.query(
        lambda: db.session.scalar(
            select(func.count())
            .select_from(ContactAttempt)
            .where(ContactAttempt.visit_id == visit_id)
        )
    )
    assert rows == 1


@pytest.fixture
def coming_visit(server):
    """A visit of the pair tomorrow, made before the phone signs in and keeps its pages."""
    return new_visit(server, hours=24)


def test_a_kept_page_shows_within_3_s_on_a_25_s_link(coming_visit, phone, server):
    context, page = phone
    page.goto(f"{server.url}/visits/")
    href = f"/visits/{coming_visit}"
    card = page.locator(".card", has=page.locator(f"a[href='{href}']"))
    expect(card.locator(".kept")).to_be_visible()  # My visits marks what opens offline
    server.faults.fault(None, r"^GET /(visits|families)")
    server.faults.delay = 25.0
    started = time.monotonic()
    page.goto(server.url + href)
    expect(page.locator("#kept-copy")).to_be_visible(timeout=3000)
    assert time.monotonic() - started < 3.0
    save_screenshot(page, "lie-fi-kept-copy-390x844")
    server.faults.clear()


def test_the_relationship_card_opens_offline(coming_visit, phone, server):
    context, page = phone
    page.goto(f"{server.url}/visits/{coming_visit}")
    card_link = page.get_by_role("link", name="Relationship card")
    href = card_link.get_attribute("href")
    context.set_offline(True)
    page.goto(server.url + href)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="No signal")).to_have_count(0)
    assert re.search(r"/families/\d+$", page.url)
    context.set_offline(False)


def _sign_in_page(page, server, email=A):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_an_ended_session_loses_no_text_and_signing_in_returns_and_sends(phone, server):
    context, page = phone
    visit_id = visit_for(server, "reflection")
    page.goto(f"{server.url}/visits/{visit_id}/reflection")
    server.app.config["CLOCK_OFFSET"] = timedelta(hours=13)  # past the 12 h a session lasts
    try:
        page.get_by_label("Their hopes and dreams for the child").fill("To run a bakery")
        session = page.locator("#sync-status .session")
        expect(session).to_be_visible(timeout=10000)  # the draft's send met a 401
        expect(session).to_contain_text("Your session ended")
        page.get_by_label("How long was the visit? (minutes)").fill("35")
        page.get_by_role("button", name="Save the reflection and complete the visit").click()
        expect(page.locator(".banner.saved")).to_contain_text("Saved on this phone")
        assert page.url.endswith(f"/visits/{visit_id}/reflection")  # the page stayed
        save_screenshot(page, "lie-fi-session-ended-390x844")
        assert on_server(server, "reflection", visit_id, "To run a bakery") == 0
        session.get_by_role("link", name="Sign in to send it").click()
        _sign_in_page(page, server)
        page.wait_for_url(re.compile(rf"/visits/{visit_id}/reflection"))
        expect(page.locator("#sync-status")).to_have_attribute("data-waiting", "0", timeout=10000)
        assert on_server(server, "reflection", visit_id, "To run a bakery") == 1
        page.reload()
        expect(page.locator("#sync-status")).to_have_attribute("data-waiting", "0")
        assert on_server(server, "reflection", visit_id, "To run a bakery") == 1
    finally:
        server.app.config.pop("CLOCK_OFFSET", None)


def _signed_in(server, page) -> bool:
    """Whether this phone's cookie still opens a page on the server."""
    answer = page.request.get(f"{server.url}/sync/token", headers={"Accept": "application/json"})
    return answer.status == 200


def test_signing_out_with_no_signal_says_so_and_never_pretends(phone, server):
    context, page = phone
    context.set_offline(True)
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#flashes")).to_contain_text("Not signed out: signing out needs signal")
    expect(page.get_by_role("heading", name="My visits")).to_be_visible()
    save_screenshot(page, "lie-fi-sign-out-needs-signal-390x844")
    context.set_offline(False)
    assert _signed_in(server, page)  # it said so: the first teacher knows they are signed in
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert not _signed_in(server, page)  # the next person is not the first
    context.set_offline(True)
    page.goto(f"{server.url}/visits/")
    expect(page.get_by_role("heading", name="My visits")).to_have_count(0)
    context.set_offline(False)


def test_a_sign_out_that_hangs_signs_nobody_out_on_the_phone_alone(phone, server):
    context, page = phone
    server.faults.fault("hang", r"^POST /logout$")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#flashes")).to_contain_text("Not signed out", timeout=12000)
    server.faults.clear()
    server.faults.release(resume=False)
    assert _signed_in(server, page)
    expect(page.get_by_role("heading", name="My visits")).to_be_visible()


def test_signing_out_sends_what_waits_once_more_before_asking(phone, server):
    context, page = phone
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    visit_id = visit_for(server, "contact")
    page.goto(f"{server.url}/visits/{visit_id}")
    server.faults.fault("500", FIELD_WRITES)
    write(page, "contact", "Call back on Tuesday")
    expect(page.locator(".banner.saved")).to_be_visible()
    assert on_server(server, "contact", visit_id, "Call back on Tuesday") == 0
    server.faults.clear()  # the signal is back, but the phone's next try is a while away
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert dialogs == []  # sent at the last try: nothing to ask about, nothing deleted
    assert on_server(server, "contact", visit_id, "Call back on Tuesday") == 1
