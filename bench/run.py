"""`make bench`: the app's main pages on district-scale data, against a Flask hello-world, and
the targets of issue #20 with PASS/FAIL in one table at the end.

1. Builds the district dataset (``flask seed-demo --scale district``) once, into
   ``bench/.data/`` (SQLite) or the database of ``BENCH_DB``, and reuses it while the migration
   head, the generator's version and the scale are the same.
2. Serves the app under gunicorn with ``make run``'s settings, signs in the demo accounts of
   each role and drives each role's main pages with wrk twice: ``-c50`` for throughput (shown
   as a share of hello-world's) and ``-c10`` for latency (p95).
   The district-wide reports (every school at once: the programme, impact, district and
   training reports) are timed one request at a time only: seconds a request, too slow for
   wrk's runs, and a target of their own (≤ 250 ms).
3. Serves ``bench/hello.py`` the same way, before and after the pages, and measures it the same
   way: each page's throughput is a share of hello-world's mean, measured in the same run.
4. The mixed run (open loop: reads and writes as phones and laptops send them, latency measured
   from when each request was due, no coordinated omission): a search for the highest arrival
   rate with p95 ≤ 200 ms and no errors (short probes stepping up or down from BENCH_RATE, then
   halving the gap), confirmed for BENCH_MIXED_SECONDS. With BENCH_SERVERS=2 (PostgreSQL in
   BENCH_DB and Redis in BENCH_REDIS) the same search then runs against two app servers, the
   load generator sending to them in turn.
5. The targets' table (figure, target, PASS/FAIL), and the figures as JSON in
   ``bench/.results/latest.json``.

Settings (environment): BENCH_DURATION (seconds per page and pass, 10), BENCH_CONNECTIONS (50:
the throughput pass), BENCH_P95_CONNECTIONS (10: the latency pass), BENCH_THREADS (2), BENCH_DB
(a database URL; default SQLite in bench/.data), BENCH_REDIS (a Redis URL for the app servers),
BENCH_SERVERS (2: also the mixed search on two app servers; needs BENCH_DB on PostgreSQL and
BENCH_REDIS), BENCH_SCALE (1.0), BENCH_RATE (200: where the mixed search starts; with
BENCH_SEARCH=0 the one rate sent), BENCH_RATE_MAX (1000), BENCH_PROBE_SECONDS (10: each probe of
the search), BENCH_MIXED_SECONDS (60: the confirmation; 0 skips the mixed run),
BENCH_WRITE_SHARE (0.2), BENCH_PAGES (comma-separated page names; default all), BENCH_PORT
(5077; hello-world on the next port, a second app server on the one after), BENCH_STRICT (1: exit
1 when a target fails), BENCH_ANALYZE (1: give SQLite's planner statistics first, on a copy),
BENCH_RESET (1: let BENCH_DB's existing data be replaced), BENCH_MIX (all; visitors: the mixed
run sends only the visitors' reads and writes), BENCH_RESULTS (the JSON file's path).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import html
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
PASSWORD = "fieldapp-demo-2026"

TIMEOUT = 10.0  # seconds: an answer later than this counts as an error
CLIENTS = 64  # connections the mixed run's load generator keeps busy at most

# The targets of issue #20. Throughput as a share of hello-world's, measured in the same run.
FLOOR_SHARE = 0.50  # the signed-in no-op: what every page pays before doing anything
PAGE_SHARES = {  # the visitors' pages, on the phone in the field
    "my visits": 0.25,
    "visit detail": 0.20,
    "family card": 0.20,
    "reflection form": 0.20,
}
EVERY_PAGE_SHARE = 0.03  # every page, at district scale
PAGE_P95_MS = 250.0  # every page's p95 in the latency pass (wrk -c10)
MIXED_P95_MS = 200.0  # the mixed run: a rate is held when p95 ≤ this and nothing failed
MIXED_RATE_TARGET = 200.0  # requests/s held for BENCH_MIXED_SECONDS
NOISY_DRIFT = 0.25  # hello-world before and after further apart than this: a warning


@dataclass
class Settings:
    duration: float = 10.0
    connections: int = 50
    p95_connections: int = 10
    threads: int = 2
    db: str | None = None
    redis: str | None = None
    servers: int = 1
    scale: float = 1.0
    rate: float = 200.0
    rate_max: float = 1000.0
    search: bool = True
    probe_seconds: float = 10.0
    mixed_seconds: float = 60.0
    write_share: float = 0.2
    pages: list[str] | None = None
    port: int = 5077
    data: Path = BENCH / ".data"
    results: Path | None = BENCH / ".results" / "latest.json"
    strict: bool = False
    analyze: bool = False
    mix: str = "all"

    @classmethod
    def from_environment(cls) -> Settings:
        env = os.environ.get
        pages = env("BENCH_PAGES")
        return cls(
            duration=float(env("BENCH_DURATION", "10")),
            connections=int(env("BENCH_CONNECTIONS", "50")),
            p95_connections=int(env("BENCH_P95_CONNECTIONS", "10")),
            threads=int(env("BENCH_THREADS", "2")),
            db=env("BENCH_DB") or None,
            redis=env("BENCH_REDIS") or None,
            servers=int(env("BENCH_SERVERS", "1")),
            scale=float(env("BENCH_SCALE", "1.0")),
            rate=float(env("BENCH_RATE", "200")),
            rate_max=float(env("BENCH_RATE_MAX", "1000")),
            search=env("BENCH_SEARCH", "1") != "0",
            probe_seconds=float(env("BENCH_PROBE_SECONDS", "10")),
            mixed_seconds=float(env("BENCH_MIXED_SECONDS", "60")),
            write_share=float(env("BENCH_WRITE_SHARE", "0.2")),
            pages=[p.strip() for p in pages.split(",") if p.strip()] if pages else None,
            port=int(env("BENCH_PORT", "5077")),
            data=Path(env("BENCH_DATA", str(BENCH / ".data"))),
            results=Path(env("BENCH_RESULTS", str(BENCH / ".results" / "latest.json"))),
            strict=env("BENCH_STRICT") == "1",
            analyze=env("BENCH_ANALYZE") == "1",
            mix=env("BENCH_MIX", "all"),
        )

    def check(self) -> None:
        """Two app servers share what one would keep to itself: the database and Redis."""
        if self.servers not in (1, 2):
            raise SystemExit("BENCH_SERVERS is 1 or 2")
        if self.servers == 2 and not (self.db or "").startswith("postgresql"):
            raise SystemExit("BENCH_SERVERS=2 needs BENCH_DB=postgresql+psycopg://…")
        if self.servers == 2 and not self.redis:
            raise SystemExit("BENCH_SERVERS=2 needs BENCH_REDIS=redis://…")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def say(message: str) -> None:
    print(message, flush=True)


# ---- wrk --------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """wrk from Debian; installed here when missing and we are root (CI, fresh machines)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("wrk is missing: sudo apt-get install -y wrk")
    say("Installing wrk (apt-get)…")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"]
    if subprocess.run(install, check=False, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, capture_output=True)
        subprocess.run(install, env=env, check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


# ---- the dataset ------------------------------------------------------------------------------


def migration_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head() or "none"


def dataset_key(scale: float) -> str:
    from bench.district import GENERATOR_VERSION

    return f"head-{migration_head()}_gen-{GENERATOR_VERSION}_scale-{scale:g}"


def app_environment(settings: Settings, url: str) -> dict[str, str]:
    instance = settings.data / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "FLASK_APP": "fieldapp",
        "FIELDAPP_DATABASE_URL": url,
        "FIELDAPP_INSTANCE_PATH": str(instance),
        # The bench signs in a handful of accounts many times; production limits stay as they are.
        "FIELDAPP_LOGIN_RATE_LIMIT": "1000 per minute",
        "PYTHONPATH": str(ROOT),
        # Rate-limit counters, task queue: shared by the app servers (fieldapp/config.py).
        **({"FIELDAPP_REDIS_URL": settings.redis} if settings.redis else {}),
    }


