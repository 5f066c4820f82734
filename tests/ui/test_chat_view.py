"""The chat view in a real JupyterLab and Chromium: type, stream, stop, retry, reload,
two views, themes, and hostile model output."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from ..hostile import REPLY
from .conftest import LabPage, chat_root, type_and_send

SETUP = """
from servers import PacedServer
from chatkit_widget import ChatKitWidget
"""


def test_typing_a_message_streams_the_reply_in(lab_page: LabPage):
    reply = "Streaming **works**: " + "word " * 60
    lab_page.write_notebook(
        "type.ipynb",
        [
            SETUP
            + f"chat = ChatKitWidget(PacedServer({reply!r}, delay=0.02), greeting='Hi there')\nchat",
        ],
    )
    lab_page.open("type.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    expect(root.get_by_text("Hi there")).to_be_visible()

    type_and_send(lab_page, "hello from the browser")

    expect(root.locator(".ckw-user")).to_contain_text("hello from the browser")
    assistant = root.locator(".ckw-assistant").last
    # Mid-stream: some text, not all of it, and the composer's Stop button is offered.
    expect(assistant).to_contain_text("Streaming")
    expect(root.get_by_role("button", name="Stop")).to_be_visible()
    expect(assistant).to_contain_text("word word", timeout=20_000)
    expect(root.get_by_role("button", name="Stop")).to_be_hidden(timeout=20_000)
    expect(assistant.locator("strong")).to_have_text("works")
    assert assistant.inner_text().count("word") == 60
    lab_page.screenshot("view-reply-light", root)


def test_stop_ends_the_stream_and_keeps_the_partial_text(lab_page: LabPage):
    reply = " ".join(f"w{n}" for n in range(400))
    lab_page.write_notebook(
        "stop.ipynb",
        [
            SETUP + f"chat = ChatKitWidget(PacedServer({reply!r}, delay=0.02))\nchat",
        ],
    )
    lab_page.open("stop.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    type_and_send(lab_page, "go")
    expect(root.locator(".ckw-assistant").last).to_contain_text("w10")

    root.get_by_role("button", name="Stop").click()

    expect(root.get_by_role("button", name="Stop")).to_be_hidden()
    composer = root.get_by_role("textbox", name="Message")
    expect(composer).to_be_enabled()
    shown = root.locator(".ckw-assistant").last.inner_text()
    assert "w10" in shown and "w399" not in shown


def test_retry_after_an_error(lab_page: LabPage):
    lab_page.write_notebook(
        "retry.ipynb",
        [
            SETUP
            + "chat = ChatKitWidget(PacedServer('Recovered fine.', delay=0.01, fail_times=1))\nchat",
        ],
    )
    lab_page.open("retry.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    type_and_send(lab_page, "please")

    alert = root.get_by_role("alert")
    expect(alert).to_be_visible()
    alert.get_by_role("button", name="Retry").click()

    expect(root.locator(".ckw-assistant").last).to_contain_text("Recovered fine.")
    expect(root.get_by_role("alert")).to_have_count(0)
    expect(root.get_by_role("textbox", name="Message")).to_be_enabled()


def test_reloading_the_page_shows_the_thread(lab_page: LabPage):
    lab_page.write_notebook(
        "reload.ipynb",
        [
            SETUP
            + "chat = ChatKitWidget(PacedServer('Still here after a reload.', delay=0.005))\nchat",
        ],
    )
    lab_page.open("reload.ipynb")
    lab_page.run_all()
    type_and_send(lab_page, "remember me")
    expect(chat_root(lab_page).locator(".ckw-assistant").last).to_contain_text("after a reload")
    lab_page.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")

    lab_page.page.reload()
    lab_page.page.wait_for_function(
        "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle'",
        timeout=60_000,
    )

    root = chat_root(lab_page)
    expect(root.locator(".ckw-user")).to_contain_text("remember me")
    expect(root.locator(".ckw-assistant").last).to_contain_text("Still here after a reload.")


def test_two_views_of_one_chat_stay_in_sync(lab_page: LabPage):
    lab_page.write_notebook(
        "two.ipynb",
        [
            SETUP + "chat = ChatKitWidget(PacedServer('Both views see this.', delay=0.01))\nchat",
            "chat",
        ],
    )
    lab_page.open("two.ipynb")
    lab_page.run_all()
    expect(lab_page.page.locator(".ckw-root")).to_have_count(2)

    type_and_send(lab_page, "one message", n=0)

    for n in (0, 1):
        root = chat_root(lab_page, n)
        expect(root.locator(".ckw-user")).to_contain_text("one message")
        expect(root.locator(".ckw-assistant").last).to_contain_text("Both views see this.")


def test_light_and_dark_themes(lab_page: LabPage):
    lab_page.write_notebook(
        "theme.ipynb",
        [
            SETUP
            + "chat = ChatKitWidget(PacedServer('A **themed** reply with `code`.', delay=0.001),"
            " title='Theme check', prompts=[{'label': 'Say hi', 'prompt': 'hi'}])\nchat",
        ],
    )
    lab_page.open("theme.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    root.get_by_role("button", name="Say hi").click()
    expect(root.locator(".ckw-assistant").last).to_contain_text("themed reply")

    light_bg = root.evaluate("el => getComputedStyle(el).backgroundColor")
    lab_page.screenshot("view-light", root)
    lab_page.set_theme("JupyterLab Dark")
    expect(root).not_to_have_css("background-color", light_bg)
    dark_bg = root.evaluate("el => getComputedStyle(el).backgroundColor")
    lab_page.screenshot("view-dark", root)
    assert _luminance(dark_bg) < _luminance(light_bg)


def _luminance(css_color: str) -> float:
    r, g, b = (int(v) for v in re.findall(r"\d+", css_color)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# The shared corpus (tests/hostile.py): scripts, handlers, frames, mXSS, <base>, styles,
# and a reply wearing the view's own classes to draw a fake layer over the chat.
HOSTILE = REPLY


def test_hostile_model_output_is_sanitized(lab_page: LabPage):
    lab_page.write_notebook(
        "xss.ipynb",
        [
            SETUP + f"chat = ChatKitWidget(PacedServer({HOSTILE!r}, delay=0.001, titles=True))\n"
            "chat",
        ],
    )
    lab_page.open("xss.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    # The user's message becomes the thread title: both shown as text, never as HTML.
    hostile_title = "<img src=x onerror=alert('XSS-MARKER')>"
    type_and_send(lab_page, hostile_title)
    assistant = root.locator(".ckw-assistant").last
    expect(assistant).to_contain_text("Last line stays.")
    expect(root.locator(".ckw-title")).to_have_text(hostile_title)
    expect(root.locator(".ckw-user").last).to_contain_text(hostile_title)
    assert root.locator(".ckw-title img, .ckw-user img").count() == 0
    lab_page.page.wait_for_timeout(500)  # give any injected handler a chance to run

    assert lab_page.dialogs == []
    assert not [line for line in lab_page.console if "XSS-MARKER" in line]
    assert lab_page.page.evaluate("() => window.__xss") is None
    assert lab_page.external_requests == []
    for selector in (
        "script",
        "iframe",
        "object",
        "form",
        "style",
        "svg[onload]",
        "[onerror]",
        "[ontoggle]",
        "a[href^='javascript']",
    ):
        assert assistant.locator(selector).count() == 0, selector
    # The injected <style> must not reach the page: body and the chat stay displayed.
    assert lab_page.page.evaluate("() => getComputedStyle(document.body).display") != "none"
    expect(root).to_be_visible()
    links = assistant.locator("a[href]")
    for n in range(links.count()):
        assert links.nth(n).get_attribute("rel") == "noopener noreferrer"
        assert links.nth(n).get_attribute("target") == "_blank"
    # Nothing from the reply poses as the view or lies over it.
    assert assistant.locator(".ckw-history, .ckw-banner--danger, [id], [style]").count() == 0
    positioned = assistant.evaluate("""el => Array.from(el.querySelectorAll('*'))
        .filter(e => !['static', 'relative'].includes(getComputedStyle(e).position))
        .map(e => e.outerHTML.slice(0, 120))""")
    assert positioned == []
    covered = root.evaluate("""root => {
        const r = root.getBoundingClientRect();
        // The header and the composer: what is there must not come from the reply.
        const points = [[0.5, 0.03], [0.3, 0.97], [0.7, 0.97]];
        return points.map(([x, y]) => document.elementFromPoint(
            r.left + x * r.width, r.top + y * r.height))
          .filter(e => !e || e.closest('.ckw-assistant'))
          .length;
    }""")
    assert covered == 0


def test_a_reply_still_streaming_continues_after_a_page_reload(lab_page: LabPage):
    # ~15 s of streaming: long enough to outlast a page reload on a slow machine.
    reply = " ".join(f"w{n}" for n in range(300))
    lab_page.write_notebook(
        "midreload.ipynb",
        [
            SETUP + f"chat = ChatKitWidget(PacedServer({reply!r}, delay=0.04))\nchat",
        ],
    )
    lab_page.open("midreload.ipynb")
    lab_page.run_all()
    type_and_send(lab_page, "long one")
    expect(chat_root(lab_page).locator(".ckw-assistant").last).to_contain_text("w5")
    lab_page.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")

    lab_page.page.reload()

    root = chat_root(lab_page)
    assistant = root.locator(".ckw-assistant").last
    expect(assistant).to_contain_text("w5", timeout=60_000)
    shown_early = assistant.inner_text()
    assert "w299" not in shown_early  # still streaming when the new view caught up
    expect(assistant).to_contain_text("w299", timeout=40_000)
    expect(root.get_by_role("textbox", name="Message")).to_be_enabled()
    assert assistant.inner_text().split() == reply.split()


def test_the_text_fallback_is_inert_in_a_lab_without_the_widget_manager(
    lab_page_without_widgets: LabPage,
):
    # JupyterLab renders a fresh text/markdown output as trusted HTML: every payload of the
    # corpus, in a reply and in the thread title, must stay text.
    lab = lab_page_without_widgets
    lab.write_notebook(
        "fallback.ipynb",
        [
            SETUP + f"chat = ChatKitWidget(PacedServer({REPLY!r}, delay=0, titles=True))\nchat",
            "await chat.send('<img src=x onerror=alert(1)>')",
            "chat",
        ],
    )
    lab.open("fallback.ipynb")
    lab.run_all()
    outputs = lab.page.locator(".jp-OutputArea-output.jp-RenderedMarkdown")
    expect(outputs).to_have_count(2)
    # The first output was displayed before the reply: it follows the thread.
    for n in range(2):
        expect(outputs.nth(n)).to_contain_text("Last line stays.")
        expect(outputs.nth(n).locator("h1")).to_contain_text("<img src=x onerror=alert(1)>")
    lab.page.wait_for_timeout(500)  # give any injected handler a chance to run

    assert lab.dialogs == []
    assert not [line for line in lab.console if "XSS-MARKER" in line]
    assert lab.page.evaluate("() => window.__xss") is None
    assert lab.external_requests == []
    for selector in (
        "script",
        "img",
        "iframe",
        "object",
        "form",
        "style",
        "svg",
        "base",
        "video",
        "details",
        "math",
        "mjx-container",
        "[onerror]",
        "[style]",
        # Only the marker the widget itself writes (saved_output.py): none from the reply.
        "[class*='ckw-']:not(.ckw-saved-transcript)",
    ):
        assert outputs.locator(selector).count() == 0, selector
    # No view runs here, so nothing hides the transcripts.
    for n in range(2):
        expect(outputs.nth(n)).to_be_visible()
    # Links: only Lab's heading anchors and plain web URLs (GFM links bare URLs).
    hrefs = outputs.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert all(h.startswith(("#", "https://", "http://")) for h in hrefs), hrefs
    assert lab.page.evaluate("() => getComputedStyle(document.body).display") != "none"
    assert lab.page.evaluate("() => document.querySelectorAll('base').length") == 0


def test_stop_during_a_client_tool_leaves_no_spinner(lab_page: LabPage):
    lab_page.write_notebook(
        "stop-tool.ipynb",
        [
            SETUP + "import asyncio\n"
            "chat = ChatKitWidget(PacedServer('Answered.', client_tool='lookup'))\n"
            "@chat.client_tool('lookup')\n"
            "async def lookup():\n"
            "    await asyncio.sleep(600)\n"
            "    return {}\n"
            "chat",
        ],
    )
    lab_page.open("stop-tool.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    type_and_send(lab_page, "look it up")
    tool = root.locator(".ckw-tool")
    expect(tool).to_have_attribute("data-status", "pending")

    root.get_by_role("button", name="Stop").click()

    expect(tool).to_have_attribute("data-status", "completed")
    expect(root.get_by_role("button", name="Stop")).to_be_hidden()
    expect(root.get_by_role("textbox", name="Message")).to_be_enabled()
    # Kernel and view agree with the store: nothing pending anywhere.
    out = lab_page.execute(
        "import asyncio\n"
        "page = await chat.server.store.load_thread_items(chat.thread_id, None, 20, 'asc', {})\n"
        "print([getattr(i, 'status', '-') for i in page.data if i.type == 'client_tool_call'],"
        " [getattr(i, 'status', '-') for i in chat.items if i.type == 'client_tool_call'])"
    )
    assert out.strip() == "['completed'] ['completed']"
