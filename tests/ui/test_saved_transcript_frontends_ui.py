"""The chat's transcript output in Jupyter Notebook 7 and Voilà (JupyterLab: see
test_saved_transcript_ui.py).

Notebook 7 routes display updates as JupyterLab does: the transcript follows the thread
(a later cell, the composer) without re-creating the view, and a save writes it. Voilà
does not route display updates; there the output stays hidden under the live chat.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from .conftest import _free_port

TRANSCRIPT = ".jp-OutputArea-child:has(.ckw-saved-transcript)"
CELLS = [
    "from servers import PacedServer\nfrom chatkit_widget import ChatKitWidget\n"
    "chat = ChatKitWidget(PacedServer(replies=['First answer.', 'Second answer.'], delay=0.01))\n"
    "chat",
    "await chat.send('from a later cell')",
]


def write_notebook(root: Path) -> Path:
    for module in ("servers.py", "server_kit.py"):  # as conftest's running_lab does
        (root / module).write_text(Path(__file__).with_name(module).read_text())
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"c{n}",
                "metadata": {},
                "outputs": [],
                "source": source,
            }
            for n, source in enumerate(CELLS)
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = root / "chat.ipynb"
    path.write_text(json.dumps(notebook))
    return path


@contextmanager
def server(base: Path, args: list[str], url: str) -> Iterator[None]:
    """A Jupyter server process (own process group, private config dirs), until it answers."""
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        (base / name).mkdir()
        env[name] = str(base / name)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    with open(base / "server.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=base,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=10)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((base / "server.log").read_text()[-3000:]) from None
                time.sleep(0.3)
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def new_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


def test_notebook_7_keeps_the_transcript_current_and_saves_it(tmp_path: Path, browser: Browser):
    path = write_notebook(tmp_path)
    port, token = _free_port(), secrets.token_hex(16)
    args = [
        "notebook",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}",
        "--allow-root",
        f"--ServerApp.root_dir={tmp_path}",
        "--JupyterNotebookApp.expose_app_in_browser=True",
    ]
    base = f"http://127.0.0.1:{port}"
    with server(tmp_path, args, f"{base}/api/status?token={token}"), new_page(browser) as page:
        page.goto(f"{base}/notebooks/chat.ipynb?token={token}")
        page.wait_for_function(
            "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel"
            "?.status === 'idle'",
            timeout=60_000,
        )
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        root = page.locator(".ckw-root")
        transcript = page.locator(TRANSCRIPT)
        # The later cell's reply reaches the first cell's transcript output, hidden.
        expect(transcript).to_contain_text("First answer.", timeout=60_000)
        expect(transcript).to_be_hidden()
        page.evaluate("() => { window.__ckwRoot = document.querySelector('.ckw-root'); }")
        composer = root.get_by_role("textbox", name="Message")
        composer.fill("from the composer")
        composer.press("Enter")
        expect(transcript).to_contain_text("Second answer.", timeout=20_000)
        assert page.evaluate("() => document.querySelector('.ckw-root') === window.__ckwRoot")
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        page.wait_for_function(
            "() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=20_000
        )
    outputs = json.loads(path.read_text())["cells"][0]["outputs"]
    markdown = "".join(outputs[1]["data"]["text/markdown"])
    assert "from a later cell" in markdown and "Second answer." in markdown


def test_voila_shows_the_chat_once(tmp_path: Path, browser: Browser):
    write_notebook(tmp_path)
    port = _free_port()
    args = ["voila", "chat.ipynb", "--no-browser", "--Voila.ip=127.0.0.1", f"--port={port}"]
    url = f"http://127.0.0.1:{port}/"
    with server(tmp_path, args, f"{url}voila/static/voila.js"), new_page(browser) as page:
        page.goto(url, timeout=90_000)
        root = page.locator(".ckw-root")
        expect(root.locator(".ckw-assistant")).to_contain_text("First answer.", timeout=90_000)
        expect(page.locator(TRANSCRIPT)).to_have_count(1)
        expect(page.locator(TRANSCRIPT)).to_be_hidden()
