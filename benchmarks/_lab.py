"""A JupyterLab and a Chromium page for the browser benchmarks, outside pytest.

The same recipe as the browser tests' fixtures (tests/ui/conftest.py, whose pieces this
reuses): Lab on 127.0.0.1 with private config dirs, in its own process group, stopped by
its PID; Debian's Chromium through Playwright.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS, Lab, LabPage, _free_port

SERVERS = Path(__file__).resolve().parents[1] / "tests" / "ui" / "servers.py"


@contextmanager
def running_lab() -> Iterator[Lab]:
    base = Path(tempfile.mkdtemp(prefix="ckw-bench-"))
    root = base / "root"
    root.mkdir()
    shutil.copy(SERVERS, root / "servers.py")
    env = dict(os.environ)
    for name in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
    ):
        (base / name).mkdir()
        env[name] = str(base / name)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    port, token = _free_port(), secrets.token_hex(16)
    log = open(base / "lab.log", "wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.token={token}",
            "--allow-root",
            f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    lab = Lab(f"http://127.0.0.1:{port}", token, root)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                lab.api("GET", "/api/status")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((base / "lab.log").read_text()[-3000:]) from None
                time.sleep(0.2)
        yield lab
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def lab_page(lab: Lab, init_script: str | None = None) -> Iterator[LabPage]:
    """A page on ``lab``; ``init_script`` runs in it before any of Lab's scripts."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            if init_script:
                context.add_init_script(init_script)
            page = context.new_page()
            page.set_default_timeout(60_000)
            yield LabPage(page, lab)
        finally:
            browser.close()
            lab.clean_up_kernels()
