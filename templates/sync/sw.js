{# The service worker. Keeps the app shell (per version) and the signed-in person's visit pages
   (per person) so that they open with no signal. It never touches the queue of written items:
   that lives in IndexedDB, owned by static/app.js. Comments are Jinja's: not sent. #}
/* fieldapp service worker {{ version }} {{ language }} */
"use strict";
const V = {{ version | tojson }}, STATIC = "fa-static-" + V, PAGES = "fa-pages-",
  FILES = {{ files | tojson }}, OFFLINE = {{ offline | tojson }},
  STATIC_PREFIX = {{ url_for('static', filename='') | tojson }},
  PAGE_PREFIX = {{ url_for('visits.my_visits') | tojson }}, META = "fa-meta";
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

async function page(req) {
  try {
    const ctl = new AbortController(), t = setTimeout(() => ctl.abort(), 10000);
    const res = await fetch(req, { signal: ctl.signal });
    clearTimeout(t);
    const who = res.headers.get("X-Fieldapp-User");
    if (who !== null) await seen(who);
    if (who && res.status === 200 && new URL(req.url).pathname.startsWith(PAGE_PREFIX))
      await (await caches.open(PAGES + who)).put(req.url, res.clone());
    return res;
  } catch (err) {
    if (user === null) user = (await meta("user")) || "";
    const hit = user && await (await caches.open(PAGES + user)).match(req.url, { ignoreVary: true });
    return hit || (await caches.match(OFFLINE));
  }
}

self.addEventListener("fetch", (e) => {
  const req = e.request, url = new URL(req.url);
  if (url.origin !== location.origin || req.method !== "GET") return;
  if (url.pathname.startsWith(STATIC_PREFIX))
    e.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
  else if (req.mode === "navigate" || req.headers.get("HX-Boosted"))
    e.respondWith(page(req));
});

self.addEventListener("message", (e) => {
  {# The page says whose it is (the person signed in, or "" for nobody). #}
  if (e.data && typeof e.data.user === "string") e.waitUntil(seen(e.data.user));
});
