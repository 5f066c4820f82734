"""Attachments in Jupyter Notebook 7 (over the server's upload endpoint, as in JupyterLab)
and in Voilà (no endpoint there: binary comm buffers). The server answers with the
digest of the bytes it got, so the page shows what reached it."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from .conftest import new_page
from .servers_launch import copy_server_modules, notebook_json, running_notebook_7, running_voila

CELL = """
import hashlib
from servers import ComposerServer
from chatkit_widget import ChatKitWidget

class DigestServer(ComposerServer):
    async def respond(self, thread, item, context):
        if item is not None and item.attachments:
            data = self.attachment_store.read(item.attachments[0].id)
            self.reply = "sha256 " + hashlib.sha256(data).hexdigest()
        async for event in super().respond(thread, item, context):
            yield event

chat = ChatKitWidget(DigestServer(delay=0.01), attachments=True)
chat
"""
ENDPOINT = "/chatkit-widget/uploads"


def write_notebook(root: Path) -> None:
    copy_server_modules(root)
    (root / "attach.ipynb").write_text(notebook_json([CELL]))


def attach_and_send(page: Page, path: Path) -> None:
    root = page.locator(".ckw-root")
    button = root.get_by_role("button", name="Attach files")
    expect(button).to_be_enabled(timeout=90_000)
    with page.expect_file_chooser() as chooser:
        button.click()
    chooser.value.set_files(str(path))
    expect(root.locator(".ckw-attachment--done")).to_have_count(1, timeout=60_000)
    composer = root.get_by_role("textbox", name="Message")
    composer.fill("what is in it?")
    composer.press("Enter")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    expect(root.locator(".ckw-assistant").last).to_contain_text(f"sha256 {digest}", timeout=60_000)


def test_notebook_7_uploads_over_the_server_endpoint(tmp_path: Path, browser: Browser):
    write_notebook(tmp_path)
    data = tmp_path / "data.bin"
    data.write_bytes(os.urandom(2_000_000))
    with running_notebook_7(tmp_path) as (base, token), new_page(browser) as page:
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.method) if ENDPOINT in r.url else None)
        page.goto(f"{base}/notebooks/attach.ipynb?token={token}")
        page.wait_for_function(
            "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel"
            "?.status === 'idle'",
            timeout=60_000,
        )
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        attach_and_send(page, data)
        assert requests == ["GET", "PUT"]
    uploads = tmp_path / "JUPYTER_RUNTIME_DIR" / "chatkit-widget-uploads"
    assert [n for n in os.listdir(uploads) if not n.startswith("server-")] == []


def test_voila_uploads_over_the_comm(tmp_path: Path, browser: Browser):
    write_notebook(tmp_path)
    data = tmp_path / "data.bin"
    data.write_bytes(os.urandom(2_000_000))
    with running_voila(tmp_path, "attach.ipynb") as url, new_page(browser) as page:
        puts: list[str] = []
        page.on("request", lambda r: puts.append(r.url) if r.method == "PUT" else None)
        page.goto(url, timeout=90_000)
        attach_and_send(page, data)
        assert puts == []  # Voilà's server has no upload endpoint
