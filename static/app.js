/* fieldapp offline layer (progressive enhancement: every form also works as a plain post).
   What the visitor submits with no signal goes into a queue in IndexedDB, per person, with an
   id made here; it is sent when the signal returns and removed only when the server confirmed
   that id in a well-formed answer. */
(() => {
  "use strict";
  const me = document.currentScript.dataset, DAY = 864e5, BASE = +me.retry || 5e3;
  const $ = (s, el = document) => el.querySelector(s);
  // Whose page this is, read from the page each time: boosted navigations swap only the body.
  const U = () => { const b = $("#sync-status"); return (b && b.dataset.user) || ""; };
  let delay = BASE, timer = 0, sending = false, held = null; // held: items kept here

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
  const last = (t) => tx("meta", t ? "readwrite" : "readonly",
    (s) => (t ? s.put({ k: "sent-" + U(), t }) : s.get("sent-" + U())));

  // ---- sending ----------------------------------------------------------------------------
  const json = async (res) => {
    // A Wi-Fi login page answers 200 with HTML: that is no confirmation of anything.
    if (!(res.headers.get("Content-Type") || "").includes("application/json")) throw res.status;
    return res.json();
  };
  const call = (url, init = {}) => {
    // No answer within 15 s, headers or body: given up (and tried again later).
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 15e3);
    return fetch(url, { credentials: "same-origin", signal: ctl.signal, ...init,
      headers: { Accept: "application/json", ...init.headers } });
  };
  async function send() {
    clearTimeout(timer);
    if (sending || !U() || !navigator.onLine) return;
    sending = true;
    let ended = false;
    try {
      const waiting = (await mine()).filter((i) => i.state === "waiting");
      if (!waiting.length) return;
      const t = await call(me.token);
      if (t.status === 401) { ended = true; return; } // sent after the next sign-in
      const token = await json(t);
      if (String(token.user) !== U()) return; // someone else's session: never theirs to send
      for (let n = 0; n < waiting.length; n += 20) {
        const batch = waiting.slice(n, n + 20);
        const res = await call(me.sync, { method: "POST", body: JSON.stringify({ items: batch.map(
          (i) => ({ id: i.id, kind: i.kind, visit_id: i.visit_id, written_at: i.written_at, data: i.data })) }),
          headers: { "Content-Type": "application/json", "X-CSRFToken": token.token } });
        if (res.status === 401) { ended = true; return; }
        if (!res.ok) throw res.status;
        const body = await json(res);
        if (!body || !Array.isArray(body.results)) throw 0;
        for (const r of body.results) {
          const item = r && batch.find((i) => i.id === r.id);
          if (!item) continue;
          if (r.status === "stored") await drop(item.id);
          else if (r.status === "refused")
            await put({ ...item, state: "refused", reason: String(r.reason || T("refused")) });
        }
      }
      await last(Date.now());
      delay = BASE;
    } catch (err) {
      delay = Math.min(delay * 2, 3e5); // a 500, a time-out, no answer: try again later
    } finally {
      sending = false;
      document.documentElement.dataset.session = ended ? "ended" : "";
      const left = await show();
      if (left && !ended) timer = setTimeout(send, delay);
    }
  }

  // ---- writing with no signal -----------------------------------------------------------
  const uuid = () => (crypto.randomUUID ? crypto.randomUUID()
    : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
      (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16)));
  const idOf = (form) => form.elements.client_id.value || (form.elements.client_id.value = uuid());

  async function keep(form) {
    const data = {};
    for (const [k, v] of new FormData(form))
      if (typeof v === "string" && k !== "csrf_token" && k !== "client_id") data[k] = v;
    await put({ id: idOf(form), user: U(), kind: form.dataset.offline, visit_id: +form.dataset.visit,
      label: form.dataset.label, written_at: new Date().toISOString(), data, state: "waiting" });
    form.elements.client_id.value = "";
    if (form.dataset.offline === "reflection") form.hidden = true;
    else form.reset();
    const note = document.createElement("p");
    note.className = "banner saved";
    note.setAttribute("role", "status");
    note.textContent = T("saved");
    form.before(note);
    await show();
    send();
  }

  document.addEventListener("submit", (e) => {
    const form = e.target, by = e.submitter;
    if (form.matches("form[data-signout]")) return signOut(e, form);
    if (!U() || !form.matches("form[data-offline]")) return;
    idOf(form);
    if (navigator.onLine) return; // a normal post; if it fails on the way, it is kept below
    e.preventDefault();
    e.stopImmediatePropagation();
    if (by && (by.name || by.hasAttribute("formaction"))) {
      alert(T("needs_signal"));
      return;
    }
    if (form.elements.outcome && form.elements.outcome.value === "do_not_contact") {
      if (!confirm(T("confirm_dnc"))) return;
      form.elements.confirm.value = "yes";
    }
    keep(form);
  }, true);
  const failed = (e) => {
    const form = e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("form[data-offline]");
    if (!form || !U() || (e.detail.xhr && e.detail.xhr.status && e.detail.xhr.status < 500)) return;
    if (e.detail.shouldSwap !== undefined) e.detail.shouldSwap = false;
    keep(form);
  };
  for (const n of ["htmx:sendError", "htmx:timeout"]) document.addEventListener(n, failed);
  document.addEventListener("htmx:beforeSwap", (e) => e.detail.xhr.status >= 500 && failed(e));

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
    li.append(el("strong", T(i.kind === "reflection" ? "reflection" : "contact", { label: i.label || "" })),
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
    const waiting = items.filter((i) => i.state === "waiting"), sent = U() && (await last());
    held = items.length;
    if (bar) {
      bar.hidden = false;
      const parts = [T(navigator.onLine ? "online" : "offline")];
      if (waiting.length) parts.push(T("waiting", { n: waiting.length }));
      if (items.length > waiting.length) parts.push(T("not_accepted", { n: items.length - waiting.length }));
      if (sent && sent.t) parts.push(T("last_sent", { time: time(sent.t) }));
      if (document.documentElement.dataset.session === "ended" && waiting.length)
        parts.push(T("sign_in_to_send"));
      $(".state", bar).textContent = parts.join(" · ");
      bar.dataset.online = navigator.onLine;
      bar.dataset.waiting = waiting.length; // tests wait on it: absent until the queue was read
      const old = waiting.some((i) => Date.now() - Date.parse(i.written_at) > 3 * DAY);
      $(".warn", bar).hidden = !old;
      $(".count", bar).textContent = waiting.length || "";
      const list = $("ul", bar);
      list.replaceChildren(...items.map(row));
      $("details", bar).hidden = !items.length;
    }
    for (const box of document.querySelectorAll("[data-waiting-for]"))
      box.replaceChildren(...items.filter((i) => String(i.visit_id) === box.dataset.waitingFor).map(row));
    return waiting.length;
  }

  // ---- signing out on a shared phone ----------------------------------------------------
  async function signOut(e, form) {
    const pages = () => caches.keys().then((ks) =>
      Promise.all(ks.filter((k) => k.startsWith("fa-pages-")).map((k) => caches.delete(k))));
    if (form.dataset.cleared) return;
    if (held === 0) { // nothing to ask about: sign out at once
      try { localStorage.removeItem("fa-warm-" + U()); pages().catch(() => {}); } catch (err) { /* */ }
      return;
    }
    e.preventDefault();
    try {
      const items = U() ? await mine() : [];
      if (items.length && !confirm(T("confirm_sign_out", { n: items.length }))) return;
      for (const i of items) await drop(i.id);
      await tx("meta", "readwrite", (s) => s.delete("sent-" + U()));
      localStorage.removeItem("fa-warm-" + U());
      await pages();
    } catch (err) { /* no storage here (not HTTPS): nothing was kept to clear */ }
    form.dataset.cleared = "1";
    form.submit();
  }

  // ---- keeping the coming days' pages on the phone --------------------------------------
  async function warm() {
    const key = "fa-warm-" + U();
    const fresh = Date.now() - (+localStorage.getItem(key) || 0) < 6e5;
    if (!navigator.onLine) return;
    if (!fresh || !(await caches.has("fa-pages-" + U()))) {
      const list = await json(await call(me.pages));
      if (String(list.user) !== U()) return;
      const cache = await caches.open("fa-pages-" + U());
      for (const url of list.pages) {
        const res = await fetch(url, { credentials: "same-origin" });
        if (res.status === 200 && res.headers.get("X-Fieldapp-User") === U())
          await cache.put(url.replace(/[?&]ahead=1$/, ""), res);
      }
      localStorage.setItem(key, Date.now());
    }
    document.documentElement.dataset.warm = "done";
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
    show();
    send();
    const sw = navigator.serviceWorker;
    if (!sw) return;
    if (U()) sw.register(me.sw).then(() => sw.ready).then((r) => r.active.postMessage({ user: U() }))
      .then(warm).catch(() => {});
    else if (sw.controller) sw.controller.postMessage({ user: "" });
  }
  addEventListener("online", send);
  addEventListener("offline", show);
  document.addEventListener("htmx:afterSettle", (e) => e.detail.target === document.body && start());
  start();
})();
