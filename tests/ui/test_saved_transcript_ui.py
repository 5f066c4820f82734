"""A notebook saved from a live JupyterLab holds the conversation as it is at save time.

The chat's transcript is a second output with a display id of its own
(chatkit_widget/saved_output.py), updated after each response whoever started it (the
composer, a later cell, code run in the kernel). The live view is never re-created by
those updates, and it hides that output where it runs, so the chat shows once.
"""

from __future__ import annotations

import json

from playwright.sync_api import expect

from .conftest import LabPage, chat_root, type_and_send

SETUP = "from servers import PacedServer\nfrom chatkit_widget import ChatKitWidget\n"
TRANSCRIPT = ".jp-OutputArea-child:has(.ckw-saved-transcript)"


def saved_markdown(lab_page: LabPage, name: str) -> list[str]:
    notebook = json.loads((lab_page.lab.root / name).read_text())
    return [
        "".join(output["data"]["text/markdown"])
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if "text/markdown" in output.get("data", {})
    ]


def test_a_notebook_saved_from_a_live_lab_holds_the_current_transcript(lab_page: LabPage):
    page = lab_page.page
    lab_page.write_notebook(
        "saved-transcript.ipynb",
        [
            SETUP
            + "long = 'First **answer**.\\n\\n' + '\\n\\n'.join(f'Line {n}.' for n in range(40))\n"
            "chat = ChatKitWidget(PacedServer(replies=[long, 'Second answer.', 'Third answer.'],"
            " delay=0), title='Saved chat')\n"
            "chat",
            "print('a later cell')",
        ],
    )
    lab_page.open("saved-transcript.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    transcript = page.locator(TRANSCRIPT)
    expect(transcript).to_have_count(1)
    # The view runs: its transcript output is there, hidden; the chat shows once.
    expect(transcript).to_be_hidden()
    expect(transcript).to_contain_text("empty so far")

    # A response started from the composer (a comm message's task) updates it.
    type_and_send(lab_page, "from the composer")
    expect(root.locator(".ckw-assistant").last).to_contain_text("First answer.", timeout=20_000)
    expect(transcript).to_contain_text("First answer.", timeout=10_000)
    assert page.locator(".ckw-root").count() == 1

    # The live view survives later updates: same DOM node, draft and scroll kept.
    page.evaluate("() => { window.__ckwRoot = document.querySelector('.ckw-root'); }")
    composer = root.get_by_role("textbox", name="Message")
    composer.fill("a draft I am still writing")
    # Scrolled up to read: a re-created view would start again at the bottom.
    scroller = root.locator(".ckw-thread")
    expect(root.locator(".ckw-assistant").last).to_contain_text("Line 39.")
    scroller.hover()
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(300)
    top_before = scroller.evaluate("el => el.scrollTop")
    assert 0 < top_before < scroller.evaluate("el => el.scrollHeight - el.clientHeight") - 100
    # A response started by code in the kernel (no cell of the chat's own), then one from
    # a later cell: both reach the chat cell's transcript output.
    lab_page.execute("await chat.send('from the kernel')")
    expect(transcript).to_contain_text("Second answer.", timeout=10_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:move-cursor-down')")
    lab_page.execute("import asyncio\nasyncio.ensure_future(chat.send('from a task'))")
    expect(transcript).to_contain_text("Third answer.", timeout=20_000)
    expect(root.locator(".ckw-assistant").last).to_contain_text("Third answer.")
    assert page.evaluate("() => document.querySelector('.ckw-root') === window.__ckwRoot")
    expect(composer).to_have_value("a draft I am still writing")
    assert abs(scroller.evaluate("el => el.scrollTop") - top_before) <= 2
    expect(transcript).to_be_hidden()

    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function(
        "() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=20_000
    )
    (markdown,) = saved_markdown(lab_page, "saved-transcript.ipynb")
    assert markdown.startswith('<div class="ckw-saved-transcript"></div>')
    for text in (
        "from the composer",
        "First **answer**.",
        "from the kernel",
        "Second answer.",
        "from a task",
        "Third answer.",
    ):
        assert text in markdown, text
    lab_page.screenshot("saved-transcript-live-lab", root)

    # Reopened with a new kernel that never heard of the chat (and no saved widget state):
    # the view cannot run, so the transcript shows, as it was at save time.
    lab_page.lab.clean_up_kernels()
    page.goto(
        f"{lab_page.lab.url}/lab/tree/saved-transcript.ipynb?reset&token={lab_page.lab.token}"
    )
    transcript = page.locator(TRANSCRIPT)
    expect(transcript).to_be_visible(timeout=60_000)
    expect(transcript.locator("h1")).to_contain_text("Saved chat")
    expect(transcript).to_contain_text("Third answer.")
    expect(transcript.locator("strong").filter(has_text="answer")).to_have_count(1)
    lab_page.screenshot("saved-transcript-reopened", transcript)
    lab_page.set_theme("JupyterLab Dark")
    lab_page.screenshot("saved-transcript-reopened-dark", transcript)
    lab_page.set_theme("JupyterLab Light")


def test_an_untrusted_notebook_shows_the_saved_transcript_inert(lab_page: LabPage):
    # A notebook from elsewhere (not signed here: untrusted) with a chat's two outputs:
    # the view cannot run, the transcript shows, sanitized, with nothing live from the
    # hostile reply.
    from datetime import datetime

    from chatkit.types import (
        AssistantMessageContent,
        AssistantMessageItem,
        ThreadMetadata,
        UserMessageItem,
        UserMessageTextContent,
    )

    from chatkit_widget.saved_output import MARKER
    from chatkit_widget.transcript import to_markdown

    from ..hostile import REPLY

    now = datetime(2026, 1, 1)
    items = [
        UserMessageItem(
            id="u",
            thread_id="t",
            created_at=now,
            content=[UserMessageTextContent(text="hello")],
            inference_options={},
        ),
        AssistantMessageItem(
            id="a", thread_id="t", created_at=now, content=[AssistantMessageContent(text=REPLY)]
        ),
    ]
    thread = ThreadMetadata(id="t", title="<img src=x onerror=alert(1)>", created_at=now)
    markdown = f"{MARKER}\n\n{to_markdown(thread, items)}"
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "id": "c0",
                "metadata": {},
                "source": "chat",
                "outputs": [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {
                            "text/plain": "ChatKitWidget(thread_id='t', items=2)",
                            "application/vnd.jupyter.widget-view+json": {
                                "version_major": 2,
                                "version_minor": 0,
                                "model_id": "0123456789abcdef0123456789abcdef",
                            },
                        },
                    },
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"text/markdown": markdown},
                    },
                ],
            }
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (lab_page.lab.root / "untrusted.ipynb").write_text(json.dumps(notebook))
    lab_page.open("untrusted.ipynb")
    page = lab_page.page
    transcript = page.locator(TRANSCRIPT)
    expect(transcript).to_be_visible(timeout=30_000)
    expect(transcript).to_contain_text("Last line stays.")
    expect(transcript.locator("h1")).to_contain_text("<img src=x onerror=alert(1)>")
    assert page.locator(".ckw-root").count() == 0
    page.wait_for_timeout(500)
    assert lab_page.dialogs == []
    assert page.evaluate("() => window.__xss") is None
    assert lab_page.external_requests == []
    for selector in ("script", "img", "iframe", "svg", "style", "[onerror]"):
        assert transcript.locator(selector).count() == 0, selector


