"""`make bench`'s pure parts, on made-up figures: the rate search of the mixed run and the table
of issue #20's targets. (tests/test_bench.py runs the whole bench on a tiny district.)"""

from __future__ import annotations

import http.server
import re
import threading
from dataclasses import asdict

import pytest

from bench import run as bench


def server(capacity: float, long_capacity: float | None = None, p95_below: float = 80.0):
    """A fake mixed run: rates up to `capacity` hold on short probes, up to `long_capacity` on
    runs longer than 10 s; above, p95 climbs past the limit. Records what was asked."""
    asked: list[tuple[float, float]] = []

    def measure(rate: float, seconds: float) -> bench.Probe:
        asked.append((rate, seconds))
        limit = capacity if seconds <= 10 or long_capacity is None else long_capacity
        p95 = p95_below if rate <= limit else 900.0
        return bench.Probe(rate, seconds, p95=p95, errors=0, requests=int(rate * seconds))

    return measure, asked


def search(measure, start=200, **options):
    options.setdefault("probe_seconds", 10)
    options.setdefault("confirm_seconds", 60)
    return bench.search_rate(measure, start, **options)


@pytest.mark.parametrize("capacity", [37, 150, 230, 420, 999])
def test_the_search_finds_the_rate_within_its_precision_and_confirms_it(capacity):
    measure, asked = server(capacity)
    result = search(measure)

    assert capacity / 1.1 <= result.best <= capacity
    short = [a for a in asked if a[1] == 10]
    assert len(short) <= 8  # a short search: probes of 10 s, 8 at most
    # Then one run of the confirmation's length, at the best rate, which held.
    assert asked[len(short) :] == [(result.best, 60)]
    assert result.seconds == 60
    assert result.deciding().rate == result.best and result.deciding().confirm
    assert [p.held for p in result.probes] == [rate <= capacity for rate, _ in asked]


def test_a_rate_that_holds_for_probes_but_not_for_the_confirmation_is_stepped_down():
    measure, asked = server(capacity=300, long_capacity=260)
    result = search(measure)

    confirms = [a for a in asked if a[1] == 60]
    assert 1 < len(confirms) <= 3
    assert [r for r, _ in confirms] == sorted((r for r, _ in confirms), reverse=True)
    assert result.best == confirms[-1][0] <= 260
    assert result.deciding().held and result.deciding().seconds == 60


def test_a_confirmation_that_never_holds_gives_no_rate():
    measure, asked = server(capacity=300, long_capacity=10)
    result = search(measure)

    assert len([a for a in asked if a[1] == 60]) == 3
    assert result.best is None
    assert result.deciding() is result.probes[-1]


def test_nothing_held_stops_at_the_floor_without_a_confirmation():
    measure, asked = server(capacity=0)
    result = search(measure, floor=20)

    assert result.best is None
    assert asked[-1] == (20, 10) and all(seconds == 10 for _, seconds in asked)
    assert [rate for rate, _ in asked] == sorted((rate for rate, _ in asked), reverse=True)


def test_the_search_stops_at_its_ceiling():
    measure, asked = server(capacity=10_000)
    result = search(measure, ceiling=500)

    assert result.best == 500
    assert max(rate for rate, _ in asked) == 500
    assert asked[-1] == (500, 60)


def test_far_over_its_ceiling_the_search_goes_down_to_what_the_server_answered():
    def measure(rate, seconds):
        served = min(rate, 40.0)  # it answers 40 requests/s at most
        p95 = 50.0 if rate <= 35 else 5000.0
        probe = bench.Probe(rate, seconds, p95=p95, errors=0, requests=int(rate * seconds))
        probe.served = served
        return probe

    result = search(measure, start=200)
    rates = [p.rate for p in result.probes]
    assert rates[:2] == [200, 40]  # not 133, 89, 59 first
    assert 35 / 1.1 <= result.best <= 35


def test_errors_fail_a_rate_whatever_its_latency_and_p95_at_the_limit_holds():
    def measure(rate, seconds):
        errors = 1 if rate > 100 else 0
        return bench.Probe(rate, seconds, p95=200.0, errors=errors, requests=int(rate * seconds))

    result = search(measure, start=100)
    assert result.best == 100
    assert not bench.holds(bench.Probe(10, 10, p95=5.0, errors=0, requests=0))  # no answers


def test_probes_as_long_as_the_confirmation_need_none():
    measure, asked = server(capacity=230)
    result = search(measure, probe_seconds=10, confirm_seconds=10)

    assert all(seconds == 10 for _, seconds in asked)
    assert result.best == max(rate for rate, _ in asked if rate <= 230)
    assert result.deciding().held and result.deciding().confirm


def test_without_the_search_one_rate_is_sent_for_the_confirmation_length():
    measure, asked = server(capacity=230)
    assert search(measure, start=250, search=False).best is None
    assert search(measure, start=200, search=False).best == 200
    assert asked == [(250, 60), (200, 60)]


