"""`make bench`'s machinery on a tiny district, about a second per page: a broken bench (a page
that no longer answers 200, a sign-in or a write that fails, wrk's output changing) is caught
here rather than on the day someone wants the figures."""

from __future__ import annotations

import json
import os
import shutil
import socket

import pytest

from bench import run as bench

pytestmark = [
    pytest.mark.skipif(
        shutil.which("wrk") is None and os.geteuid() != 0,
        reason="wrk is not installed and we are not root to install it (apt-get install -y wrk)",
    ),
    # The bench builds its own SQLite district (BENCH_DB unset), whichever database the suite
    # runs on: the PostgreSQL run would repeat the same measurement.
    pytest.mark.sqlite_only,
]


def free_port_pair() -> int:
    """A port whose next one is free too (the app, then hello-world)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no free ports")


def test_the_bench_measures_pages_hello_world_and_mixed_traffic(tmp_path, capsys):
    settings = bench.Settings(
        duration=1,
        connections=10,
        scale=0.002,
        p95_connections=2,
        rate=20,
        search=False,  # one rate, for a known count (the search: tests/test_bench_targets.py)
        mixed_seconds=2,
        pages=["my visits", "visit detail", "school dashboard", "admin home", "district report"],
        port=free_port_pair(),
        data=tmp_path / "data",
        results=tmp_path / "latest.json",
    )
    figures = bench.run(settings)
    out = capsys.readouterr().out

    pages = {p["name"]: p for p in figures["pages"]}
    assert set(pages) == set(settings.pages) - {"district report"}
    # A district-wide report: timed one request at a time, not loaded by wrk.
    [district] = figures["reports"]
    assert district["name"] == "district report" and district["ms"] > 0
    assert "district-wide reports: one request" in out
    for page in pages.values():
        assert page["requests"] > 0 and page["rps"] > 0, page
        assert page["errors"] == 0, page
        assert 0 < page["p50"] <= page["p95"] <= page["p99"], page
        # The latency pass: the same page at fewer connections.
        latency = page["latency"]
        assert latency["connections"] == 2 and page["connections"] == 10
        assert latency["requests"] > 0 and latency["errors"] == 0, page
        assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"], page
    assert [p["name"] for p in figures["floor"]] == ["signed-in no-op"]
    assert figures["hello"]["rps"] > 0 and figures["hello"]["errors"] == 0
    assert len(figures["hello_runs"]) == 2  # before and after: the machine is shared

    [run] = figures["mixed"]["probes"]
    assert (run["rate"], run["seconds"], run["requests"]) == (20, 2, 40)  # 20 requests/s for 2 s
    mixed = {row["kind"]: row for row in run["kinds"]}
    assert sum(row["count"] for row in mixed.values()) == 40
    # 40 draws from the mix (seeded): reads and writes both, the sync posts among the writes.
    assert any(kind.startswith("read: ") for kind in mixed), mixed
    assert any(kind.startswith("write: ") for kind in mixed), mixed
    assert figures["sync"] or "sync: not available in this build" in out
    assert all(row["errors"] == 0 for row in mixed.values()), mixed

    # The table and the verdicts are printed, with the ratio to hello-world; the pages left out
    # skip their targets; the same figures are written as JSON.
    assert "hello-world" in out and "× hello" in out
    targets = {t["name"]: t for t in figures["targets"]}
    assert targets["family card: throughput"]["verdict"] == "SKIP"
    assert targets["my visits: throughput"]["verdict"] in ("PASS", "FAIL")
    mixed_target = targets["mixed: rate held 2 s (p95 ≤ 200 ms, 0 errors)"]
    assert mixed_target["verdict"] == "FAIL"  # 20 requests/s is under the target, held or not
    for t in figures["targets"]:
        assert f"{t['name']}  " in out and t["verdict"] in out
    assert json.loads(settings.results.read_text())["targets"] == figures["targets"]
    # The dataset is reused by the next run while head, generator and scale are the same.
    assert bench.stored_key(bench.prepare_dataset(settings)) == bench.dataset_key(0.002)
    assert "Dataset: reusing" in capsys.readouterr().out
