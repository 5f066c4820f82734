"""Several views of one chat share one store in real JupyterLab.

anywidget hands `initialize` and each `render` a different proxy of the model; the view
finds the store `initialize` made by the model's `_transcript` value (the same object
through every proxy, and rewritten by the store after each response). If that broke,
each view would make its own store and send its own `sync`.
"""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import LabPage

REPLY = "Shared **reply**: " + " ".join(f"w{n}" for n in range(80))

NOTEBOOK = [
    "from servers import PacedServer\n"
    "from chatkit_widget import ChatKitWidget, protocol\n"
    "\n"
    "class CountingChat(ChatKitWidget):\n"
    "    '''Counts the sync requests its views send.'''\n"
    "    syncs = 0\n"
    "    def _handle_view_message(self, message):\n"
    "        if isinstance(message, protocol.Sync):\n"
    "            self.syncs += 1\n"
    "        super()._handle_view_message(message)\n"
    "\n"
    f"chat = CountingChat(PacedServer({REPLY!r}, delay=0.02))\n"
    "chat",
    "chat",
    "chat  # a third view, shown later",
]


def run_cell(lab_page: LabPage, index: int) -> None:
    lab_page.page.evaluate(
        """index => {
            const panel = window.jupyterapp.shell.currentWidget;
            panel.content.activeCellIndex = index;
            return window.jupyterapp.commands.execute('notebook:run-cell');
        }""",
        index,
    )


def test_two_views_of_one_chat_send_one_sync_and_show_the_same_stream(lab_page: LabPage):
    lab_page.write_notebook("shared.ipynb", NOTEBOOK[:2] + ["# the third view comes later"])
    lab_page.open("shared.ipynb")
    lab_page.run_all()
    roots = lab_page.page.locator(".ckw-root")
    expect(roots).to_have_count(2)
    first, second = roots.nth(0), roots.nth(1)

    composer = first.get_by_role("textbox", name="Message")
    composer.click()
    composer.fill("hello to both")
    composer.press("Enter")

    # Mid-stream, both views stream; at the end both show the very same reply.
    for root in (first, second):
        expect(root.locator(".ckw-user")).to_contain_text("hello to both")
        expect(root.locator(".ckw-assistant").last).to_contain_text("w5")
    for root in (first, second):
        expect(root.locator(".ckw-assistant").last).to_contain_text("w79", timeout=20_000)
        expect(root.get_by_role("button", name="Stop")).to_be_hidden(timeout=20_000)
    texts = [root.locator(".ckw-assistant").last.inner_text() for root in (first, second)]
    assert texts[0] == texts[1]
    assert texts[0].strip() == REPLY.replace("**", "")
    assert lab_page.execute("print(chat.syncs)").strip() == "1"

    # A view attached after the response draws the shared state at once, no new sync.
    lab_page.page.evaluate(
        """source => {
            const cell = window.jupyterapp.shell.currentWidget.content.widgets[2];
            cell.model.sharedModel.setSource(source);
        }""",
        NOTEBOOK[2],
    )
    run_cell(lab_page, 2)
    expect(roots).to_have_count(3)
    third = roots.nth(2)
    expect(third.locator(".ckw-assistant").last).to_contain_text("w79")
    assert third.locator(".ckw-assistant").last.inner_text() == texts[0]
    assert lab_page.execute("print(chat.syncs)").strip() == "1"
    lab_page.screenshot("view-sharing", lab_page.page.locator(".jp-NotebookPanel").first)
