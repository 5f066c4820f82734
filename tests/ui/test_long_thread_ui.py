"""A reply streaming at the end of an opened thread (issue 14): the thread's items sit in
one contained box that the stream leaves alone, and the view looks as before."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from .conftest import LabPage, chat_root, type_and_send

SEED = """
from datetime import datetime, timedelta
from chatkit.types import (AssistantMessageContent, AssistantMessageItem, InferenceOptions,
                           ThreadMetadata, UserMessageItem, UserMessageTextContent)
from chatkit_widget import ChatKitWidget, MemoryStore
from servers import PacedServer

async def seed(store, n_items):
    start = datetime(2025, 1, 1)
    thread = ThreadMetadata(id="thr_long", title="Long", created_at=start)
    await store.save_thread(thread, {})
    for n in range(n_items):
        at = start + timedelta(seconds=n)
        if n % 2 == 0:
            item = UserMessageItem(id=f"u{n:03d}", thread_id=thread.id, created_at=at,
                                   content=[UserMessageTextContent(text=f"Question {n}?")],
                                   attachments=[], inference_options=InferenceOptions())
        else:
            text = f"Answer **{n}**:\\n\\n- one\\n- two\\n\\n```python\\nx = {n}\\n```"
            item = AssistantMessageItem(id=f"a{n:03d}", thread_id=thread.id, created_at=at,
                                        content=[AssistantMessageContent(text=text)])
        await store.add_thread_item(thread.id, item, {})

store = MemoryStore()
await seed(store, 40)
REPLY = "Streaming after forty items. " * 30
chat = ChatKitWidget(PacedServer(REPLY, delay=0.01, store=store), initial_thread="thr_long",
                     height="600px")
chat
"""

# Each item's top (relative to the thread content) and the gap to the one before it.
LAYOUT = """root => {
  const content = root.querySelector(".ckw-thread-content").getBoundingClientRect();
  return [...root.querySelectorAll(".ckw-item")].map((el) => {
    const box = el.getBoundingClientRect();
    return { id: el.dataset.itemId, top: box.top - content.top, bottom: box.bottom - content.top };
  });
}"""


def test_streaming_after_an_opened_thread_leaves_its_items_alone(lab_page: LabPage):
    lab_page.write_notebook("long.ipynb", [SEED])
    lab_page.open("long.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    past = root.locator(".ckw-thread-past")
    expect(past.locator(".ckw-item")).to_have_count(40)
    before = root.evaluate(LAYOUT)

    type_and_send(lab_page, "And now?")
    reply = root.locator(".ckw-assistant").last
    expect(reply).to_contain_text("Streaming after forty items.")
    # Mid-stream and after: the opened items keep their place; the new turn follows them
    # outside the box, spaced like the items inside it.
    assert root.evaluate(LAYOUT)[:40] == before
    expect(root.get_by_role("button", name="Stop")).to_be_hidden(timeout=30_000)
    after = root.evaluate(LAYOUT)
    assert after[:40] == before
    assert [item["id"] for item in after[40:]] == [after[40]["id"], after[41]["id"]]
    assert past.locator(f"[data-item-id='{after[40]['id']}']").count() == 0
    # The turn's actions row sits between a039 and the new question, as between turns inside.
    gap_out = round(after[40]["top"] - after[39]["bottom"])
    gap_in = round(before[2]["top"] - before[1]["bottom"])
    assert gap_out == gap_in, (gap_out, gap_in)

    lab_page.screenshot("long-thread-light", root)
    lab_page.set_theme("JupyterLab Dark")
    try:
        expect(lab_page.page.locator("#jupyterlab-splash")).to_have_count(0)
        lab_page.screenshot("long-thread-dark", root)
    finally:
        lab_page.set_theme("JupyterLab Light")


def test_a_reply_restyles_only_what_changed(lab_page: LabPage):
    """A response's start and end (Send turning into Stop and back, the new turn) restyle a
    few elements, not the thread: the composer's `:has()` rules made Chromium restyle the
    whole output area (15,000 elements in a 1,000-item thread) three times per reply."""
    opened_in_full = "import chatkit_widget.client\nchatkit_widget.client.ITEMS_PAGE_SIZE = 300\n"
    lab_page.write_notebook(
        "restyle.ipynb", [opened_in_full + SEED.replace("seed(store, 40)", "seed(store, 300)")]
    )
    lab_page.open("restyle.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    expect(root.locator(".ckw-thread-past .ckw-item")).to_have_count(300)
    elements = root.evaluate("root => root.querySelectorAll('*').length")
    browser = lab_page.page.context.browser
    assert browser is not None
    # Focused and typed before the trace: moving the focus out of the cell restyles all of
    # it, the chat included, because of JupyterLab's own `:focus ::selection` rules.
    composer = root.get_by_role("textbox", name="Message")
    composer.click()
    composer.fill("And now?")
    browser.start_tracing(page=lab_page.page, categories=["devtools.timeline"])
    try:
        lab_page.page.keyboard.press("Enter")
        expect(root.locator(".ckw-assistant").last).to_contain_text("Streaming after forty items.")
        expect(root.get_by_role("button", name="Stop")).to_be_hidden(timeout=30_000)
        lab_page.page.wait_for_timeout(1500)  # the saved transcript's update too
    finally:
        raw = browser.stop_tracing()
    events = json.loads(raw)
    events = events["traceEvents"] if isinstance(events, dict) else events
    restyled = [
        e["args"].get("elementCount", 0) for e in events if e.get("name") == "UpdateLayoutTree"
    ]
    assert elements > 4000
    assert restyled and max(restyled) < 1000, (max(restyled), elements)
