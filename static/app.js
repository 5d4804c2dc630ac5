/* fieldapp offline layer (progressive enhancement: every form also works as a plain post).
   Outbox first: every field write (a contact, an agreement, a time, a reflection, a draft, a
   follow-up done) goes into a queue in IndexedDB, per person, with an id made here, *before* it
   is sent; it leaves the queue only when the server confirmed that id (X-Fieldapp-Stored on the
   form's answer, or "stored" from /sync). Leaving the page, Back, a closed tab, a 401 or a
   request that hangs: the item stays, and is sent again later; the server stores an id once. */
(() => {
  "use strict";
  const me = document.currentScript.dataset, DAY = 864e5, BASE = +me.retry || 5e3;
  // With no answer by then, the person is told at once that the item is safe on the phone.
  const SAVED_AFTER = +me.savedAfter || 2500;
  const $ = (s, el = document) => el.querySelector(s);
  // Whose page this is, read from the page each time: boosted navigations swap only the body.
  const U = () => { const b = $("#sync-status"); return (b && b.dataset.user) || ""; };
  let delay = BASE, timer = 0;

  // The words shown, in the page's language: a JSON block from base.html (templates/sync/
  // _strings.html, English by default). T("last_sent", { time }) fills "{time}"; a plural
  // ({one, other}) picks its form by n. A missing word shows its key.
  const LANG = document.documentElement.lang || "en", plural = new Intl.PluralRules(LANG);
  let WORDS = {};
  try { WORDS = JSON.parse($("#i18n-strings").textContent); } catch (err) { /* keys shown */ }
  const T = (key, vars = {}) => {
    let s = WORDS[key] || key;
    if (typeof s === "object") s = s[plural.select(vars.n)] || s.other;
    return String(s).replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
  };

  // ---- the queue ------------------------------------------------------------------------
  const open = () => new Promise((ok, ko) => {
    const r = indexedDB.open("fieldapp", 1);
    r.onupgradeneeded = () => {
      const db = r.result;
      if (!db.objectStoreNames.contains("items")) db.createObjectStore("items", { keyPath: "id" });
      if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "k" });
    };
    r.onsuccess = () => ok(r.result);
    r.onerror = () => ko(r.error);
  });
  const tx = async (store, mode, fn) => {
    const db = await open();
    return new Promise((ok, ko) => {
      const t = db.transaction(store, mode), req = fn(t.objectStore(store));
      t.oncomplete = () => { db.close(); ok(req && req.result); };
      t.onerror = t.onabort = () => { db.close(); ko(t.error); };
    });
  };
  const mine = async () => ((await tx("items", "readonly", (s) => s.getAll())) || [])
    .filter((i) => U() && i.user === U()).sort((a, b) => (a.written_at < b.written_at ? -1 : 1));
  const put = (item) => tx("items", "readwrite", (s) => s.put(item));
  const drop = (id) => tx("items", "readwrite", (s) => s.delete(id));
  // Dropped only as it was sent: a draft typed on meanwhile (same id, later text) stays.
  const dropSent = (sent) => tx("items", "readwrite", (s) => {
    const r = s.get(sent.id);
    r.onsuccess = () => r.result && r.result.written_at === sent.written_at && s.delete(sent.id);
  });
  const last = (t) => tx("meta", t ? "readwrite" : "readonly",
    (s) => (t ? s.put({ k: "sent-" + U(), t }) : s.get("sent-" + U())));

  // ---- sending what waits --------------------------------------------------------------
  const json = async (res) => {
    // A Wi-Fi login page answers 200 with HTML: that is no confirmation of anything.
    if (!(res.headers.get("Content-Type") || "").includes("application/json")) throw res.status;
    return res.json();
  };
  const call = (url, init = {}, ms = 15e3) => {
    // No answer within 15 s, headers or body: given up (and tried again later).
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), ms);
    return fetch(url, { credentials: "same-origin", signal: ctl.signal, ...init,
      headers: { Accept: "application/json", ...init.headers } });
  };
  const ended = (yes) => { document.documentElement.dataset.session = yes ? "ended" : ""; };
  // One send at a time. Asked again meanwhile (the signal came back during a send that found
  // none), it runs once more after; a caller that awaits it waits for that too.
  let sendingNow = null, again = false;
  function send() {
    if (sendingNow) { again = true; return sendingNow; }
    sendingNow = (async () => { do { again = false; await sendAll().catch(() => {}); } while (again); })()
      .finally(() => { sendingNow = null; });
    return sendingNow;
  }
  async function sendAll() {
    clearTimeout(timer);
    if (!U() || !navigator.onLine) return show();
    let stop = false;
    try {
      const waiting = (await mine()).filter((i) => i.state === "waiting");
      if (!waiting.length) return;
      const t = await call(me.token);
      if (t.status === 401) { stop = true; ended(true); return; } // sent after the next sign-in
      const token = await json(t);
      if (String(token.user) !== U()) return; // someone else's session: never theirs to send
      ended(false);
      for (let n = 0; n < waiting.length; n += 20) {
        const batch = waiting.slice(n, n + 20);
        const res = await call(me.sync, { method: "POST", body: JSON.stringify({ items: batch.map(
          (i) => ({ id: i.id, kind: i.kind, visit_id: i.visit_id, follow_up_id: i.follow_up_id,
            written_at: i.written_at, data: i.data })) }),
          headers: { "Content-Type": "application/json", "X-CSRFToken": token.token } });
        if (res.status === 401) { stop = true; ended(true); return; }
        if (!res.ok) throw res.status;
        const body = await json(res);
        if (!body || !Array.isArray(body.results)) throw 0;
        for (const r of body.results) {
          const item = r && batch.find((i) => i.id === r.id);
          if (!item) continue;
          if (r.status === "stored") await dropSent(item);
          else if (r.status === "refused")
            await put({ ...item, state: "refused", reason: String(r.reason || T("refused")) });
        }
      }
      await last(Date.now());
      delay = BASE;
    } catch (err) {
      delay = Math.min(delay * 2, 3e5); // a 500, a time-out, no answer: try again later
    } finally {
      const left = await show();
      if (left && !stop) timer = setTimeout(send, delay);
    }
  }

  // ---- the outbox: every field form writes here first, then is sent ----------------------
  const uuid = () => (crypto.randomUUID ? crypto.randomUUID()
    : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
      (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16)));
  const idOf = (form) => form.elements.client_id.value || (form.elements.client_id.value = uuid());
  const fields = (form) => {
    const data = {};
    for (const [k, v] of new FormData(form))
      if (typeof v === "string" && k !== "csrf_token" && k !== "client_id") data[k] = v;
    return data;
  };
  const itemOf = (form, kind, id) => ({ id, user: U(), kind, label: form.dataset.label,
    visit_id: form.dataset.visit ? +form.dataset.visit : undefined,
    follow_up_id: form.dataset.followUp ? +form.dataset.followUp : undefined,
    written_at: new Date().toISOString(), data: fields(form), state: "waiting" });
  const draftButton = (by) => by && by.matches("[data-draft]");
  const draftsOf = async (visitId) => (await mine())
    .filter((i) => i.kind === "draft" && i.visit_id === visitId && i.state === "waiting");

  const pending = new Map(); // item id → the form whose request is on its way
  const requests = new WeakMap(); // an htmx request → its item id

  function busy(form, id, kind) {
    const buttons = [...form.querySelectorAll("button")].filter((b) => !b.disabled);
    for (const b of buttons) b.disabled = true;
    const main = form.querySelector("button[type=submit]:not([name]):not([formaction])");
    const label = main && main.textContent;
    if (main) main.textContent = T("sending");
    form.setAttribute("aria-busy", "true");
    const timer = setTimeout(() => savedHere(id), SAVED_AFTER);
    pending.set(id, { form, kind, timer, undo: () => {
      for (const b of buttons) b.disabled = false;
      if (main) main.textContent = label;
      form.removeAttribute("aria-busy");
    } });
  }
  function settle(id) {
    const p = pending.get(id);
    if (!p) return null;
    pending.delete(id);
    clearTimeout(p.timer);
    p.undo();
    return p;
  }
  function savedHere(id) {
    // No answer yet (or no trustworthy one): the item is on the phone and goes by itself.
    const { form, kind } = settle(id) || {};
    if (form && form.isConnected && kind !== "draft") {
      if (form.elements.client_id) form.elements.client_id.value = "";
      if (kind === "reflection" || kind === "schedule") form.hidden = true;
      else form.reset();
      const note = el("p", T("saved"), { className: "banner saved" });
      note.setAttribute("role", "status");
      form.before(note);
    } else if (kind === "draft" && $("#draft-status")) {
      $("#draft-status").textContent = T("draft_kept", { time: time(Date.now()) });
    }
    show().then(() => { clearTimeout(timer); timer = setTimeout(send, 300); });
  }

  document.addEventListener("htmx:confirm", (e) => {
    const form = e.detail.elt, by = e.detail.triggeringEvent && e.detail.triggeringEvent.submitter;
    if (!U() || !(form instanceof HTMLFormElement) || !form.matches("form[data-offline]")) return;
    if (by && by.name && !draftButton(by)) { // a button that changes the form (a follow-up row)
      if (!navigator.onLine) { e.preventDefault(); alert(T("needs_signal")); }
      return;
    }
    if (form.elements.outcome && form.elements.outcome.value === "do_not_contact" &&
        form.elements.confirm.value !== "yes") {
      if (!confirm(T("confirm_dnc"))) { e.preventDefault(); return; }
      form.elements.confirm.value = "yes";
    }
    e.preventDefault();
    const kind = draftButton(by) ? "draft" : form.dataset.offline, visitId = +form.dataset.visit;
    if (kind === "reflection") clearTimeout(draftTimer); // the reflection itself supersedes it
    // A draft never takes the form's own id: that one belongs to the reflection itself.
    const id = kind === "draft" ? uuid() : idOf(form), own = form.elements.client_id.value;
    const item = itemOf(form, kind, id);
    const go = () => {
      form.elements.client_id.value = id;
      form.dataset.item = id;
      e.detail.issueRequest(true); // the form's values are read now, with this id
      form.elements.client_id.value = own;
    };
    (async () => {
      await put(item);
      if (kind === "reflection") for (const d of await draftsOf(visitId)) await drop(d.id);
      busy(form, id, kind);
      show();
      go();
    })().catch(go); // no storage on this phone (a private window): a plain request still works
  });
  document.addEventListener("htmx:beforeRequest", (e) => {
    const id = e.detail.elt && e.detail.elt.dataset && e.detail.elt.dataset.item;
    if (id && pending.has(id)) requests.set(e.detail.xhr, id);
  });
  document.addEventListener("htmx:beforeOnLoad", (e) => {
    const xhr = e.detail.xhr, id = requests.get(xhr);
    if (!id) return;
    const form = e.detail.elt, gone = !form.isConnected;
    if (xhr.getResponseHeader("X-Fieldapp-Stored") === id) {
      settle(id);
      if (form.elements.client_id && form.elements.client_id.value === id) form.elements.client_id.value = "";
      drop(id).then(() => last(Date.now())).then(show);
      if (gone) e.preventDefault(); // the person has moved on: never pull them back
    } else if (xhr.getResponseHeader("X-Fieldapp-Refused") === id) {
      // The form comes back with the messages beside its fields and what was typed. When the
      // person has left the page, the item stays on the phone, not accepted, with its text.
      settle(id);
      if (gone) {
        e.preventDefault();
        tx("items", "readonly", (s) => s.get(id)).then((i) =>
          i && put({ ...i, state: "refused", reason: T("refused_form") })).then(show);
      } else drop(id).then(show);
    } else {
      // No confirmation: a 401 (the session ended), a 5xx, a Wi-Fi login page. The page and what
      // was typed stay; the item waits on the phone.
      e.preventDefault();
      if (xhr.status === 401) ended(true);
      savedHere(id);
    }
  });
  for (const n of ["htmx:sendError", "htmx:timeout", "htmx:sendAbort"])
    document.addEventListener(n, (e) => {
      const id = e.detail.xhr && requests.get(e.detail.xhr);
      if (id && pending.has(id)) savedHere(id);
    });

  // ---- drafts of a reflection: kept on the phone as the team types, sent when they can ----
  let draftTimer = 0;
  async function keepDraft(form) {
    if (form.hidden || [...pending.values()].some((p) => p.form === form)) return; // it is sent
    const visitId = +form.dataset.visit, [old] = await draftsOf(visitId);
    await put(itemOf(form, "draft", old ? old.id : uuid()));
    const box = $("#draft-status");
    if (box) box.textContent = T("draft_kept", { time: time(Date.now()) });
    await show();
    send();
  }
  document.addEventListener("input", (e) => {
    const form = e.target.form;
    if (!U() || !form || form.dataset.offline !== "reflection") return;
    clearTimeout(draftTimer);
    draftTimer = setTimeout(() => keepDraft(form).catch(() => {}), 800);
  });
  async function restoreDraft() {
    // A draft still on the phone is newer than anything the server has: it is put back.
    const form = $("form[data-offline=reflection]");
    if (!form || !U()) return;
    const [d] = await draftsOf(+form.dataset.visit);
    if (!d) return;
    for (const [k, v] of Object.entries(d.data)) {
      const f = form.elements[k];
      if (f && !(f instanceof RadioNodeList) && f.type !== "hidden") f.value = v;
    }
    const box = $("#draft-status");
    if (box) box.textContent = T("draft_restored", { time: time(d.written_at) });
  }

  // ---- what the visitor sees ------------------------------------------------------------
  const el = (tag, text, attrs = {}) => {
    const n = Object.assign(document.createElement(tag), attrs);
    if (text) n.textContent = text;
    return n;
  };
  const text = (i) => Object.entries(i.data).filter(([k, v]) => v && !/^(method|outcome|confirm)$|owner_id|due_on/.test(k))
    .map(([, v]) => v).join("\n\n");
  const time = (t) => new Date(t).toLocaleString(LANG, { dateStyle: "short", timeStyle: "short" });

  function row(i) {
    const li = el("li", "", { className: i.state });
    const kind = ["reflection", "draft", "schedule", "follow_up_done"].includes(i.kind) ? i.kind : "contact";
    li.append(el("strong", T(kind, { label: i.label || "" })),
      el("span", " · " + T("written", { time: time(i.written_at) }), { className: "meta" }), el("br"));
    if (i.state === "waiting") li.append(T("waiting_row"));
    else {
      li.append(el("span", T("not_accepted_reason", { reason: i.reason }), { className: "reason" }), el("br"));
      const mail = "mailto:?subject=" + encodeURIComponent(T("mail_subject", { label: i.label || "" })) +
        "&body=" + encodeURIComponent(i.reason + "\n\n" + text(i));
      const b = (label, fn) => { const x = el("button", label, { type: "button" }); x.onclick = fn; return x; };
      li.append(b(T("copy"), () => navigator.clipboard.writeText(text(i))),
        el("a", T("email_coordinator"), { href: mail, className: "button" }),
        b(T("try_again"), async () => { await put({ ...i, state: "waiting" }); send(); }),
        b(T("delete"), async () => { if (confirm(T("confirm_delete"))) { await drop(i.id); show(); } }));
    }
    return li;
  }

  async function show() {
    const items = U() ? await mine() : [], bar = $("#sync-status");
    // Drafts are counted on their own page (#draft-status), not as "waiting" in the bar.
    const waiting = items.filter((i) => i.state === "waiting"), sent = U() && (await last());
    const notes = waiting.filter((i) => i.kind !== "draft");
    const session = document.documentElement.dataset.session === "ended";
    if (bar) {
      bar.hidden = false;
      const parts = [T(navigator.onLine ? "online" : "offline")];
      if (notes.length) parts.push(T("waiting", { n: notes.length }));
      if (items.length > waiting.length) parts.push(T("not_accepted", { n: items.length - waiting.length }));
      if (sent && sent.t) parts.push(T("last_sent", { time: time(sent.t) }));
      $(".state", bar).textContent = parts.join(" · ");
      bar.dataset.online = navigator.onLine;
      bar.dataset.waiting = waiting.length; // tests wait on it: absent until the queue was read
      const old = waiting.some((i) => Date.now() - Date.parse(i.written_at) > 3 * DAY);
      $(".warn", bar).hidden = !old;
      $(".persist", bar).hidden = !(waiting.length && document.documentElement.dataset.persist === "no");
      // The session ended: what waits is sent after signing in again, back on this page.
      const again = $(".session", bar);
      again.hidden = !(session && waiting.length);
      $("a", again).href = me.login + "?next=" + encodeURIComponent(location.pathname + location.search);
      $(".count", bar).textContent = notes.length || "";
      const list = $("ul", bar);
      list.replaceChildren(...items.map(row));
      $("details", bar).hidden = !items.length;
    }
    for (const box of document.querySelectorAll("[data-waiting-for]"))
      box.replaceChildren(...items.filter((i) => i.kind !== "draft" &&
        String(i.visit_id) === box.dataset.waitingFor).map(row));
    return waiting.length;
  }

  // ---- signing out on a shared phone ----------------------------------------------------
  // Only the server can end the session: the phone cleans up after the server said so, never
  // before (with no signal the cookie would stay valid for the next person). What waits is sent
  // once more first; only what still could not be sent is asked about before it is deleted.
  async function signOut(e, form) {
    e.preventDefault();
    const button = $("button", form), label = button.textContent, say = (key) => {
      const box = $("#flashes");
      if (box) box.replaceChildren(el("p", T(key), { className: "flash flash-warning" }));
    };
    if (button.disabled) return;
    let after = me.login;
    button.disabled = true;
    button.textContent = T("signing_out");
    try {
      if (!navigator.onLine) throw 0;
      await send();
      const items = U() ? await mine() : [];
      if (items.length && !confirm(T("confirm_sign_out", { n: items.length }))) return;
      const t = await call(me.token, {}, 8e3);
      if (t.status !== 401) { // 401: the server had already ended this session
        const { token } = await json(t);
        const answer = await json(await call(form.action, { method: "POST",
          headers: { "X-CSRFToken": token } }, 8e3));
        if (!answer.signed_out) throw 0;
        after = answer.next || after; // e.g. offering the district account's sign-out too
      }
    } catch (err) {
      say("sign_out_needs_signal");
      return;
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
    try {
      for (const i of await mine()) await drop(i.id);
      await tx("meta", "readwrite", (s) => s.delete("sent-" + U()));
      localStorage.removeItem("fa-warm-" + U());
      await caches.keys().then((ks) =>
        Promise.all(ks.filter((k) => k.startsWith("fa-pages-")).map((k) => caches.delete(k))));
      const sw = navigator.serviceWorker && navigator.serviceWorker.controller;
      if (sw) sw.postMessage({ user: "" });
    } catch (err) { /* no storage here (not HTTPS): nothing was kept to clear */ }
    location.replace(after);
  }
  document.addEventListener("submit", (e) => {
    if (e.target.matches("form[data-signout]") && U()) signOut(e, e.target);
  }, true);

  // ---- keeping the visitor's pages on the phone -----------------------------------------
  // The list comes from the server (/sync/pages); the service worker keeps each page it is
  // asked for with X-Fieldapp-Keep (templates/sync/sw.js), and bounds what it holds.
  async function warm() {
    const key = "fa-warm-" + U();
    const fresh = Date.now() - (+localStorage.getItem(key) || 0) < 6e5;
    if (navigator.onLine && (!fresh || !(await caches.has("fa-pages-" + U())))) {
      const list = await json(await call(me.pages));
      if (String(list.user) !== U()) return;
      const sw = navigator.serviceWorker;
      if (!sw.controller) // the worker takes the page over as it starts (clients.claim)
        await new Promise((ok) => { sw.addEventListener("controllerchange", ok, { once: true }); setTimeout(ok, 3e3); });
      for (const url of list.pages) // the body is read to its end: only then is the page kept
        await (await fetch(url, { credentials: "same-origin", headers: { "X-Fieldapp-Keep": "1" } })).blob();
      localStorage.setItem(key, Date.now());
      if (sw.controller) sw.controller.postMessage({ prune: list.pages });
    }
    await marks();
    document.documentElement.dataset.warm = "done";
  }
  async function marks() {
    // On My visits: which cards open with no signal.
    const cache = await caches.open("fa-pages-" + U());
    for (const mark of document.querySelectorAll("[data-kept-url]"))
      mark.hidden = !(await cache.match(mark.dataset.keptUrl, { ignoreVary: true }));
  }
  async function persist() {
    // A cheap phone that runs out of space may delete a site's data unless it was asked to keep
    // it. The answer is shown when something waits (#sync-status .persist).
    const st = navigator.storage;
    if (!st || !st.persist) return;
    const kept = (await st.persisted()) || (await st.persist());
    document.documentElement.dataset.persist = kept ? "yes" : "no";
    show();
  }
  function kept() {
    // A page the service worker drew from the phone says so, and when it was kept.
    const main = $("#main[data-kept-at]"), box = $("#kept-copy");
    if (main && box) {
      box.textContent = T("kept_copy", { time: time(+main.dataset.keptAt) });
      box.hidden = false;
    }
  }

  // ---- copying a link or a text (the calendar feed's, an invitation) -----------------------
  document.addEventListener("click", async (e) => {
    const b = e.target.closest && e.target.closest("button[data-copy]");
    if (!b) return;
    const field = document.getElementById(b.dataset.copy);
    try {
      await navigator.clipboard.writeText(field.value);
      b.textContent = b.dataset.copied || "Copied";
    } catch (err) { field.select(); } // then the phone's own Copy
  });

  // ---- after an HTMX swap: where the focus goes, what is said ---------------------------------
  // A new page (boosted): its first invalid field, else its main content, read out from the top.
  // A part of a page: its first invalid field; or itself, when the focused element went with the
  // swap; and its heading is announced (unless it speaks for itself, aria-live).
  document.addEventListener("htmx:afterSettle", (e) => {
    let t = e.detail.target;
    if (!t.isConnected && t.id) t = document.getElementById(t.id) || t; // an outerHTML swap
    const page = t === document.body, at = document.activeElement;
    const to = t.querySelector("[aria-invalid=true]") || (page ? $("#main") : !at || at === document.body ? t : null);
    if (to) {
      if (!to.matches("a[href],button,input,select,textarea,[tabindex]")) to.tabIndex = -1;
      to.focus({ preventScroll: !page });
    }
    const say = $("#announce"), head = !page && !t.closest("[aria-live]") && t.querySelector("h1,h2,h3,caption");
    if (say && head) say.textContent = head.textContent.trim();
  });

  function start() {
    for (const a of document.querySelectorAll("[data-show-after]"))
      if (Date.parse(a.dataset.showAfter) <= Date.now()) a.hidden = false;
    if (navigator.clipboard) for (const b of document.querySelectorAll("button[data-copy]")) b.hidden = false;
    kept();
    restoreDraft().catch(() => {}).then(show).then(send);
    const sw = navigator.serviceWorker;
    if (!sw) return;
    if (U()) {
      persist().catch(() => {});
      sw.register(me.sw).then(() => sw.ready).then((r) => r.active.postMessage({ user: U() }))
        .then(warm).catch(() => {});
    } else if (sw.controller) sw.controller.postMessage({ user: "" });
  }
  addEventListener("online", send);
  // A page brought back by Back (the browser's back-forward cache) or to the front again: what
  // was written meanwhile, in another page, waits in the queue.
  addEventListener("pageshow", (e) => e.persisted && start());
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && send());
  addEventListener("offline", show);
  document.addEventListener("htmx:afterSettle", (e) => e.detail.target === document.body && start());
  start();
})();