def test_a_mixed_run_is_summed_up_over_every_kind():
    reads = bench.Kind("read: my visits", 0.8, latencies=[float(ms) for ms in range(1, 91)])
    writes = bench.Kind("write: contact log", 0.2, latencies=[500.0] * 10, errors=2)
    writes.statuses = {200: 8, 0: 2}
    empty = bench.Kind("write: sync (fresh ids)", 0.0)

    probe = bench.summarize(250, 10, [reads, writes, empty])

    assert probe.requests == 100 and probe.errors == 2
    assert probe.p95 == 500.0  # the slowest tenth are the writes
    assert [k["kind"] for k in probe.kinds] == ["read: my visits", "write: contact log"]
    assert not bench.holds(probe)


# ---- the targets' table -------------------------------------------------------------------------


def page(name, rps, p95_low=50.0, role="visitor", errors=0, low_errors=0):
    result = bench.Result(name, role, rps=rps, p50=1, p95=1, p99=1, errors=errors, requests=99)
    result.latency = bench.Result(
        name, role, rps=rps / 2, p50=1, p95=p95_low, p99=p95_low, errors=low_errors, requests=9
    )
    return result


def district(**changes):
    pages = {
        "signed-in no-op": page("signed-in no-op", 600, role="floor"),
        "my visits": page("my visits", 300),
        "visit detail": page("visit detail", 200),  # 0.20 exactly: it passes
        "family card": page("family card", 250),
        "reflection form": page("reflection form", 220),
        "roster": page("roster", 40, role="coordinator"),
        "school dashboard": page("school dashboard", 35, p95_low=240, role="coordinator"),
    }
    pages.update(changes)
    return [p for p in pages.values() if p is not None]


def rates(best, servers=1):
    probe = bench.Probe(best or 50, 60, p95=90, errors=0, requests=10, held=best is not None)
    return bench.RateSearch(servers, [probe], best, 60)


def by_name(checked):
    return {t.name.removesuffix(": throughput").split(" (")[0]: t for t in checked}


def reports(*ms: float) -> list:
    return [bench.Alone(f"report {n}", "admin", value) for n, value in enumerate(ms, 1)]


def test_every_target_passes_with_its_figure():
    checked = bench.targets(district(), 1000.0, rates(210), reports=reports(120, 250))
    rows = by_name(checked)

    assert [t.verdict for t in checked] == ["PASS"] * len(checked)
    assert rows["signed-in no-op"].figure == "0.600 × hello"
    assert rows["signed-in no-op"].goal == "≥ 0.50 × hello"
    assert rows["my visits"].goal == "≥ 0.25 × hello"
    assert rows["visit detail"].value == pytest.approx(0.2)
    assert rows["every page"].figure == "0.035 × hello (school dashboard; 0 of 6 under)"
    p95 = rows["every page: p95 at -c10"]
    assert p95.figure == "240 ms (school dashboard; 0 of 6 over)" and p95.goal == "≤ 250 ms"
    mixed = rows["mixed: rate held 60 s"]
    assert mixed.name == "mixed: rate held 60 s (p95 ≤ 200 ms, 0 errors)"
    assert (mixed.figure, mixed.goal) == ("210 req/s", "≥ 200 req/s")
    district_wide = rows["district-wide reports: one request"]
    assert (district_wide.figure, district_wide.goal) == (
        "250 ms (report 2; 0 of 2 over)",
        "≤ 250 ms",
    )


def test_a_district_wide_report_over_its_time_fails_and_one_not_run_is_skipped():
    slow = by_name(bench.targets(district(), 1000.0, rates(210), reports=reports(1767, 90, 251)))
    row = slow["district-wide reports: one request"]
    assert (row.figure, row.verdict) == ("1767 ms (report 1; 2 of 3 over)", "FAIL")
    skipped = by_name(bench.targets(district(), 1000.0, rates(210)))
    assert skipped["district-wide reports: one request"].verdict == "SKIP"
    missing = by_name(bench.targets(district(), 1000.0, rates(210), reports=[]))
    assert missing["district-wide reports: one request"].verdict == "FAIL"


def test_each_target_fails_on_its_own_figure():
    checked = bench.targets(
        district(
            **{
                "signed-in no-op": page("signed-in no-op", 499, role="floor"),
                "my visits": page("my visits", 249),
                "family card": page("family card", 199),
                "roster": page("roster", 29, role="coordinator"),
                "school dashboard": page("school dashboard", 35, p95_low=251, role="coordinator"),
            }
        ),
        1000.0,
        rates(199),
    )
    failed = {t.name for t in checked if t.verdict == "FAIL"}
    assert failed == {
        "signed-in no-op: throughput",
        "my visits: throughput",
        "family card: throughput",
        "every page: throughput",
        "every page: p95 at -c10",
        "mixed: rate held 60 s (p95 ≤ 200 ms, 0 errors)",
    }
    rows = by_name(checked)
    assert rows["every page"].figure == "0.029 × hello (roster; 1 of 6 under)"