def stored_key(url: str) -> str | None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT value FROM settings WHERE key = 'bench.dataset'")
            ).scalar()
    except Exception:  # no database or no schema yet: it is built
        return None
    finally:
        engine.dispose()


def has_accounts(url: str) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(text("SELECT COUNT(*) FROM users")).scalar())
    except Exception:  # no schema yet
        return False
    finally:
        engine.dispose()


def prepare_dataset(settings: Settings) -> str:
    """The database URL of a current district dataset, built when missing or stale."""
    key = dataset_key(settings.scale)
    settings.data.mkdir(parents=True, exist_ok=True)
    if settings.db:
        url = settings.db
    else:
        path = settings.data / f"district-{hashlib.sha1(key.encode()).hexdigest()[:10]}.db"
        url = f"sqlite:///{path}"
        for old in settings.data.glob("district-*.db*"):
            if not old.name.startswith(path.name):
                old.unlink()  # a dataset of another head, generator or scale
    found = stored_key(url)
    if found == key:
        say(f"Dataset: reusing {key} ({redact(url)})")
        return url
    if settings.db and found is None and has_accounts(url) and os.environ.get("BENCH_RESET") != "1":
        raise SystemExit(
            f"{redact(url)} holds data that the bench did not make; it would be replaced. "
            "Use an empty database, or set BENCH_RESET=1 to replace it."
        )
    say(f"Dataset: building {key} into {redact(url)} …")
    build(settings, url)
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO settings (key, value) VALUES ('bench.dataset', :key)"), {"key": key}
        )
    if url.startswith("sqlite"):
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return url


def with_statistics(settings: Settings, url: str) -> str:
    """A copy of the SQLite dataset with planner statistics (ANALYZE), to see what they change:
    the app never runs ANALYZE itself, so the default run goes without, as production would."""
    if not url.startswith("sqlite:///"):
        return url  # PostgreSQL: the generator ran ANALYZE, as autovacuum would
    source = Path(url.removeprefix("sqlite:///"))
    target = settings.data / f"analyzed-{source.name}"
    if not target.exists():
        for old in settings.data.glob("analyzed-*.db*"):
            old.unlink()
        shutil.copy(source, target)
        with sqlite3.connect(target) as conn:
            conn.execute("ANALYZE")
    say(f"Dataset: with planner statistics (ANALYZE): {target.name}")
    return f"sqlite:///{target}"


def build(settings: Settings, url: str) -> None:
    """Migrations, then `flask seed-demo --scale district --reset`'s service, in this process."""
    from flask_migrate import upgrade

    from bench import district as demo_district
    from fieldapp import create_app
    from fieldapp.extensions import db

    instance = settings.data / "instance"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)})
    with app.app_context():
        upgrade()
        counts = demo_district.seed(settings.scale, reset=True)
        db.session.remove()
        db.engine.dispose()
    say(
        f"Dataset built in {counts['seconds']} s: {counts['schools']} schools, "
        f"{counts['users']} accounts, {counts['students']} students, {counts['visits']} visits"
    )


def redact(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]+@", r"//\1:***@", url)


# ---- servers ----------------------------------------------------------------------------------


class Server:
    """gunicorn with `make run`'s settings: 2 workers, 127.0.0.1, access log."""

    def __init__(self, app: str, port: int, env: dict[str, str], log: Path, chdir: Path = ROOT):
        self.base = f"http://127.0.0.1:{port}"
        self.log = log
        self.command = [
            str(BIN / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-",
            "--chdir",
            str(chdir),
            app,
        ]
        self.env = env
        self.out = log.open("w")
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready()

    def settle(self) -> None:
        """After a run, wait until the workers are idle again: a slow page leaves wrk's last
        requests queued in the listen backlog. When that would take long, restart instead (the
        sessions live in the database, so the cookies stay good)."""
        for _ in range(5):
            started = time.monotonic()
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=3).read()
                if time.monotonic() - started < 0.5:
                    return
            except OSError:
                pass
        say("    (the server is still busy with queued requests: restarting it)")
        self.terminate()
        self.start()

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"gunicorn exited; see {self.log}:\n{self.log.read_text()[-2000:]}"
                )
            try:
                urllib.request.urlopen(self.base + "/", timeout=1).read()
                return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer on {self.base}")

    def stop(self) -> None:
        self.terminate()
        self.out.close()

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# ---- signing in -------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Account:
    name: str
    cookie: str
    csrf: str
    cookie_name: str = ""


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def sign_in(base: str, email: str) -> Account:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(base + "/login", timeout=30).read().decode()
    token = html.unescape(CSRF_INPUT.search(page).group(1))
    form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token})
    try:
        opener.open(base + "/login", data=form.encode(), timeout=30)
    except urllib.error.HTTPError as exc:
        if exc.code != 303:
            raise SystemExit(f"Signing in {email} failed: HTTP {exc.code}") from exc
    # The CSRF token of the signed-in session, from a page with a form on it; making it changes
    # the session, so the cookie is read after.
    account_page = opener.open(base + "/account", timeout=30).read().decode()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    match = re.search(r'"X-CSRFToken": "([^"]+)"', account_page) or CSRF_INPUT.search(account_page)
    return Account(email.split("@", maxsplit=1)[0], cookie, html.unescape(match.group(1)))


