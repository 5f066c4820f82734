"""The chat in real marimo (``marimo edit``), driven by Chromium.

marimo's edit mode delivers the kernel's messages to a view while a cell runs, but takes
up the view's messages (its ``sync`` too) only after the cell. So the kernel pushes
keyframes there (chatkit_widget/keyframes.py): a turn awaited by a cell streams into the
view. Stop and a message typed during the cell wait for it, the view says so, and the
composer works once the cell ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import ARTIFACTS, new_page
from .servers_launch import copy_server_modules, running_marimo_edit

APP = """import marimo

app = marimo.App()


@app.cell
def _():
    import asyncio

    from servers import PacedServer
    from chatkit_widget import ChatKitWidget

    words = " ".join(f"w{n}" for n in range(400))
    chat = ChatKitWidget(
        PacedServer(replies=[words, "Answered after the cell."], delay=0.02),
        title="marimo chat",
    )
    return asyncio, chat


@app.cell
def _(chat):
    chat
    return


@app.cell
async def _(asyncio, chat):
    turn = await chat.send("stream while the cell runs")
    await asyncio.sleep(12)  # the cell goes on after the reply
    return (turn,)


if __name__ == "__main__":
    app.run()
"""


# The chat shown only after a first exchange that no view saw, then a second one awaited.
LATE_VIEW_APP = """import marimo

app = marimo.App()


@app.cell
async def _():
    import marimo as mo

    from servers import PacedServer
    from chatkit_widget import ChatKitWidget

    words = " ".join(f"w{n}" for n in range(200))
    chat = ChatKitWidget(PacedServer(replies=["Before any view.", words], delay=0.02))
    await chat.send("first, before any view")
    mo.output.append(mo.ui.anywidget(chat))
    turn = await chat.send("shown while the cell runs")
    return


if __name__ == "__main__":
    app.run()
"""


@pytest.fixture(params=[APP])
def marimo_edit(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """``marimo edit`` on an app (the fixture's param), on 127.0.0.1, private config dirs."""
    copy_server_modules(tmp_path)
    (tmp_path / "app.py").write_text(request.param)
    with running_marimo_edit(tmp_path, "app.py") as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with new_page(browser) as page:
        yield page


def run_all(page: Page) -> None:
    """marimo's "Run all stale cells" (an edit-mode notebook does not run on open)."""
    page.locator(".cm-editor").first.wait_for(timeout=60_000)
    page.locator(".cm-editor").first.click()
    page.keyboard.press("Control+Shift+r")


def test_a_turn_awaited_by_a_cell_streams_into_the_view_in_marimo_edit(
    marimo_edit: str, page: Page
):
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(marimo_edit)
    run_all(page)
    root = page.locator(".ckw-root")
    assistant = root.locator(".ckw-assistant").last
    busy = root.locator(".ckw-busy")

    # While the cell awaits chat.send(...), the reply shows as it streams.
    expect(assistant).to_contain_text("w20", timeout=60_000)
    assert "w399" not in assistant.inner_text()  # mid-stream
    expect(busy).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    root.screenshot(path=str(ARTIFACTS / "marimo-edit-streaming.png"))
    # Stop cannot reach the kernel before the cell ends (the cell awaits this very reply):
    # the view says so instead of looking broken.
    root.get_by_role("button", name="Stop").click()
    expect(busy).to_contain_text("Stop waits for it", timeout=10_000)
    root.screenshot(path=str(ARTIFACTS / "marimo-edit-stop-waits.png"))
    expect(assistant).to_contain_text("w399", timeout=30_000)
    expect(busy).to_have_count(0)
    assert assistant.inner_text().split() == [f"w{n}" for n in range(400)]

    # The cell still runs: a message sent now waits for it, and the view says so.
    composer = root.get_by_role("textbox", name="Message")
    composer.click()
    composer.fill("after the reply")
    composer.press("Enter")
    expect(busy).to_contain_text("when it finishes", timeout=10_000)
    root.screenshot(path=str(ARTIFACTS / "marimo-edit-busy.png"))

    # The cell ends: the message goes, the reply comes, the composer works again.
    expect(assistant).to_contain_text("Answered after the cell.", timeout=40_000)
    expect(root.locator(".ckw-user").last).to_contain_text("after the reply")
    expect(busy).to_have_count(0)
    expect(composer).to_be_enabled()
    expect(root.get_by_role("button", name="Stop")).to_be_hidden()
    assert not [line for line in console if "chatkit-widget" in line.lower()]


@pytest.mark.parametrize("marimo_edit", [LATE_VIEW_APP], indirect=True)
def test_a_view_shown_after_an_unseen_exchange_follows_the_next_turn(marimo_edit: str, page: Page):
    # marimo sent the model's state when the chat was made (empty): the view still shows
    # the first exchange, then the second as it streams, all while the cell runs.
    page.goto(marimo_edit)
    run_all(page)
    root = page.locator(".ckw-root")
    assistant = root.locator(".ckw-assistant").last
    expect(assistant).to_contain_text("w20", timeout=60_000)
    assert "w199" not in assistant.inner_text()  # mid-stream
    expect(root.locator(".ckw-user")).to_have_count(2)
    expect(root.locator(".ckw-assistant").first).to_have_text("Before any view.")
    expect(root.locator(".ckw-busy")).to_have_count(0)
    expect(assistant).to_contain_text("w199", timeout=30_000)
    expect(root.get_by_role("textbox", name="Message")).to_be_enabled(timeout=30_000)
