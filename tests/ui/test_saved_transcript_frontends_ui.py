"""The chat's transcript output in Jupyter Notebook 7 and Voilà (JupyterLab: see
test_saved_transcript_ui.py).

Notebook 7 routes display updates as JupyterLab does: the transcript follows the thread
(a later cell, the composer) without re-creating the view, and a save writes it. Voilà
does not route display updates; there the output stays hidden under the live chat.
"""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Browser, expect

from .conftest import new_page
from .servers_launch import copy_server_modules, notebook_json, running_notebook_7, running_voila

TRANSCRIPT = ".jp-OutputArea-child:has(.ckw-saved-transcript)"
CELLS = [
    "from servers import PacedServer\nfrom chatkit_widget import ChatKitWidget\n"
    "chat = ChatKitWidget(PacedServer(replies=['First answer.', 'Second answer.'], delay=0.01))\n"
    "chat",
    "await chat.send('from a later cell')",
]


def write_notebook(root: Path) -> Path:
    copy_server_modules(root)
    path = root / "chat.ipynb"
    path.write_text(notebook_json(CELLS))
    return path


def test_notebook_7_keeps_the_transcript_current_and_saves_it(tmp_path: Path, browser: Browser):
    path = write_notebook(tmp_path)
    with running_notebook_7(tmp_path) as (base, token), new_page(browser) as page:
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
    with running_voila(tmp_path, "chat.ipynb") as url, new_page(browser) as page:
        page.goto(url, timeout=90_000)
        root = page.locator(".ckw-root")
        expect(root.locator(".ckw-assistant")).to_contain_text("First answer.", timeout=90_000)
        expect(page.locator(TRANSCRIPT)).to_have_count(1)
        expect(page.locator(TRANSCRIPT)).to_be_hidden()
