"""Issue 5 in the browser: threads. The history panel, new chat, rename, delete, retry,
feedback, and a conversation that survives a kernel restart (SQLiteStore)."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from .conftest import LabPage, chat_root, type_and_send

SETUP = """
from servers import PacedServer
from chatkit_widget import ChatKitWidget, SQLiteStore
"""

# Three threads made headless in the kernel, oldest first; the view ends on the newest.
THREE_THREADS = (
    SETUP
    + """
chat = ChatKitWidget(PacedServer(replies=["Answer one.", "Answer two.", "Answer three."],
                                 delay=0.001, titles=True),
                     history=True, greeting="Start a conversation")
display(chat)
for topic in ["first topic", "second topic", "third topic"]:
    await chat.new_thread()
    await chat.send(topic)
"""
)


def open_history(lab_page: LabPage):
    root = chat_root(lab_page)
    root.get_by_role("button", name="Conversation history").click()
    panel = root.get_by_role("dialog", name="Conversation history")
    expect(panel).to_be_visible()
    expect(panel.get_by_text("Loading…")).to_have_count(0)
    return panel


def run_in_kernel(lab_page: LabPage, code: str) -> str:
    """Run ``code`` in the notebook's kernel (not in a cell) and return its stdout."""
    return lab_page.page.evaluate(
        """async code => {
            const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
            const future = kernel.requestExecute({ code, store_history: false });
            let out = "";
            future.onIOPub = msg => {
                if (msg.header.msg_type === "stream") out += msg.content.text;
                const c = msg.content;
                if (msg.header.msg_type === "error") out += `${c.ename}: ${c.evalue}`;
            };
            await future.done;
            return out;
        }""",
        code,
    )


