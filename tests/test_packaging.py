"""What a district's IT installs: the runtime lock without test tools, and the container's files.

No container engine runs on the test machines, so the image is checked by what it is made of:
the files the Dockerfile copies, laid out as the image lays them out, start the app with
the container's own start script (migrations, gunicorn and the task consumer) and serve pages.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TEST_TOOLS = {"pytest", "pytest-xdist", "playwright", "pytest-playwright", "hypothesis", "ruff"}


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith(("#", "-r")):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def _name(requirement: str) -> str:
    return re.split(r"[<>=\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_the_runtime_lock_has_every_dependency_and_no_test_tool():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _pins(ROOT / "requirements.lock")
    test = _pins(ROOT / "requirements-test.lock")
    assert {_name(r) for r in project["dependencies"]} <= runtime.keys()
    assert not TEST_TOOLS & runtime.keys()
    assert {_name(r) for r in project["optional-dependencies"]["test"]} <= test.keys()
    assert not runtime.keys() & test.keys(), "a package pinned twice"
    assert (ROOT / "requirements-test.lock").read_text().count("-r requirements.lock\n") == 1


def _copied_paths() -> list[str]:
    paths = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            *sources, _target = line.split()[1:]
            paths += sources
    return paths


@pytest.mark.sqlite_only
def test_the_container_files_start_the_app(tmp_path):
    image = tmp_path / "app"
    image.mkdir()
    for path in _copied_paths():
        source = ROOT / path
        target = image / (path if "/" in path or source.is_dir() else source.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-r", str(source), str(target)], check=True)
    assert (image / "requirements.lock").exists()
    compile_catalogues = "from fieldapp.i18n import compile_catalogues; compile_catalogues()"
    subprocess.run(  # the Dockerfile's RUN: compiled catalogues in the image
        [str(BIN / "python"), "-c", compile_catalogues], cwd=image, check=True, capture_output=True
    )
    assert (image / "fieldapp/translations/hmn/LC_MESSAGES/family.mo").exists()
    (image / "instance").mkdir()
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FIELDAPP_", "PYTEST", "PYTHONPATH"))
    }
    env.update(
        BIN=str(BIN),
        HOST="127.0.0.1",
        PORT=str(port),
        WORKERS="1",
        FIELDAPP_ENV="production",
        FIELDAPP_SECRET_KEY="k" * 64,
        FIELDAPP_DATABASE_URL=f"sqlite:///{image / 'instance' / 'fieldapp.db'}",
        FIELDAPP_INSTANCE_PATH=str(image / "instance"),
    )
    log = (tmp_path / "container.log").open("w")
    server = subprocess.Popen(
        ["bash", "scripts/container-start.sh"],
        cwd=image,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        page = wait_until_serving(
            f"http://127.0.0.1:{port}/login", server, tmp_path / "container.log"
        ).decode()
        assert 'name="password"' in page
        css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]+)"', page)
        assert css, page[:500]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{css.group(1)}", timeout=5) as r:
            assert r.status == 200
        es = urllib.request.Request(
            f"http://127.0.0.1:{port}/login", headers={"Accept-Language": "es"}
        )
        with urllib.request.urlopen(es, timeout=5) as r:
            assert "Contraseña" in r.read().decode()  # the compiled Spanish catalogue is there
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        log.close()
