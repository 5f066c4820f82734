"""A notebook saved with widget state shows the conversation when it is reopened.

The kernel does not resend the ``_transcript`` trait after each response (that would be
the whole thread every time); the view keeps its own model's copy current, so
JupyterLab's "Save Widget State Automatically" writes the finished conversation into the
notebook. Reopened, the view draws it from the saved state.

Note: JupyterLab (jupyterlab_widgets 3.0) restores saved widget state only when the
notebook has a kernel (a notebook opened with "No Kernel" shows "Loading widget..." for
every widget). So the notebook is reopened with a fresh kernel that has never heard of
the chat's model: no comm, no snapshot, only the saved state.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from .conftest import LabPage

SAVE_STATE = "@jupyter-widgets/jupyterlab-manager:saveWidgetState"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
REPLY = "The **saved** answer, with `code` and a list:\n\n- one\n- two\n"

NOTEBOOK = [
    "from servers import PacedServer\n"
    "from chatkit_widget import ChatKitWidget\n"
    f"chat = ChatKitWidget(PacedServer({REPLY!r}, delay=0.01), title='Saved chat')\n"
    "kernel_writes = []\n"
    "chat.observe(lambda change: kernel_writes.append(change['name']), names=['_transcript'])\n"
    "chat",
]


def is_toggled(lab_page: LabPage) -> bool:
    return lab_page.page.evaluate("id => window.jupyterapp.commands.isToggled(id)", SAVE_STATE)


@pytest.fixture
def save_widget_state(lab_page: LabPage) -> Iterator[None]:
    """Turn on "Save Widget State Automatically" (a Lab setting: put back afterwards)."""
    page = lab_page.page
    page.goto(f"{lab_page.lab.url}/lab?reset&token={lab_page.lab.token}")
    page.wait_for_function(
        "id => window.jupyterapp?.commands.hasCommand(id)", arg=SAVE_STATE, timeout=60_000
    )
    was_on = is_toggled(lab_page)
    if not was_on:
        lab_page.page.evaluate("id => window.jupyterapp.commands.execute(id)", SAVE_STATE)
        lab_page.page.wait_for_function(
            "id => window.jupyterapp.commands.isToggled(id)", arg=SAVE_STATE
        )
    yield
    if not was_on and not lab_page.page.is_closed():
        lab_page.page.evaluate(
            """id => window.jupyterapp.commands.isToggled(id)
                && window.jupyterapp.commands.execute(id)""",
            SAVE_STATE,
        )


def saved_chat_state(lab_page: LabPage, name: str) -> dict:
    """The chat model's state in the notebook file, once a save has written it."""
    deadline = time.monotonic() + 20
    while True:
        notebook = json.loads((lab_page.lab.root / name).read_text())
        models = notebook["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
        chats = [m["state"] for m in models.values() if "_transcript" in m.get("state", {})]
        if chats or time.monotonic() > deadline:
            assert len(chats) == 1, f"expected one saved chat model, found {len(chats)}"
            return chats[0]
        time.sleep(0.2)


def test_a_saved_notebook_reopens_showing_the_conversation(
    lab_page: LabPage, save_widget_state: None
):
    lab_page.write_notebook("saved.ipynb", NOTEBOOK)
    lab_page.open("saved.ipynb")
    lab_page.run_all()
    root = lab_page.page.locator(".ckw-root").first
    composer = root.get_by_role("textbox", name="Message")
    composer.click()
    composer.fill("remember this")
    composer.press("Enter")
    expect(root.locator(".ckw-assistant").last).to_contain_text("saved answer", timeout=20_000)
    expect(root.get_by_role("button", name="Stop")).to_be_hidden()

    lab_page.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")

    # The file holds the finished conversation, and the view wrote it without a round
    # trip: the kernel's trait never changed.
    state = saved_chat_state(lab_page, "saved.ipynb")
    transcript = state["_transcript"]
    assert [item["type"] for item in transcript] == ["user_message", "assistant_message"]
    assert transcript[0]["content"][0]["text"] == "remember this"
    assert transcript[1]["content"][0]["text"] == REPLY
    assert state["_thread"]["id"] == transcript[0]["thread_id"]
    assert lab_page.execute("print(kernel_writes)").strip() == "[]"

    # Reopen in a fresh page: the old kernel is gone, a new one knows nothing of the chat.
    lab_page.lab.clean_up_kernels()
    lab_page.page.goto(f"{lab_page.lab.url}/lab/tree/saved.ipynb?reset&token={lab_page.lab.token}")
    root = lab_page.page.locator(".ckw-root").first
    expect(root.locator(".ckw-user")).to_contain_text("remember this", timeout=60_000)
    assistant = root.locator(".ckw-assistant").last
    expect(assistant).to_contain_text("saved answer")
    expect(assistant.locator("strong")).to_have_text("saved")
    expect(assistant.locator("li")).to_have_count(2)
    # Nothing answers its sync: it says so, and does not pretend it can chat.
    expect(root.locator(".ckw-offline")).to_contain_text(
        "Not connected to the kernel", timeout=15_000
    )
    expect(root.get_by_role("textbox", name="Message")).to_be_disabled()
    expect(root.get_by_role("button", name="Retry")).to_have_count(0)
    lab_page.screenshot("saved-notebook-reopened", root)
    assert not [
        line for line in lab_page.console if "chatkit-widget" in line and "error" in line.lower()
    ]