def test_the_hidden_transcript_keeps_out_of_the_table_of_contents(lab_page: LabPage):
    """The notebook's table of contents lists its own headings, not those of a reply in the
    chat's hidden transcript (they pointed at an output nobody sees)."""
    page = lab_page.page
    lab_page.write_notebook(
        "toc.ipynb",
        [
            "# A notebook heading",
            SETUP + "reply = '## Findings\\n\\nText.\\n\\nSummary\\n-------\\n\\nDone.'\n"
            "chat = ChatKitWidget(PacedServer(replies=[reply], delay=0), title='Chat title')\n"
            "chat",
        ],
    )
    # The first cell is Markdown.
    notebook = json.loads((lab_page.lab.root / "toc.ipynb").read_text())
    notebook["cells"][0].update(cell_type="markdown", metadata={})
    for key in ("outputs", "execution_count"):
        notebook["cells"][0].pop(key, None)
    (lab_page.lab.root / "toc.ipynb").write_text(json.dumps(notebook))
    lab_page.open("toc.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    type_and_send(lab_page, "Report, please")
    transcript = page.locator(TRANSCRIPT)
    expect(transcript).to_contain_text("Findings", timeout=20_000)
    page.evaluate("() => window.jupyterapp.commands.execute('toc:show-panel')")
    toc = page.locator(".jp-TableOfContents-tree")
    expect(toc).to_contain_text("A notebook heading")
    expect(root.locator(".ckw-assistant h2")).to_have_text(["Findings", "Summary"])
    page.wait_for_timeout(500)  # the table of contents follows output changes after a delay
    assert "Findings" not in toc.inner_text()
    assert "Summary" not in toc.inner_text()
    assert "Chat title" not in toc.inner_text()