def test_errors_in_either_pass_fail_the_page_runs():
    checked = bench.targets(district(roster=page("roster", 40, low_errors=3)), 1000.0, None)
    errors = next(t for t in checked if t.name == "errors in the page runs")
    assert (errors.figure, errors.verdict) == ("3", "FAIL")


def test_a_missing_page_fails_a_full_run_and_is_skipped_in_a_chosen_one():
    pages = district(**{"reflection form": None})
    full = by_name(bench.targets(pages, 1000.0, rates(250)))
    chosen = by_name(bench.targets(pages, 1000.0, rates(250), complete=False))
    assert (full["reflection form"].figure, full["reflection form"].verdict) == (
        "not measured",
        "FAIL",
    )
    assert chosen["reflection form"].verdict == "SKIP"


def test_the_mixed_run_skipped_or_held_nowhere():
    skipped = by_name(bench.targets(district(), 1000.0, None))
    assert skipped["mixed: rate held"].verdict == "SKIP"
    none = by_name(bench.targets(district(), 1000.0, rates(None)))["mixed: rate held 60 s"]
    assert none.verdict == "FAIL" and none.figure == "none (down to 50 req/s)"


def test_two_servers_are_shown_beside_one_without_a_verdict():
    checked = bench.targets(district(), 1000.0, rates(200), rates(300, servers=2))
    pair = checked[-1]
    assert pair.name == "mixed, 2 app servers: rate held 60 s"
    assert pair.figure == "300 req/s (1.50 × one server)"
    assert pair.verdict == "INFO"
    assert bench.failed([asdict(t) for t in checked]) == []


def test_strict_counts_failures_only():
    pages = district(**{"reflection form": None, "my visits": page("my visits", 100)})
    checked = [asdict(t) for t in bench.targets(pages, 1000.0, None, complete=False)]
    assert {t["verdict"] for t in checked} == {"PASS", "FAIL", "SKIP"}
    assert bench.failed(checked) == ["my visits: throughput"]


def test_a_baseline_that_moved_during_the_run_is_said(capsys):
    settings = bench.Settings()
    hellos = []
    for name, rps in [("before", 417.0), ("after", 1158.0), ("mean", 787.5)]:
        hello = page(f"hello-world ({name})", rps, role="baseline")
        hello.latency = None
        hellos.append(hello)
    bench.report(settings, "sqlite:///x.db", district(), hellos, None, None, True, [])
    assert "hello-world moved 64% between before and after" in capsys.readouterr().out

    hellos[1].rps = 450.0
    bench.report(settings, "sqlite:///x.db", district(), hellos, None, None, True, [])
    assert "hello-world moved" not in capsys.readouterr().out


def test_each_page_row_says_which_targets_it_misses():
    assert bench.misses(page("my visits", 260), 1000.0) == []
    assert bench.misses(page("my visits", 240, p95_low=300), 1000.0) == ["< 0.25 ×", "p95 > 250"]
    assert bench.misses(page("roster", 29, role="coordinator"), 1000.0) == ["< 0.03 ×"]
    assert bench.misses(page("signed-in no-op", 400, role="floor"), 1000.0) == ["< 0.50 ×"]
    assert bench.misses(page("hours", 40, role="coordinator", low_errors=1), 1000.0) == ["errors"]


def test_the_targets_table_is_printed_one_row_each(capsys):
    timed = reports(1767, 90)
    checked = bench.targets(district(), 1000.0, rates(210), reports=timed)
    settings = bench.Settings(p95_connections=10)
    hello = page("hello-world (mean)", 1000.0, role="baseline")
    hello.latency = None
    bench.report(
        settings, "sqlite:///x.db", district(), [hello], rates(210), None, True, checked, timed
    )
    out = capsys.readouterr().out
    assert re.search(r"report 1 +1767 +> 250 ms\n", out)  # the reports' own table
    table = out[out.index("Targets (issue #20)") :].splitlines()
    assert table[1].split() == ["target", "figure", "goal", "verdict"]
    assert len(table) == 3 + len(checked)
    assert all(line.rstrip().endswith(("PASS", "FAIL")) for line in table[3:])
    assert "my visits: throughput" in out and "210 req/s" in out


# ---- the load generator with two servers ------------------------------------------------------


class Counting(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn's answers allow

    def do_GET(self):
        self.server.paths.append(self.path)
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_mixed_run_sends_to_two_servers_in_turn():
    servers = []
    for _ in range(2):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counting)
        server.paths = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    try:
        bases = [f"http://127.0.0.1:{s.server_address[1]}" for s in servers]
        account = bench.Account("x", "session=1", "token")
        accounts = {"visitor1": account, "trainer": account}
        fx = bench.Fixtures([bench.Page("my visits", "visitor", "visitor1", "/visits/")])
        load = bench.Mixed(bases, accounts, fx, bench.Settings(write_share=0.0))

        probe = bench.summarize(40, 1, bench.run_coroutine(load.run(40, 1)))
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()

    assert (probe.requests, probe.errors) == (40, 0)
    assert [len(s.paths) for s in servers] == [20, 20]
    assert set(servers[0].paths) | set(servers[1].paths) == {"/visits/", "/training/"}
