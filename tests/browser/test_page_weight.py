"""Light pages, measured in Chromium: the bytes on the wire for the visitor's first load of My
visits, and how soon it is drawn on a slow mobile network."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

# Bytes on the wire and time to draw: the same page from both databases, measured once (the
# SQLite run). My visits' queries run on PostgreSQL in every other test that opens it.
pytestmark = pytest.mark.sqlite_only

FIRST_LOAD_LIMIT = 60 * 1024  # everything, compressed
HTML_CSS_LIMIT = 14 * 1024  # what the first paint needs (TCP's first flights)
SLOW_DRAW_LIMIT = 2.5  # seconds on 150 ms RTT, 1.6 Mbps down


def _wire(page):
    """Record (url, resource type, bytes on the wire) for each response the page loads."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    seen: dict[str, dict] = {}
    cdp.on(
        "Network.responseReceived",
        lambda e: seen.setdefault(e["requestId"], {}).update(
            url=e["response"]["url"],
            type=e["type"],
            encoding=e["response"]["headers"].get(
                "content-encoding", e["response"]["headers"].get("Content-Encoding", "")
            ),
        ),
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: seen.setdefault(e["requestId"], {}).update(bytes=e["encodedDataLength"]),
    )
    return cdp, seen


def test_first_load_of_my_visits_is_light(page, sign_in, live_server):
    sign_in("visitor1@demo.test")
    cdp, seen = _wire(page)
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})  # a first visit: nothing cached
    page.goto(f"{live_server.url}/visits/")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    loads = [r for r in seen.values() if "bytes" in r and "url" in r]
    total = sum(r["bytes"] for r in loads)
    first_paint = sum(r["bytes"] for r in loads if r["type"] in ("Document", "Stylesheet"))
    table = "\n".join(
        f"{r['bytes']:>7} {r['type']:<10} {r['encoding']:<4} {r['url']}" for r in loads
    )
    print(f"\nMy visits, first load: {total} bytes in all, {first_paint} HTML+CSS\n{table}")
    documents = [r["url"] for r in loads if r["type"] == "Document"]
    assert documents == [f"{live_server.url}/visits/"], table  # My visits itself, not sign-in
    assert all(r["encoding"] in ("br", "gzip") for r in loads if r["bytes"] > 1024), table
    assert total <= FIRST_LOAD_LIMIT, table
    assert first_paint <= HTML_CSS_LIMIT, table


def test_my_visits_is_drawn_quickly_on_a_slow_mobile_network(page, sign_in, live_server):
    sign_in("visitor1@demo.test")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 150,
            "downloadThroughput": 1_600_000 / 8,
            "uploadThroughput": 750_000 / 8,
        },
    )
    started = time.monotonic()
    page.goto(f"{live_server.url}/visits/", wait_until="commit")
    expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=10_000)
    drawn = time.monotonic() - started
    assert page.url == f"{live_server.url}/visits/"
    print(f"\nMy visits on 150 ms RTT, 1.6 Mbps: its heading visible after {drawn:.2f} s")
    assert drawn < SLOW_DRAW_LIMIT
