"""The offline layer stays small: our own script and service worker, and My visits' first load."""

from __future__ import annotations

import gzip
import re

from fieldapp.models import VisitStatus
from tests.sync.conftest import happened_visit

# 11 KB: the offline queue, the interface's words read from the page (#8), where the focus
# goes after an HTMX swap (#8), and the outbox of #17 (every field form through the queue,
# drafts on the phone, sign-out on the server's word, kept pages raced against the network).
OWN_JS_BUDGET = 11 * 1024
FIRST_LOAD_BUDGET = 60 * 1024


def gz(body: bytes) -> int:
    return len(gzip.compress(body, 9))


def fetch(client, url: str) -> bytes:
    with client.get(url) as response:
        assert response.status_code == 200, url
        return response.get_data()


def test_our_own_javascript_is_at_most_11_kb_compressed(client):
    app_js = fetch(client, "/static/app.js")
    service_worker = fetch(client, "/sw.js")
    assert gz(app_js) + gz(service_worker) <= OWN_JS_BUDGET


def test_my_visits_first_load_is_at_most_60_kb_compressed(db, client, login):
    first = happened_visit()
    for n in range(11):  # a busy visitor: a dozen visits
        visit = happened_visit(first.school, team=first.members)
        visit.status = VisitStatus.CONTACTING if n % 2 else VisitStatus.SCHEDULED
    db.session.commit()
    login(first.members[0])
    page = fetch(client, "/visits/")
    html = page.decode()
    assets = re.findall(r'(?:src|href)="(/(?:static/[^"]+|manifest\.webmanifest|sw\.js))"', html)
    files = [a.split("?")[0] for a in assets]  # static URLs carry ?v=<hash of the file>
    assert any(f.endswith("app.js") for f in files) and any("htmx" in f for f in files)
    assets += re.findall(r'data-sw="([^"]+)"', html)  # installed with the first load
    total = gz(page) + sum(gz(fetch(client, url)) for url in set(assets))
    assert total <= FIRST_LOAD_BUDGET, total
