"""Real-browser kit: one JupyterLab per test session, Debian Chromium driven by Playwright.

Recipes from shared/TESTING.md: Lab on 127.0.0.1 with private config/data/runtime dirs,
notebooks regenerated before every test, sessions and kernels deleted between tests,
and `window.jupyterapp` (expose_app_in_browser) to run cells and wait for the kernel.
"""

from __future__ import annotations

import json
import os
import secrets
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from .servers_launch import (
    JUPYTER_DIRS,
    SERVER_MODULES,
    copy_server_modules,
    free_port,
    jupyter_server_args,
    notebook_json,
    private_env,
    serving,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A synthetic microphone, granted without a prompt (dictation tests).
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass
class Lab:
    url: str
    token: str
    root: Path

    def api(self, method: str, path: str) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def clean_up_kernels(self) -> None:
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")
        for kernel in self.api("GET", "/api/kernels"):
            self.api("DELETE", f"/api/kernels/{kernel['id']}")


@contextmanager
def running_lab(base: Path, *, widgets: bool = True) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 with private config dirs under ``base``, in its own
    process group, stopped by its PID (also used by benchmarks/_lab.py).

    ``widgets=False``: a Lab without the widget manager, as if ``jupyterlab_widgets`` were
    missing from the server's environment; outputs then show their text fallback."""
    root = base / "root"
    root.mkdir()
    # The test notebooks import their servers from here.
    copy_server_modules(root, (*SERVER_MODULES, "action_servers.py"))
    env = private_env(base, (*JUPYTER_DIRS, "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR"))
    # No "get notified about Jupyter news?" toast over the chat's composer.
    notification = base / "JUPYTERLAB_SETTINGS_DIR" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    if not widgets:
        labconfig = base / "JUPYTER_CONFIG_DIR" / "labconfig"
        labconfig.mkdir()
        (labconfig / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {"@jupyter-widgets/jupyterlab-manager": True}})
        )
    port, token = free_port(), secrets.token_hex(16)
    args = [
        "jupyterlab",
        *jupyter_server_args(port, token, root),
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    lab = Lab(f"http://127.0.0.1:{port}", token, root)
    status = urllib.request.Request(
        f"{lab.url}/api/status", headers={"Authorization": f"token {token}"}
    )
    with serving(args, env=env, log=base / "lab.log", ready=status):
        yield lab


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"the browser tests need Chromium at {CHROMIUM} (make test installs it)")
    with running_lab(tmp_path_factory.mktemp("lab")) as lab:
        yield lab


@pytest.fixture(scope="session")
def lab_without_widgets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A second Lab, started only by the tests that use it: no widget manager."""
    with running_lab(tmp_path_factory.mktemp("lab-no-widgets"), widgets=False) as lab:
        yield lab


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LabPage:
    """A JupyterLab page with helpers to write, open and run notebooks."""

    def __init__(self, page: Page, lab: Lab) -> None:
        self.page, self.lab = page, lab
        self.console: list[str] = []
        self.dialogs: list[str] = []
        self.external_requests: list[str] = []
        page.on("console", self._on_console)
        page.on("dialog", self._on_dialog)
        page.on("request", self._on_request)

    def _on_console(self, message: ConsoleMessage) -> None:
        self.console.append(message.text)

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _on_request(self, request: Any) -> None:
        if not request.url.startswith((self.lab.url, "data:", "blob:", "about:")):
            self.external_requests.append(request.url)

    def write_notebook(self, name: str, cells: list[str]) -> None:
        (self.lab.root / name).write_text(notebook_json(cells))

    def open(self, name: str, theme: str = "JupyterLab Light") -> None:
        self.page.goto(f"{self.lab.url}/lab/tree/{name}?token={self.lab.token}&reset")
        self.page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
            " && window.jupyterapp.shell.currentWidget.sessionContext?.session?.kernel"
            "?.status === 'idle'",
            timeout=60_000,
        )
        # The theme is a user setting that outlives the page: a test that switched to dark
        # would leave it dark for the next one.
        if self.page.evaluate("() => document.body.dataset.jpThemeName") != theme:
            self.set_theme(theme)

    def set_theme(self, theme: str) -> None:
        self.page.evaluate(
            "theme => window.jupyterapp.commands.execute('apputils:change-theme', {theme})",
            theme,
        )
        self.page.wait_for_function(
            "theme => document.body.dataset.jpThemeName === theme", arg=theme, timeout=20_000
        )
        # Lab shows its splash while it switches themes: screenshots must wait it out.
        self.page.locator("#jupyterlab-splash").wait_for(state="detached", timeout=20_000)

    def run_all(self, timeout_ms: int = 60_000) -> None:
        # run-all resolves only once the kernel reports idle: race it against a timeout.
        self.page.evaluate(
            """timeout => Promise.race([
                window.jupyterapp.commands.execute('notebook:run-all-cells'),
                new Promise((_, reject) => setTimeout(() => reject(new Error('run-all timed out')), timeout)),
            ])""",  # noqa: E501
            timeout_ms,
        )
        self.page.wait_for_function(
            "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",  # noqa: E501
            timeout=timeout_ms,
        )

    def execute(self, code: str, timeout_ms: int = 60_000) -> str:
        """Run ``code`` in the open notebook's kernel (no cell); returns its stdout."""
        result = self.page.evaluate(
            """async ({code, timeout}) => {
                const panel = window.jupyterapp.shell.currentWidget;
                const kernel = panel.sessionContext.session.kernel;
                const future = kernel.requestExecute({code, stop_on_error: true});
                let out = "", error = null;
                future.onIOPub = (msg) => {
                    const {msg_type} = msg.header, c = msg.content;
                    if (msg_type === "stream") out += c.text;
                    else if (msg_type === "error") error = `${c.ename}: ${c.evalue}`;
                };
                const late = () => new Error("execute timed out");
                await Promise.race([
                    future.done,
                    new Promise((_, reject) => setTimeout(() => reject(late()), timeout)),
                ]);
                return {out, error};
            }""",
            {"code": code, "timeout": timeout_ms},
        )
        if result["error"]:
            raise AssertionError(f"the kernel failed to run {code!r}: {result['error']}")
        return str(result["out"])

    def screenshot(self, name: str, locator: Any = None) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        (locator or self.page).screenshot(path=str(path))
        return path


def chat_root(lab_page: LabPage, n: int = 0) -> Any:
    """The n-th chat view on the page."""
    return lab_page.page.locator(".ckw-root").nth(n)


def type_and_send(lab_page: LabPage, text: str, n: int = 0) -> None:
    """Type in the n-th chat's composer and press Enter, as a user would."""
    composer = chat_root(lab_page, n).get_by_role("textbox", name="Message")
    composer.click()
    composer.fill(text)
    composer.press("Enter")


@contextmanager
def new_page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies, storage or settings shared)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


@contextmanager
def _page_on(lab: Lab, browser: Browser) -> Iterator[LabPage]:
    try:
        with new_page(browser) as page:
            yield LabPage(page, lab)
    finally:
        lab.clean_up_kernels()


@pytest.fixture
def lab_page(lab: Lab, browser: Browser) -> Iterator[LabPage]:
    with _page_on(lab, browser) as page:
        yield page


@pytest.fixture
def lab_page_without_widgets(lab_without_widgets: Lab, browser: Browser) -> Iterator[LabPage]:
    with _page_on(lab_without_widgets, browser) as page:
        yield page