def kernel_eventually_prints(
    lab_page: LabPage, code: str, expected: str, timeout: float = 10
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        out = run_in_kernel(lab_page, code).strip()
        if out == expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the kernel printed {out!r}, expected {expected!r}")
        lab_page.page.wait_for_timeout(200)


def test_history_lists_threads_newest_first_and_opens_an_older_one(lab_page: LabPage):
    lab_page.write_notebook("history.ipynb", [THREE_THREADS])
    lab_page.open("history.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    expect(root.locator(".ckw-user")).to_have_text("third topic")
    expect(root.get_by_role("heading")).to_have_text("third topic")

    panel = open_history(lab_page)
    titles = panel.locator(".ckw-history-title")
    expect(titles).to_have_text(["third topic", "second topic", "first topic"])
    # The open thread is marked in the list.
    expect(panel.locator(".ckw-history-open[aria-current='true']")).to_contain_text("third topic")
    lab_page.screenshot("threads-history-panel", root)

    panel.get_by_role("button", name=re.compile(r"^first topic")).click()

    expect(panel).to_be_hidden()
    expect(root.get_by_role("heading")).to_have_text("first topic")
    expect(root.locator(".ckw-user")).to_have_text("first topic")
    expect(root.locator(".ckw-assistant")).to_have_text("Answer one.")
    expect(root.get_by_text("third topic")).to_have_count(0)
    assert run_in_kernel(lab_page, "print(chat.thread.title)").strip() == "first topic"

    root.get_by_role("button", name="New chat").click()

    expect(root.locator(".ckw-item")).to_have_count(0)
    expect(root.get_by_text("Start a conversation")).to_be_visible()
    expect(root.get_by_role("heading")).to_have_text("New chat")
    kernel_eventually_prints(lab_page, "print(chat.thread_id)", "None")


def test_rename_from_the_history_panel(lab_page: LabPage):
    lab_page.write_notebook("rename.ipynb", [THREE_THREADS])
    lab_page.open("rename.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    expect(root.get_by_role("heading")).to_have_text("third topic")
    panel = open_history(lab_page)

    panel.get_by_role("button", name="Rename third topic").click()
    field = panel.get_by_role("textbox", name="Conversation title")
    expect(field).to_have_value("third topic")
    field.fill("Renamed in the browser")
    field.press("Enter")

    expect(panel.locator(".ckw-history-title")).to_have_text(
        ["Renamed in the browser", "second topic", "first topic"]
    )
    expect(root.get_by_role("heading")).to_have_text("Renamed in the browser")
    lab_page.screenshot("threads-renamed", root)
    lab_page.set_theme("JupyterLab Dark")
    expect(lab_page.page.locator("#jupyterlab-splash")).to_have_count(0)  # the theme-change splash
    lab_page.screenshot("threads-renamed-dark", root)
    assert run_in_kernel(lab_page, "print(chat.thread.title)").strip() == "Renamed in the browser"
    # And in the store, not just in the kernel's copy.
    stored = run_in_kernel(lab_page, "print([t.title for t in await chat.threads()])").strip()
    assert stored == "['Renamed in the browser', 'second topic', 'first topic']"


def test_deleting_the_open_thread_empties_the_view(lab_page: LabPage):
    lab_page.write_notebook("delete.ipynb", [THREE_THREADS])
    lab_page.open("delete.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    expect(root.locator(".ckw-user")).to_have_text("third topic")
    panel = open_history(lab_page)

    panel.get_by_role("button", name="Delete third topic").click()
    expect(panel.get_by_text("Delete this conversation?")).to_be_visible()
    lab_page.screenshot("threads-delete-confirm", root)
    # Nothing is deleted before the confirmation.
    expect(panel.locator(".ckw-history-row")).to_have_count(3)
    panel.get_by_role("button", name="Delete", exact=True).click()

    expect(panel.locator(".ckw-history-title")).to_have_text(["second topic", "first topic"])
    expect(root.locator(".ckw-item")).to_have_count(0)
    expect(root.get_by_role("heading")).to_have_text("New chat")
    root.get_by_role("button", name="Close history").click()
    expect(root.get_by_text("Start a conversation")).to_be_visible()
    kernel_eventually_prints(lab_page, "print(chat.thread_id, len(await chat.threads()))", "None 2")


def test_retry_replaces_the_last_reply(lab_page: LabPage):
    lab_page.write_notebook(
        "retry_reply.ipynb",
        [
            SETUP + "chat = ChatKitWidget(PacedServer("
            "replies=['The first answer.', 'A second answer.'], delay=0.005), retry=True)\nchat",
        ],
    )
    lab_page.open("retry_reply.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    type_and_send(lab_page, "answer me")
    expect(root.locator(".ckw-assistant")).to_have_text("The first answer.")

    root.locator(".ckw-actions").get_by_role("button", name="Retry").click()

    expect(root.locator(".ckw-assistant")).to_have_text("A second answer.")
    # (Only the conversation: the screen-reader live region is not checked here.)
    conversation = root.get_by_role("region", name="Conversation")
    expect(conversation.get_by_text("The first answer.")).to_have_count(0)
    expect(root.locator(".ckw-user")).to_have_text("answer me")
    expect(root.get_by_role("button", name="Stop")).to_be_hidden()
    kernel_eventually_prints(
        lab_page,
        "print([type(i).__name__ for i in chat.items])",
        "['UserMessageItem', 'AssistantMessageItem']",
    )


def test_thumbs_up_reaches_the_kernel(lab_page: LabPage):
    lab_page.write_notebook(
        "feedback.ipynb",
        [
            SETUP
            + """
chat = ChatKitWidget(PacedServer("Rate me.", delay=0.001), feedback=True)
given = []

@chat.on_feedback
def record(thread_id, item_ids, kind):
    given.append((thread_id == chat.thread_id, len(item_ids), kind))

chat
""",
        ],
    )
    lab_page.open("feedback.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    type_and_send(lab_page, "how was that?")
    expect(root.locator(".ckw-assistant")).to_have_text("Rate me.")
    good = root.get_by_role("button", name="Good response")
    bad = root.get_by_role("button", name="Bad response")
    expect(good).to_have_attribute("aria-pressed", "false")

    good.click()

    expect(good).to_have_attribute("aria-pressed", "true")
    expect(bad).to_be_disabled()
    kernel_eventually_prints(lab_page, "print(given)", "[(True, 1, 'positive')]")
    lab_page.screenshot("threads-feedback", root)


def test_the_conversation_survives_a_kernel_restart(lab_page: LabPage):
    for suffix in ("", "-wal", "-shm"):
        (lab_page.lab.root / f"restart.db{suffix}").unlink(missing_ok=True)
    lab_page.write_notebook(
        "restart.ipynb",
        [
            SETUP + "chat = ChatKitWidget(PacedServer('Remembered for later.', delay=0.005,"
            " store=SQLiteStore('restart.db')), initial_thread='latest')\nchat",
        ],
    )
    lab_page.open("restart.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    expect(root.locator(".ckw-item")).to_have_count(0)
    type_and_send(lab_page, "remember this across restarts")
    expect(root.locator(".ckw-assistant")).to_have_text("Remembered for later.")
    expect(root.get_by_role("button", name="Stop")).to_be_hidden()
    thread_id = run_in_kernel(lab_page, "print(chat.thread_id); marker = 1").strip()
    assert thread_id.startswith("thr")

    lab_page.page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()"
    )
    lab_page.page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
        " === 'idle'",
        timeout=60_000,
    )
    assert run_in_kernel(lab_page, "print('marker' in dir())").strip() == "False"
    lab_page.run_all()

    root = chat_root(lab_page)
    expect(lab_page.page.locator(".ckw-root")).to_have_count(1)
    expect(root.locator(".ckw-user")).to_have_text("remember this across restarts")
    expect(root.locator(".ckw-assistant")).to_have_text("Remembered for later.")
    assert run_in_kernel(lab_page, "print(chat.thread_id)").strip() == thread_id
    lab_page.screenshot("threads-after-restart", root)
    # The restored thread is live: it continues in the browser.
    type_and_send(lab_page, "still there?")
    expect(root.locator(".ckw-assistant")).to_have_count(2)
    expect(root.locator(".ckw-assistant").last).to_have_text("Remembered for later.")
