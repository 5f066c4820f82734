"""Screenshots of the dev harness in each scenario and theme (a dev tool, not a test).

Run from anywhere after `npm run build`, with a Python that has playwright and a
Chromium at /usr/bin/chromium:

    python js/dev/screenshot.py [scenario ...]

PNGs land in test-artifacts/ (git-ignored) at the repository root.
"""

from __future__ import annotations

import http.server
import socketserver
import sys
import threading
from functools import partial
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCENARIOS = ["start", "conversation", "tall", "streaming", "failure", "history"]
# Pseudo-scenarios: another scenario plus a setup step.
PLAYS = {"history": "conversation", "tall": "conversation"}
THEMES = ["light", "dark", "jp-light", "jp-dark"]


def jupyterlab_theme_css(name: str) -> Path | None:
    """Copy JupyterLab's theme variables (if JupyterLab is installed) where the server sees them."""
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        return None
    themes = Path(sys.prefix) / "share/jupyter/lab/themes/@jupyterlab"
    css = themes / f"theme-{name}-extension/index.css"
    if not css.exists():
        return None
    target = OUT / f"jp-theme-{name}.css"
    target.write_text(css.read_text())
    return target


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve() -> tuple[socketserver.TCPServer, int]:
    server = socketserver.TCPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(ROOT)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def harness_url(port: int, scenario: str, theme: str, jp_css: Path | None) -> str:
    query = "log=0" + ("&height=1450px" if scenario == "tall" else "")
    if theme.startswith("jp-"):
        assert jp_css is not None
        query += f"&theme=jp&jpcss=/{jp_css.relative_to(ROOT)}"
        query += "&jpdark=1" if theme == "jp-dark" else ""
    else:
        query += f"&theme={theme}"
    return f"http://127.0.0.1:{port}/js/dev/harness.html?{query}"


def main(scenarios: list[str]) -> None:
    OUT.mkdir(exist_ok=True)
    server, port = serve()
    jp = {"jp-light": jupyterlab_theme_css("light"), "jp-dark": jupyterlab_theme_css("dark")}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 960, "height": 1600})
            page.on("pageerror", lambda err: print("page error:", err))
            page.on("console", lambda msg: msg.type == "error" and print("console:", msg.text))
            for scenario in scenarios:
                for theme in THEMES:
                    if theme.startswith("jp-") and jp[theme] is None:
                        continue  # no JupyterLab installed: no JupyterLab theme
                    page.goto(harness_url(port, scenario, theme, jp.get(theme)))
                    page.wait_for_selector("body[data-ready=true] .ckw-root")
                    page.evaluate(f"harness.play({PLAYS.get(scenario, scenario)!r})")
                    if scenario == "history":
                        page.click("button[aria-label='Conversation history']")
                        page.wait_for_selector(".ckw-history-row")
                    page.wait_for_timeout(400)
                    path = OUT / f"ckw-{scenario}-{theme}.png"
                    page.locator("#cell").screenshot(path=str(path))
                    print(path.relative_to(ROOT))
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1:] or SCENARIOS)