def status_of(base: str, path: str, cookie: str) -> int:
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})
    try:
        with opener.open(request, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0  # no answer in time


# ---- what to measure --------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    role: str
    account: str
    path: str


@dataclass
class Fixtures:
    """Ids the pages and writes need, looked up in the dataset."""

    pages: list[Page]
    # District-wide reports (every school at once), timed one request at a time: too slow for
    # wrk's runs (seconds a request), and pages a district's admin or trainer opens all the same.
    reports: list[Page] = field(default_factory=list)
    # account -> (visit ids for contact posts, visit ids for draft autosaves, visit ids whose
    # reflection can be sent by sync)
    contact_visits: dict[str, list[int]] = field(default_factory=dict)
    draft_visits: dict[str, list[int]] = field(default_factory=dict)
    reflect_visits: dict[str, list[int]] = field(default_factory=dict)


def fixtures(url: str) -> Fixtures:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    now = datetime.now(UTC).replace(tzinfo=None)

    with engine.connect() as conn:

        def one(sql: str, **params):
            value = conn.execute(text(sql), params).scalar()
            if value is None:
                raise SystemExit(f"The dataset has nothing for: {sql} {params}")
            return value

        def user(name: str) -> int:
            return one("SELECT id FROM users WHERE email = :e", e=f"{name}@demo.test")

        def visits_of(name: str, where: str, **params) -> list[int]:
            return list(
                conn.execute(
                    text(
                        "SELECT v.id FROM visits v JOIN team_members t ON t.visit_id = v.id "
                        f"WHERE t.user_id = :u AND {where} ORDER BY v.id"
                    ),
                    {"u": user(name), **params},
                ).scalars()
            )

        v1 = user("visitor1")
        school = one("SELECT id FROM schools WHERE code = 'CCE'")
        fall = one(
            "SELECT id FROM rounds WHERE school_id = :s AND closed_at IS NULL ORDER BY id",
            s=school,
        )
        scheduled = one(
            "SELECT v.id FROM visits v JOIN team_members t ON t.visit_id = v.id "
            "WHERE t.user_id = :u AND v.status = 'scheduled' ORDER BY v.scheduled_start DESC",
            u=v1,
        )
        to_reflect = visits_of(
            "visitor1", "v.status = 'scheduled' AND v.scheduled_start < :n", n=now
        )
        family = one("SELECT family_id FROM visits WHERE id = :v", v=scheduled)
        session = one(
            "SELECT id FROM training_sessions WHERE starts_at > :n ORDER BY starts_at", n=now
        )
        # A visit of visitor1's that took place and waits for its reflection (none on a tiny
        # dataset: the page is then left out).
        waiting = to_reflect[0] if to_reflect else None
        # The pages measured, one block: name, role, account, path.
        pages = [
            # Not a page: a signed-in request that does nothing (the session check, one
            # database round trip, the headers) — the floor under every page of the app.
            Page("signed-in no-op", "floor", "visitor1", "/healthz"),
            Page("my visits", "visitor", "visitor1", "/visits/"),
            Page("visit detail", "visitor", "visitor1", f"/visits/{scheduled}"),
            Page("family card", "visitor", "visitor1", f"/families/{family}"),
            Page("reflection form", "visitor", "visitor1", f"/visits/{waiting}/reflection"),
            Page("my training", "visitor", "visitor1", "/training/me"),
            Page("school dashboard", "coordinator", "coordinator", f"/schools/{school}/"),
            Page("round board", "coordinator", "coordinator", f"/rounds/{fall}"),
            Page("roster", "coordinator", "coordinator", f"/schools/{school}/roster"),
            Page("rounds", "coordinator", "coordinator", f"/schools/{school}/rounds"),
            Page("hours", "coordinator", "coordinator", f"/schools/{school}/hours"),
            Page("impact report", "coordinator", "coordinator", f"/reports/impact?school={school}"),
            Page("trainer home", "trainer", "trainer", "/training/"),
            Page("training roster", "trainer", "trainer", "/training/roster"),
            Page("training session", "trainer", "trainer", f"/training/sessions/{session}"),
            Page("admin home", "admin", "admin", "/admin/"),
            Page("admin schools", "admin", "admin", "/admin/schools"),
            Page("audit trail", "admin", "admin", "/admin/privacy/audit"),
            Page("family search", "admin", "admin", "/admin/privacy/families?q=Nguyen"),
        ]
        if waiting is None:
            pages = [p for p in pages if p.name != "reflection form"]
        reports = [
            Page("programme report (all schools)", "admin", "admin", "/reports/"),
            Page("impact report (all schools)", "admin", "admin", "/reports/impact"),
            Page("district report", "admin", "admin", "/reports/district"),
            Page("training report (all schools)", "trainer", "trainer", "/reports/training"),
        ]
        result = Fixtures(pages, reports)
        for n in range(1, 7):
            name = f"visitor{n}"
            result.contact_visits[name] = visits_of(name, "v.status = 'contacting'")
            result.draft_visits[name] = visits_of(
                name, "v.status = 'scheduled' AND v.scheduled_start > :n", n=now
            )
            result.reflect_visits[name] = [
                v
                for v in visits_of(name, "v.status = 'scheduled' AND v.scheduled_start < :n", n=now)
                if v not in to_reflect[:1]  # the reflection form page's visit stays open
            ]
    engine.dispose()
    return result


# ---- closed loop: wrk -------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    role: str
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int
    requests: int
    alone: float | None = None  # ms for one request with the server otherwise idle (median of 3)
    connections: int = 0
    latency: Result | None = None  # the latency pass (wrk -c10) of the same page


def run_coroutine(coroutine):
    """asyncio.run, also from a thread where an event loop already runs (a test process where
    Playwright's sync API has started one): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def run_wrk(
    wrk: str,
    settings: Settings,
    url: str,
    cookie: str,
    name: str,
    role: str,
    connections: int | None = None,
) -> Result:
    connections = connections or settings.connections
    command = [
        wrk,
        f"-t{min(settings.threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(settings.duration))}s",
        "--timeout",
        f"{TIMEOUT:g}s",
        "-s",
        str(BENCH / "report.lua"),
        url,
    ]
    done = subprocess.run(
        command,
        check=False,
        env={**os.environ, "BENCH_COOKIE": cookie},
        capture_output=True,
        text=True,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result for {url}:\n{done.stdout}\n{done.stderr}")
    data = json.loads(line[len("BENCH ") :])
    nothing = data["requests"] == 0
    return Result(
        name,
        role,
        rps=data["requests"] / data["seconds"],
        # No answer at all within the run: latency is at least the run's length, and every
        # connection waited in vain (wrk counts no error for a request it stopped waiting for).
        p50=data["seconds"] * 1000 if nothing else data["p50"] / 1000,
        p95=data["seconds"] * 1000 if nothing else data["p95"] / 1000,
        p99=data["seconds"] * 1000 if nothing else data["p99"] / 1000,
        errors=connections if nothing else data["non2xx"] + data["socket_errors"],
        requests=data["requests"],
        connections=connections,
    )


# ---- open loop: the mixed run -----------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection; enough of the protocol for our own server."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    async def request(self, method: str, host: str, path: str, headers: dict, body: bytes):
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        chunked = False
        self.keep = True
        for raw in head.split(b"\r\n")[1:]:
            key, _, value = raw.partition(b":")
            key = key.strip().lower()
            if key == b"content-length":
                length = int(value)
            elif key == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif key == b"connection" and b"close" in value.lower():
                self.keep = False  # gunicorn's sync workers answer one request per connection
        if chunked:
            data = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                data += await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            data = await self.reader.readexactly(length)
        return status, data


@dataclass
class Kind:
    name: str
    share: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    refused: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


class Mixed:
    """The open-loop load generator. With several app servers (``bases``), requests go to each
    in turn (round robin), as a load balancer would send them."""

    def __init__(
        self, bases: list[str], accounts: dict[str, Account], fx: Fixtures, settings: Settings
    ):
        self.hosts = [base.split("//", 1)[1] for base in bases]
        self.ports = [int(host.rsplit(":", 1)[1]) for host in self.hosts]
        self.accounts = accounts
        self.fx = fx
        self.settings = settings
        self.rng = random.Random(10)  # the mix: the same draws in every run
        self.pools: list[list[Connection]] = [[] for _ in self.hosts]
        self.sent_ids: list[tuple[str, dict]] = []
        self.visitors = [a for a in accounts if a.startswith("visitor")]
        self.sync = False

    def plan(self) -> list[Kind]:
        w = self.settings.write_share
        reads = [
            ("read: my visits", 0.30),
            ("read: visit detail", 0.25),
            ("read: family card", 0.15),
            ("read: reflection form", 0.05),
            ("read: school dashboard", 0.10),
            ("read: round board", 0.05),
            ("read: roster", 0.05),
            ("read: training", 0.05),
        ]
        writes = [
            ("write: contact log", 0.35),
            ("write: draft autosave", 0.35),
            ("write: sync (fresh ids)", 0.20),
            ("write: sync (repeated ids)", 0.10),
        ]
        if not self.sync:
            writes = [(n, s) for n, s in writes if not n.startswith("write: sync")]
        total = sum(s for _, s in writes)
        if self.settings.mix == "visitors":  # only what phones send: no laptop pages
            visitor_reads = ("my visits", "visit detail", "family card", "reflection form")
            reads = [(n, s) for n, s in reads if n.split(": ")[1] in visitor_reads]
        pages = {p.name for p in self.fx.pages}
        reads = [(n, s) for n, s in reads if n.split(": ")[1] in pages or n == "read: training"]
        reads_total = sum(s for _, s in reads)
        return [Kind(n, (1 - w) * s / reads_total) for n, s in reads] + [
            Kind(n, w * s / total) for n, s in writes
        ]

    async def connection(self, server: int) -> Connection:
        if self.pools[server]:
            return self.pools[server].pop()
        reader, writer = await asyncio.open_connection("127.0.0.1", self.ports[server])
        return Connection(reader, writer)

    def request_for(self, kind: str) -> tuple[str, str, dict, bytes, str]:
        """(method, path, headers, body, account) for one request of this kind."""
        rng = self.rng
        fx = self.fx
        pages = {p.name: p for p in fx.pages}
        visitor = rng.choice(self.visitors)
        acct = self.accounts[visitor]
        htmx = {"HX-Request": "true", "X-CSRFToken": acct.csrf}
        form = {"Content-Type": "application/x-www-form-urlencoded", **htmx}
        if kind == "read: my visits":
            return "GET", "/visits/", {}, b"", visitor
        if kind in ("read: visit detail", "read: family card", "read: reflection form"):
            page = pages.get(kind.split(": ")[1])
            return "GET", page.path, {}, b"", page.account
        if kind == "read: school dashboard":
            return "GET", pages["school dashboard"].path, {}, b"", "coordinator"
        if kind == "read: round board":
            return "GET", pages["round board"].path, {}, b"", "coordinator"
        if kind == "read: roster":
            return "GET", pages["roster"].path, {}, b"", "coordinator"
        if kind == "read: training":
            return "GET", "/training/", {}, b"", "trainer"
        if kind == "write: contact log":
            who = rng.choice([v for v in self.visitors if fx.contact_visits.get(v)])
            visit = rng.choice(fx.contact_visits[who])
            body = urllib.parse.urlencode(
                {
                    "csrf_token": self.accounts[who].csrf,
                    "method": "call",
                    "outcome": "no_answer",
                    "note": "No answer; try after 6.",
                }
            ).encode()
            headers = {**form, "X-CSRFToken": self.accounts[who].csrf}
            return "POST", f"/visits/{visit}/contacts", headers, body, who
        if kind == "write: draft autosave":
            who = rng.choice([v for v in self.visitors if fx.draft_visits.get(v)])
            visit = rng.choice(fx.draft_visits[who])
            body = urllib.parse.urlencode(
                {
                    "csrf_token": self.accounts[who].csrf,
                    "duration_minutes": "40",
                    "hopes_and_dreams": "They hope she becomes a doctor " + str(rng.random()),
                }
            ).encode()
            headers = {**form, "X-CSRFToken": self.accounts[who].csrf}
            return "POST", f"/visits/{visit}/reflection/draft", headers, body, who
        # Sync: items written offline, sent once (fresh) or again after a lost answer (repeated).
        if kind == "write: sync (repeated ids)" and self.sent_ids:
            who, item = rng.choice(self.sent_ids)
        else:
            who = rng.choice([v for v in self.visitors if fx.contact_visits.get(v)])
            if fx.reflect_visits.get(who) and rng.random() < 0.2:
                item = {
                    "id": str(uuid.uuid4()),  # fresh in every run: the dataset is reused
                    "kind": "reflection",
                    "visit_id": rng.choice(fx.reflect_visits[who]),
                    "written_at": datetime.now(UTC).isoformat(),
                    "data": {
                        "duration_minutes": "40",
                        "hopes_and_dreams": "They hope he will be an astronaut.",
                        "strengths": "Big family, lots of cousins.",
                    },
                }
            else:
                item = {
                    "id": str(uuid.uuid4()),  # fresh in every run: the dataset is reused
                    "kind": "contact",
                    "visit_id": rng.choice(fx.contact_visits[who]),
                    "written_at": datetime.now(UTC).isoformat(),
                    "data": {"method": "text", "outcome": "left_message", "note": "Texted."},
                }
            self.sent_ids.append((who, item))
        body = json.dumps({"items": [item]}).encode()
        headers = {"Content-Type": "application/json", "X-CSRFToken": self.accounts[who].csrf}
        return "POST", "/sync", headers, body, who

    async def one(self, kind: Kind, due: float, request, server: int) -> None:
        method, path, headers, body, who = request
        headers = {**headers, "Cookie": self.accounts[who].cookie}
        conn = None
        try:
            conn = await self.connection(server)
            status, data = await asyncio.wait_for(
                conn.request(method, self.hosts[server], path, headers, body), timeout=TIMEOUT
            )
            if conn.keep:
                self.pools[server].append(conn)
            else:
                conn.writer.close()
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            if conn is not None:
                conn.writer.close()
            status, data = 0, b""
        self.record(kind, due, status, data, path)

    def record(self, kind: Kind, due: float, status: int, data: bytes, path: str) -> None:
        kind.latencies.append((time.perf_counter() - due) * 1000)
        kind.statuses[status] = kind.statuses.get(status, 0) + 1
        if not 200 <= status <= 299:
            kind.errors += 1
        elif path == "/sync":
            try:
                results = json.loads(data)["results"]
                kind.refused += sum(1 for r in results if r.get("status") != "stored")
            except (ValueError, KeyError, TypeError):
                kind.errors += 1

    async def client(self, queue: asyncio.Queue) -> None:
        while True:
            item = await queue.get()
            if item is None:
                return
            kind, due, request, server = item
            if time.perf_counter() - due > TIMEOUT:
                # It waited for a client longer than the timeout: the server fell behind.
                self.record(kind, due, 0, b"", request[1])
                continue
            await self.one(kind, due, request, server)

    async def run(self, rate: float, seconds: float) -> list[Kind]:
        """Arrivals at fixed times, whatever the answers do (open loop). A bounded number of
        clients send them; a request that waits for a client longer than the timeout is
        counted as an error (the server fell behind), so the load generator never swamps the
        machine it shares with the server."""
        kinds = self.plan()
        weights = [k.share for k in kinds]
        count = int(rate * seconds)
        interval = 1 / rate
        # Built up front: choosing and encoding requests costs nothing during the run.
        schedule = []
        for _ in range(count):
            kind = self.rng.choices(kinds, weights)[0]
            schedule.append((kind, self.request_for(kind.name)))
        queue: asyncio.Queue = asyncio.Queue()
        clients = [asyncio.ensure_future(self.client(queue)) for _ in range(CLIENTS)]
        start = time.perf_counter() + 0.2
        for i, (kind, request) in enumerate(schedule):
            due = start + i * interval
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((kind, due, request, i % len(self.hosts)))
        for _ in clients:
            queue.put_nowait(None)
        await asyncio.gather(*clients)
        for pool in self.pools:
            for conn in pool:
                conn.writer.close()
            pool.clear()
        return kinds


def sync_available(base: str, account: Account) -> bool:
    return status_of(base, "/sync/token", account.cookie) != 404


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


# ---- the mixed run's rate search --------------------------------------------------------------


@dataclass
class Probe:
    """One mixed run at a fixed arrival rate: its p95 over all requests, its errors."""

    rate: float
    seconds: float
    p95: float
    errors: int
    requests: int
    held: bool = False
    confirm: bool = False  # the confirmation's length (BENCH_MIXED_SECONDS), not a short probe
    served: float | None = None  # answers (2xx) per second: near the server's ceiling when over
    kinds: list[dict] = field(default_factory=list)


@dataclass
class RateSearch:
    servers: int
    probes: list[Probe]
    best: float | None  # the highest rate held for `seconds`; None: not even the lowest tried
    seconds: float

    def deciding(self) -> Probe | None:
        """The run whose figures per kind are shown: the one that held the best rate for the
        confirmation's length, else the last one."""
        held = [p for p in self.probes if p.held and p.rate == self.best]
        return held[-1] if held else (self.probes[-1] if self.probes else None)


def holds(probe: Probe, p95_ms: float = MIXED_P95_MS) -> bool:
    return probe.requests > 0 and probe.errors == 0 and probe.p95 <= p95_ms


def search_rate(
    measure,
    start: float,
    *,
    probe_seconds: float,
    confirm_seconds: float,
    ceiling: float = 1000.0,
    floor: float = 5.0,
    step: float = 1.5,
    precision: float = 1.1,
    max_probes: int = 8,
    max_confirms: int = 3,
    search: bool = True,
    p95_ms: float = MIXED_P95_MS,
    servers: int = 1,
    log=None,
) -> RateSearch:
    """The highest arrival rate held (p95 ≤ p95_ms, no errors) for confirm_seconds.

    ``measure(rate, seconds) -> Probe`` sends the mixed traffic once. Short probes first: from
    ``start``, up by ``step`` while a rate holds, down while it does not (at once to the rate the
    server did answer, when lower), until a held rate and a failed one bracket the answer; then
    the bracket's (geometric) middle until it is narrower than ``precision``, ``max_probes``
    probes in all. The best held rate is then sent for confirm_seconds; when it does not hold
    that long, a rate ``precision`` lower is, up to ``max_confirms`` times. Probes as long as
    the confirmation need none. ``search=False``: the start rate alone, for confirm_seconds."""
    probes: list[Probe] = []

    def attempt(rate: float, seconds: float, confirm: bool) -> bool:
        probe = measure(rate, seconds)
        probe.held = holds(probe, p95_ms)
        probe.confirm = confirm
        probes.append(probe)
        if log:
            log(probe)
        return probe.held

    if not search:
        held = attempt(start, confirm_seconds, True)
        return RateSearch(servers, probes, start if held else None, confirm_seconds)
    rate = min(ceiling, max(floor, round(start)))
    lo = hi = None
    while len(probes) < max_probes:
        if attempt(rate, probe_seconds, probe_seconds >= confirm_seconds):
            lo = rate
            if hi is not None or rate >= ceiling:
                break
            rate = min(ceiling, round(rate * step))
        else:
            hi = rate
            if lo is not None or rate <= floor:
                break
            # Down by a step, or at once to what the server did answer per second when that is
            # lower (far over its ceiling, it answers about as many as it can).
            served = probes[-1].served
            lower = rate / step if served is None else min(rate / step, served)
            rate = max(floor, round(lower))
    while lo is not None and hi is not None and hi / lo > precision and len(probes) < max_probes:
        middle = round((lo * hi) ** 0.5)
        if not lo < middle < hi:
            break
        if attempt(middle, probe_seconds, probe_seconds >= confirm_seconds):
            lo = middle
        else:
            hi = middle
    if lo is None or probe_seconds >= confirm_seconds:
        return RateSearch(servers, probes, lo, max(probe_seconds, confirm_seconds))
    best = None
    rate = lo
    for _ in range(max_confirms):
        if attempt(rate, confirm_seconds, True):
            best = rate
            break
        lower = round(rate / precision)
        if lower < floor or lower >= rate:
            break
        rate = lower
    return RateSearch(servers, probes, best, confirm_seconds)


def summarize(rate: float, seconds: float, kinds: list[Kind]) -> Probe:
    """A mixed run's kinds of request as one probe: p95 over every request, errors summed."""
    every = [ms for k in kinds for ms in k.latencies]
    rows = [
        {
            "kind": k.name,
            "count": len(k.latencies),
            "errors": k.errors,
            "refused": k.refused,
            "statuses": k.statuses,
            "p50": percentile(k.latencies, 50),
            "p95": percentile(k.latencies, 95),
            "p99": percentile(k.latencies, 99),
        }
        for k in kinds
        if k.latencies
    ]
    return Probe(
        rate,
        seconds,
        p95=percentile(every, 95) if every else float("inf"),
        errors=sum(k.errors for k in kinds),
        requests=len(every),
        kinds=rows,
        served=(len(every) - sum(k.errors for k in kinds)) / seconds,
    )


def mixed_search(
    settings: Settings, servers: list[Server], accounts, fx, sync, start
) -> RateSearch:
    load = Mixed([server.base for server in servers], accounts, fx, settings)
    load.sync = sync
    probe_seconds = min(settings.probe_seconds, settings.mixed_seconds)
    where = "one app server" if len(servers) == 1 else f"{len(servers)} app servers, round robin"
    how = (
        f"search from {start:g} requests/s, probes of {probe_seconds:g} s, "
        f"the best confirmed for {settings.mixed_seconds:g} s"
        if settings.search
        else f"{start:g} requests/s for {settings.mixed_seconds:g} s"
    )
    say(
        f"Mixed run on {where}: {how}; {settings.write_share:.0%} writes (open loop), "
        f"mix: {settings.mix}; held: p95 ≤ {MIXED_P95_MS:g} ms and no errors"
    )

    def measure(rate: float, seconds: float) -> Probe:
        kinds = run_coroutine(load.run(rate, seconds))
        for server in servers:
            server.settle()
        return summarize(rate, seconds, kinds)

    def log(probe: Probe) -> None:
        say(
            f"  {'confirm' if probe.confirm else 'probe':<7} {probe.rate:6g} requests/s for "
            f"{probe.seconds:g} s: p95 {probe.p95:7.1f} ms, {probe.errors} errors → "
            f"{'held' if probe.held else 'not held'}"
        )

    return search_rate(
        measure,
        start,
        probe_seconds=probe_seconds,
        confirm_seconds=settings.mixed_seconds,
        ceiling=settings.rate_max,
        search=settings.search,
        servers=len(servers),
        log=log,
    )


# ---- the targets ------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    figure: str
    goal: str
    verdict: str  # PASS, FAIL, SKIP (left out of this run), INFO (shown, no target)
    value: float | None = None


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def drift(before: float, after: float) -> float:
    """How far hello-world moved between its two runs, as a share of the larger."""
    larger = max(before, after)
    return abs(before - after) / larger if larger else 0.0


def misses(r: Result, hello_rps: float) -> list[str]:
    """The targets one page misses, for its row in the pages' table."""
    if r.role == "baseline":
        return []
    share = r.rps / hello_rps if hello_rps else 0.0
    least = FLOOR_SHARE if r.role == "floor" else PAGE_SHARES.get(r.name, EVERY_PAGE_SHARE)
    out = [f"< {least:.2f} ×"] if share < least else []
    if r.latency is not None and r.latency.p95 > PAGE_P95_MS:
        out.append(f"p95 > {PAGE_P95_MS:g}")
    if r.errors or (r.latency is not None and r.latency.errors):
        out.append("errors")
    return out


def targets(
    pages: list[Result],
    hello_rps: float,
    mixed: RateSearch | None,
    pair: RateSearch | None = None,
    *,
    complete: bool = True,
    p95_connections: int = 10,
    reports: list[Alone] | None = None,
) -> list[Target]:
    """Issue #20's targets with this run's figures. ``pages`` holds the signed-in no-op too;
    ``complete``: every page was asked for (no BENCH_PAGES), so a page missing fails its target
    rather than being left out; ``reports``: the district-wide reports, one request each (None:
    not run)."""
    out: list[Target] = []
    missing = "FAIL" if complete else "SKIP"
    by_name = {r.name: r for r in pages}

    def share(r: Result) -> float:
        return r.rps / hello_rps if hello_rps else 0.0

    for name, least in [("signed-in no-op", FLOOR_SHARE), *PAGE_SHARES.items()]:
        goal = f"≥ {least:.2f} × hello"
        r = by_name.get(name)
        if r is None:
            out.append(Target(f"{name}: throughput", "not measured", goal, missing))
        else:
            out.append(
                Target(
                    f"{name}: throughput",
                    f"{share(r):.3f} × hello",
                    goal,
                    verdict(share(r) >= least),
                    share(r),
                )
            )
    measured = [r for r in pages if r.role != "floor"]
    every_share = f"≥ {EVERY_PAGE_SHARE:.2f} × hello"
    every_p95 = f"≤ {PAGE_P95_MS:g} ms"
    p95_name = f"every page: p95 at -c{p95_connections}"
    if measured:
        worst = min(measured, key=share)
        under = sum(1 for r in measured if share(r) < EVERY_PAGE_SHARE)
        out.append(
            Target(
                "every page: throughput",
                f"{share(worst):.3f} × hello ({worst.name}; {under} of {len(measured)} under)",
                every_share,
                verdict(share(worst) >= EVERY_PAGE_SHARE),
                share(worst),
            )
        )
        timed = [r for r in measured if r.latency is not None]
        if timed:
            slowest = max(timed, key=lambda r: r.latency.p95)
            p95 = slowest.latency.p95
            over = sum(1 for r in timed if r.latency.p95 > PAGE_P95_MS)
            ok = p95 <= PAGE_P95_MS and len(timed) == len(measured)
            figure = f"{p95:.0f} ms ({slowest.name}; {over} of {len(timed)} over)"
            out.append(Target(p95_name, figure, every_p95, verdict(ok), p95))
        else:
            out.append(Target(p95_name, "not measured", every_p95, missing))
    else:
        out.append(Target("every page: throughput", "not measured", every_share, missing))
        out.append(Target(p95_name, "not measured", every_p95, missing))
    name, goal = "district-wide reports: one request", f"≤ {PAGE_P95_MS:g} ms"
    if reports:
        slowest = max(reports, key=lambda r: r.ms)
        over = sum(1 for r in reports if r.ms > PAGE_P95_MS)
        figure = f"{slowest.ms:.0f} ms ({slowest.name}; {over} of {len(reports)} over)"
        out.append(Target(name, figure, goal, verdict(over == 0), slowest.ms))
    else:
        out.append(Target(name, "not measured", goal, missing if reports is not None else "SKIP"))
    errors = sum(r.errors + (r.latency.errors if r.latency else 0) for r in pages)
    out.append(Target("errors in the page runs", str(errors), "0", verdict(errors == 0), errors))
    goal = f"≥ {MIXED_RATE_TARGET:g} req/s"
    if mixed is None:
        out.append(Target("mixed: rate held", "not run", goal, "SKIP"))
    else:
        name = f"mixed: rate held {mixed.seconds:g} s (p95 ≤ {MIXED_P95_MS:g} ms, 0 errors)"
        if mixed.best is None:
            lowest = min((p.rate for p in mixed.probes), default=0)
            out.append(Target(name, f"none (down to {lowest:g} req/s)", goal, "FAIL", 0.0))
        else:
            out.append(
                Target(
                    name,
                    f"{mixed.best:g} req/s",
                    goal,
                    verdict(mixed.best >= MIXED_RATE_TARGET),
                    mixed.best,
                )
            )
    if pair is not None:
        figure = f"{pair.best:g} req/s" if pair.best is not None else "none"
        if pair.best is not None and mixed is not None and mixed.best:
            figure += f" ({pair.best / mixed.best:.2f} × one server)"
        out.append(
            Target(
                f"mixed, {pair.servers} app servers: rate held {pair.seconds:g} s",
                figure,
                "(shown)",
                "INFO",
                pair.best,
            )
        )
    return out


# ---- the run ----------------------------------------------------------------------------------


def table(rows: list[list[str]], left: int = 2, last_left: bool = False) -> str:
    """Text columns (the first `left`, and the last with last_left) to the left, figures to the
    right."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        cells = [
            c.ljust(w) if i < left or (last_left and i == len(row) - 1) else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def alone_ms(app: Server, page: Page, cookie: str) -> float:
    """The page's own time: one request at a time, the server otherwise idle; the median of 3
    (of 1 for a page over 2 s)."""
    alone = []
    for _ in range(3):
        started = time.perf_counter()
        first = status_of(app.base, page.path, cookie)
        alone.append((time.perf_counter() - started) * 1000)
        if first != 200:
            raise SystemExit(f"{page.name} ({page.path}) answers {first or 'nothing'}, not 200")
        if alone[-1] > 2000:
            break
    return sorted(alone)[len(alone) // 2]


@dataclass
class Alone:
    """A page timed one request at a time only (a district-wide report)."""

    name: str
    role: str
    ms: float


def measure_page(wrk: str, settings: Settings, app: Server, page: Page, cookie: str) -> Result:
    """One page: alone (one request at a time), then wrk -c50 (throughput), then -c10 (p95)."""
    alone = alone_ms(app, page, cookie)
    result = run_wrk(wrk, settings, app.base + page.path, cookie, page.name, page.role)
    result.alone = alone
    app.settle()
    result.latency = run_wrk(
        wrk,
        settings,
        app.base + page.path,
        cookie,
        page.name,
        page.role,
        connections=settings.p95_connections,
    )
    app.settle()
    return result


def run(settings: Settings) -> dict:
    """Everything `make bench` does; returns the figures (the test reads them) and writes them
    as JSON to settings.results."""
    settings.check()
    started = time.monotonic()
    started_at = datetime.now(UTC)
    wrk = ensure_wrk()
    load_before = load_average()
    say(f"Load average before: {load_before} ({os.cpu_count()} cores, shared)")
    url = prepare_dataset(settings)
    if settings.analyze:
        url = with_statistics(settings, url)
    fx = fixtures(url)
    pages = [
        p
        for p in fx.pages
        if settings.pages is None or p.name in settings.pages or p.role == "floor"
    ]
    env = app_environment(settings, url)
    hello_env = {**os.environ, "PYTHONPATH": str(BENCH)}
    hello = Server(
        "hello:app", settings.port + 1, hello_env, settings.data / "gunicorn-hello.log", BENCH
    )
    try:
        before = run_wrk(wrk, settings, hello.base + "/", "", "hello-world (before)", "baseline")
    except BaseException:
        hello.stop()
        raise
    say(f"  baseline    hello-world (before) {before.rps:8.1f} req/s")
    hello.terminate()  # not even idle workers beside the app's
    results: list[Result] = []
    reports: list[Alone] = []
    mixed: RateSearch | None = None
    pair: RateSearch | None = None
    sync = False
    say(
        f"Pages: wrk -c{settings.connections} (throughput), then -c{settings.p95_connections} "
        f"(latency), {max(1, round(settings.duration))} s each"
    )
    with Server("wsgi:app", settings.port, env, settings.data / "gunicorn-app.log") as app:
        names = sorted(
            {p.account for p in fx.pages}
            | {f"visitor{n}" for n in range(1, 7)}
            | {"coordinator", "trainer"}
        )
        accounts = {n: sign_in(app.base, f"{n}@demo.test") for n in names}
        for page in pages:
            result = measure_page(wrk, settings, app, page, accounts[page.account].cookie)
            results.append(result)
            share = result.rps / before.rps if before.rps else 0
            say(
                f"  {page.role:<11} {page.name:<18} {result.rps:8.1f} req/s ({share:.3f} × hello "
                f"before)  p95 -c{settings.p95_connections} {result.latency.p95:7.1f} ms  "
                f"errors {result.errors + result.latency.errors}"
            )
        for page in fx.reports:
            if settings.pages is None or page.name in settings.pages:
                ms = alone_ms(app, page, accounts[page.account].cookie)
                reports.append(Alone(page.name, page.role, ms))
                say(f"  {page.role:<11} {page.name:<30} one request {ms:8.0f} ms")
        if settings.mixed_seconds > 0:
            sync = sync_available(app.base, accounts["visitor1"])
            if not sync:
                say("sync: not available in this build (GET /sync/token is 404)")
            mixed = mixed_search(settings, [app], accounts, fx, sync, settings.rate)
            if settings.servers == 2:
                log = settings.data / "gunicorn-app2.log"
                with Server("wsgi:app", settings.port + 2, env, log) as second:
                    # Two servers may hold more: the search starts a step above one's best.
                    start = round(mixed.best * 1.5) if settings.search and mixed.best else None
                    start = start or settings.rate
                    pair = mixed_search(settings, [app, second], accounts, fx, sync, start)
    hello.start()
    with hello:
        after = run_wrk(wrk, settings, hello.base + "/", "", "hello-world (after)", "baseline")
    say(f"  baseline    hello-world (after)  {after.rps:8.1f} req/s")
    load_after = load_average()
    say(f"Load average after: {load_after}")
    # The machine is shared: hello-world is measured before and after, and pages are compared
    # with the mean of the two.
    baseline = Result(
        "hello-world (mean)",
        "baseline",
        rps=(before.rps + after.rps) / 2,
        p50=(before.p50 + after.p50) / 2,
        p95=(before.p95 + after.p95) / 2,
        p99=(before.p99 + after.p99) / 2,
        errors=before.errors + after.errors,
        requests=before.requests + after.requests,
        connections=settings.connections,
    )
    checked = targets(
        results,
        baseline.rps,
        mixed,
        pair,
        complete=settings.pages is None,
        p95_connections=settings.p95_connections,
        reports=reports if reports or settings.pages is None else None,
    )
    report(settings, url, results, [before, after, baseline], mixed, pair, sync, checked, reports)
    seconds = time.monotonic() - started
    say(f"Run time: {seconds / 60:.1f} min ({seconds:.0f} s)")
    figures = {
        "started": started_at.isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "database": redact(url),
        "settings": {
            k: (redact(v) if k in ("db", "redis") and v else str(v) if isinstance(v, Path) else v)
            for k, v in asdict(settings).items()
        },
        "cores": os.cpu_count(),
        "load_average": {"before": load_before, "after": load_after},
        "pages": [asdict(r) for r in results if r.role != "floor"],
        "reports": [asdict(r) for r in reports],
        "floor": [asdict(r) for r in results if r.role == "floor"],
        "hello": asdict(baseline),
        "hello_runs": [asdict(before), asdict(after)],
        "mixed": asdict(mixed) if mixed else None,
        "pair": asdict(pair) if pair else None,
        "sync": sync,
        "targets": [asdict(t) for t in checked],
    }
    if settings.results:
        settings.results.parent.mkdir(parents=True, exist_ok=True)
        settings.results.write_text(json.dumps(figures, indent=1, default=str) + "\n")
        say(f"Figures: {settings.results}")
    return figures


def report(settings, url, results, baselines, mixed, pair, sync, checked, reports=()) -> None:
    baseline = baselines[-1]
    low = settings.p95_connections
    say("")
    say(
        f"Pages on the district dataset ({redact(url)}), wrk -t{settings.threads} "
        f"-c{settings.connections} then -c{low}, -d{max(1, round(settings.duration))}s each; "
        "gunicorn -w 2"
    )

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    rows = [
        [
            "role",
            "page",
            "alone ms",
            "req/s",
            "× hello",
            "p95 ms",
            f"-c{low} req/s",
            f"-c{low} p50",
            f"-c{low} p95",
            f"-c{low} p99",
            "errors",
            "misses",
        ]
    ]
    for r in [*results, *baselines]:
        lat = r.latency
        rows.append(
            [
                r.role,
                r.name,
                f"{r.alone:.0f}" if r.alone is not None else "-",
                f"{r.rps:.1f}",
                f"{r.rps / baseline.rps:.3f}" if baseline.rps else "-",
                ms(r.p95),
                f"{lat.rps:.1f}" if lat else "-",
                ms(lat.p50 if lat else None),
                ms(lat.p95 if lat else None),
                ms(lat.p99 if lat else None),
                str(r.errors + (lat.errors if lat else 0)),
                ", ".join(misses(r, baseline.rps)),
            ]
        )
    say(table(rows, last_left=True))
    say(
        f"  alone: one request at a time, median of 3; × hello: throughput at -c"
        f"{settings.connections} over hello-world's (mean of before and after)"
    )
    spread = drift(baselines[0].rps, baselines[1].rps) if len(baselines) > 2 else 0.0
    if spread > NOISY_DRIFT:
        say(
            f"  hello-world moved {spread:.0%} between before and after: the machine's load "
            "changed during the run, so the ratios are rough; run again on a quieter machine"
        )
    for r in results:
        if r.requests == 0:
            say(
                f"  {r.name}: no answer within the run (latencies shown as the run's length, "
                "every connection counted as an error)"
            )
    if reports:
        say("")
        say("District-wide reports, one request at a time (the server otherwise idle)")
        rows = [["role", "report", "ms", "misses"]]
        for r in reports:
            missed = f"> {PAGE_P95_MS:g} ms" if r.ms > PAGE_P95_MS else ""
            rows.append([r.role, r.name, f"{r.ms:.0f}", missed])
        say(table(rows, last_left=True))
    for search in (mixed, pair):
        if search is None:
            continue
        where = "one app server" if search.servers == 1 else f"{search.servers} app servers"
        say("")
        say(f"Mixed traffic on {where}, open loop; latency from when each request was due")
        rows = [["run", "req/s", "seconds", "requests", "errors", "p95 ms", "held"]]
        for p in search.probes:
            rows.append(
                [
                    "confirm" if p.confirm else "probe",
                    f"{p.rate:g}",
                    f"{p.seconds:g}",
                    str(p.requests),
                    str(p.errors),
                    f"{p.p95:.1f}",
                    "yes" if p.held else "no",
                ]
            )
        say(table(rows, left=1))
        deciding = search.deciding()
        if deciding is None:
            continue
        if not sync:
            say("sync: not available in this build")
        say(f"At {deciding.rate:g} requests/s for {deciding.seconds:g} s, by kind:")
        rows = [["kind", "", "count", "errors", "error %", "p50 ms", "p95 ms", "p99 ms"]]
        for k in deciding.kinds:
            rows.append(
                [
                    k["kind"],
                    "",
                    str(k["count"]),
                    str(k["errors"]),
                    f"{100 * k['errors'] / k['count']:.2f}",
                    f"{k['p50']:.1f}",
                    f"{k['p95']:.1f}",
                    f"{k['p99']:.1f}",
                ]
            )
        say(table(rows))
        for k in deciding.kinds:
            other = {s: c for s, c in k["statuses"].items() if not 200 <= s <= 299}
            if other:
                say(
                    f"  {k['kind']}: answers other than 2xx: {other} (0: none within {TIMEOUT:g} s)"
                )
            if k["refused"]:
                say(
                    f"  {k['kind']}: {k['refused']} items refused by the server (an answer, "
                    "not an error)"
                )
    say("")
    say("Targets (issue #20); the machine is shared, so figures vary from run to run:")
    rows = [["target", "figure", "goal", "verdict"]]
    rows += [[t.name, t.figure, t.goal, t.verdict] for t in checked]
    say(table(rows, left=4))


def failed(checked: list[dict]) -> list[str]:
    """The targets that fail (BENCH_STRICT=1 exits 1 then); skipped and shown ones do not."""
    return [t["name"] for t in checked if t["verdict"] == "FAIL"]


def main() -> None:
    settings = Settings.from_environment()
    figures = run(settings)
    if settings.strict and failed(figures["targets"]):
        raise SystemExit(1)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
