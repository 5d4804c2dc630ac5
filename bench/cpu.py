"""Server CPU per request: the bench's pages and hello-world, as CPU seconds the gunicorn workers
spent per answered request (``/proc/<pid>/stat`` before and after a wrk run). On a machine other
programs share, throughput swings with their load; the CPU a request costs does not, so this is
the figure to compare before and after a change. ``× hello`` is hello-world's CPU per request
over the page's: the throughput share the page would reach on cores of its own (wrk's own CPU
left out).

    BENCH_PAGES="signed-in no-op,visit detail" BENCH_DURATION=5 .venv/bin/python bench/cpu.py

Settings as bench/run.py's (BENCH_PAGES, BENCH_DURATION, BENCH_PORT, BENCH_DB, ...); the
dataset is the one bench/run.py builds.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import run as bench  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def worker_cpu(server: bench.Server) -> float:
    """CPU seconds used so far by the server's workers (the children of its master)."""
    total = 0.0
    master = server.process.pid
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # ppid
            total += (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
    return total


def measure(wrk: str, settings, server: bench.Server, path: str, cookie: str, name: str):
    bench.run_wrk(wrk, settings, server.base + path, cookie, name, "warm")  # warm, then measure
    server.settle()
    before = worker_cpu(server)
    result = bench.run_wrk(wrk, settings, server.base + path, cookie, name, "cpu")
    used = worker_cpu(server) - before
    server.settle()
    return used / max(1, result.requests), result


def main() -> None:
    settings = bench.Settings.from_environment()
    wrk = bench.ensure_wrk()
    bench.say(f"Load average before: {bench.load_average()} ({os.cpu_count()} cores, shared)")
    url = bench.prepare_dataset(settings)
    fx = bench.fixtures(url)
    pages = [
        p
        for p in fx.pages
        if settings.pages is None or p.name in settings.pages or p.role == "floor"
    ]
    hello_env = {**os.environ, "PYTHONPATH": str(bench.BENCH)}
    hello = bench.Server(
        "hello:app",
        settings.port + 1,
        hello_env,
        settings.data / "gunicorn-hello.log",
        bench.BENCH,
    )
    try:
        hello_cpu, hello_result = measure(wrk, settings, hello, "/", "", "hello-world")
    finally:
        hello.stop()
    rows = [("hello-world", hello_cpu, hello_result)]
    env = bench.app_environment(settings, url)
    with bench.Server("wsgi:app", settings.port, env, settings.data / "gunicorn-app.log") as app:
        accounts = {p.account: bench.sign_in(app.base, f"{p.account}@demo.test") for p in pages}
        for page in pages:
            cpu, result = measure(wrk, settings, app, page.path, accounts[page.account].cookie, "")
            rows.append((page.name, cpu, result))
    bench.say(f"Load average after: {bench.load_average()}")
    bench.say(f"\n{'page':22} {'CPU µs/req':>10} {'requests':>9} {'errors':>7} {'× hello':>8}")
    for name, cpu, result in rows:
        bench.say(
            f"{name:22} {cpu * 1e6:10.0f} {result.requests:9d} {result.errors:7d}"
            f" {hello_cpu / cpu if cpu else 0:8.3f}"
        )


if __name__ == "__main__":
    main()
