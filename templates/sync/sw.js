{# The service worker. Keeps the app shell (per version) and the signed-in person's pages (per
   person) so that they open with no signal, and fast on a signal that hangs: a kept page is
   shown when the network has not answered within FRESH ms, and refreshed behind it. It never
   touches the queue of written items: that lives in IndexedDB, owned by static/app.js.
   Comments are Jinja's: not sent. #}
/* fieldapp service worker {{ version }} {{ language }} */
"use strict";
const V = {{ version | tojson }}, STATIC = "fa-static-" + V, PAGES = "fa-pages-",
  FILES = {{ files | tojson }}, OFFLINE = {{ offline | tojson }},
  STATIC_PREFIX = {{ url_for('static', filename='') | tojson }},
  PAGE_PREFIX = {{ url_for('visits.my_visits') | tojson }}, META = "fa-meta",
  FRESH = {{ fresh_ms | tojson }}, WAIT = 15000, MAX_KEPT = {{ max_kept | tojson }},
  KEEP_DAYS = {{ keep_days | tojson }};
{# user: whose pages may be served, the last person the server (or the page) named #}
let user = null;

async function meta(key, value) {
  const c = await caches.open(META), req = new Request("/__fa/" + key);
  if (value === undefined) { const r = await c.match(req); return r ? r.json() : null; }
  await c.put(req, new Response(JSON.stringify(value)));
}

self.addEventListener("install", (e) => e.waitUntil(
  caches.open(STATIC).then((c) => c.addAll([...FILES, OFFLINE])).then(() => self.skipWaiting())));

self.addEventListener("activate", (e) => e.waitUntil((async () => {
  {# The previous version's files are kept too: a page kept by it still finds its styles. #}
  const kept = ((await meta("versions")) || []).filter((v) => v !== V).slice(-1).concat(V);
  await meta("versions", kept);
  for (const k of await caches.keys())
    if (k.startsWith("fa-static-") && !kept.includes(k.slice(10))) await caches.delete(k);
  await self.clients.claim();
})()));

async function seen(who) {
  {# A page for nobody (signed out, session ended) or for someone else: the pages kept for
     anyone else are dropped, never shown to the next person on a shared phone. #}
  if (user === null) user = (await meta("user")) || "";
  if (who === user) return;
  user = who;
  await meta("user", who);
  for (const k of await caches.keys())
    if (k.startsWith(PAGES) && k !== PAGES + who) await caches.delete(k);
}

{# The key a page is kept under: without the markers the phone's warm-up adds. #}
const keyOf = (url) => url.replace(/([?&])(ahead|kept)=1(&|$)/, (m, a, k, b) => (b ? a : "")).replace(/[?&]$/, "");
const wait = (ms) => new Promise((ok) => setTimeout(ok, ms));

async function keep(who, key, res) {
  {# The page is marked as kept (and when) for the page script, which says so when it is shown. #}
  const at = Date.now(), html = (await res.text()).replace('<main id="main"', `<main id="main" data-kept-at="${at}"`);
  const headers = new Headers(res.headers);
  headers.set("X-Fieldapp-Kept-At", String(at));
  await (await caches.open(PAGES + who)).put(key, new Response(html, { status: 200, headers }));
}

async function prune(wanted) {
  {# Bounded: pages older than KEEP_DAYS or no longer on the person's list go, and at most
     MAX_KEPT stay (the newest). #}
  if (user === null) user = (await meta("user")) || "";
  if (!user) return;
  const cache = await caches.open(PAGES + user), keep = wanted && new Set(wanted.map((u) => keyOf(new URL(u, location).href)));
  const rows = [];
  for (const req of await cache.keys()) {
    const res = await cache.match(req), at = +(res && res.headers.get("X-Fieldapp-Kept-At")) || 0;
    if (Date.now() - at > KEEP_DAYS * 864e5 || (keep && !keep.has(req.url))) await cache.delete(req);
    else rows.push([at, req]);
  }
  rows.sort((a, b) => b[0] - a[0]);
  for (const [, req] of rows.slice(MAX_KEPT)) await cache.delete(req);
}

async function page(e, req) {
  if (user === null) user = (await meta("user")) || "";
  const key = keyOf(req.url), asked = req.headers.get("X-Fieldapp-Keep") === "1";
  const mine = user && await caches.open(PAGES + user);
  const hit = mine && !asked && await mine.match(key, { ignoreVary: true });
  const ctl = new AbortController(), t = setTimeout(() => ctl.abort(), WAIT);
  const net = fetch(req, { signal: ctl.signal }).then(async (res) => {
    clearTimeout(t);
    {# A redirect (signed in already, a session that ended): followed by the browser itself. #}
    if (res.type === "opaqueredirect") return res;
    const who = res.headers.get("X-Fieldapp-User");
    if (who === null) throw new Error("not our server"); {# a Wi-Fi login page, say #}
    if (res.status >= 500 && hit) throw new Error("the kept copy is better");
    await seen(who);
    if (who && res.status === 200 && (asked || hit || new URL(key).pathname.startsWith(PAGE_PREFIX)))
      await keep(who, key, res.clone());
    return res;
  });
  if (!hit) return net.catch(() => caches.match(OFFLINE));
  e.waitUntil(net.catch(() => null)); {# the kept copy is refreshed behind the one shown #}
  return Promise.race([net, wait(FRESH).then(() => hit)]).catch(() => hit);
}

self.addEventListener("fetch", (e) => {
  const req = e.request, url = new URL(req.url);
  if (url.origin !== location.origin || req.method !== "GET") return;
  if (url.pathname.startsWith(STATIC_PREFIX))
    e.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
  else if (req.mode === "navigate" || req.headers.get("HX-Boosted") ||
      req.headers.get("HX-History-Restore-Request") || req.headers.get("X-Fieldapp-Keep"))
    e.respondWith(page(e, req));
});

self.addEventListener("message", (e) => {
  {# The page says whose it is (the person signed in, or "" for nobody), or which pages to keep. #}
  if (e.data && typeof e.data.user === "string") e.waitUntil(seen(e.data.user));
  if (e.data && Array.isArray(e.data.prune)) e.waitUntil(prune(e.data.prune));
});
