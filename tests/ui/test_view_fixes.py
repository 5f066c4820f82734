"""View defects a new user trips over (issue 10): scroll following, keys inside the chat,
sizing in a row of widgets, fill height and the resize handle, visual details."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import LabPage, chat_root, type_and_send

SETUP = """
from servers import PacedServer
from chatkit_widget import ChatKitWidget
"""

# How far from the bottom a thread may rest and still count as "at the bottom".
AT_BOTTOM_PX = 2

DISTANCE_FROM_BOTTOM = "el => el.scrollHeight - el.scrollTop - el.clientHeight"


def _reply(n: int) -> str:
    # Replies of varying length, several paragraphs each, so the thread grows in steps.
    words = [12, 160, 40, 260, 6, 90][n % 6]
    paragraphs = "\n\n".join(
        " ".join(f"r{n}w{i}" for i in range(start, min(start + 30, words)))
        for start in range(0, words, 30)
    )
    return f"{paragraphs}\n\nEND{n}"


def test_twenty_sends_in_a_row_each_end_at_the_bottom(lab_page: LabPage):
    replies = [_reply(n) for n in range(20)]
    lab_page.write_notebook("follow.ipynb", [
        SETUP + f"chat = ChatKitWidget(PacedServer(replies={replies!r}, delay=0.004))\nchat",
    ])
    lab_page.open("follow.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    thread = root.locator(".ckw-thread")
    stop = root.get_by_role("button", name="Stop")
    missed = []
    for n in range(20):
        type_and_send(lab_page, f"message {n}")
        expect(root.locator(".ckw-assistant").last).to_contain_text(f"END{n}", timeout=30_000)
        expect(stop).to_be_hidden(timeout=30_000)
        try:
            thread.evaluate(
                f"""el => new Promise((resolve, reject) => {{
                    const t0 = performance.now();
                    const check = () => {{
                        if (({DISTANCE_FROM_BOTTOM})(el) <= {AT_BOTTOM_PX}) return resolve(true);
                        if (performance.now() - t0 > 2000) return reject(new Error('not at bottom'));
                        requestAnimationFrame(check);
                    }};
                    check();
                }})"""
            )
        except Exception:
            missed.append((n, thread.evaluate(DISTANCE_FROM_BOTTOM)))
    assert not missed, f"sends that did not end at the bottom (send, px from bottom): {missed}"
    expect(root.locator(".ckw-jump")).to_have_count(0)


def test_scrolling_up_stops_following_and_sending_brings_it_back(lab_page: LabPage):
    long = " ".join(f"w{n}" for n in range(1500))
    lab_page.write_notebook("scrollup.ipynb", [
        SETUP + f"chat = ChatKitWidget(PacedServer(replies=[{long!r}, 'short END'], delay=0.01))\nchat",
    ])
    lab_page.open("scrollup.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    thread = root.locator(".ckw-thread")
    type_and_send(lab_page, "long one")
    expect(root.locator(".ckw-assistant").last).to_contain_text("w300")
    # The user scrolls up with the wheel while the reply streams: the view stays put.
    thread.hover()
    lab_page.page.mouse.wheel(0, -400)
    expect(root.locator(".ckw-jump")).to_be_visible()
    expect(root.locator(".ckw-assistant").last).to_contain_text("w1499", timeout=30_000)
    assert thread.evaluate(DISTANCE_FROM_BOTTOM) > 300

    type_and_send(lab_page, "next")
    expect(root.locator(".ckw-assistant").last).to_contain_text("short END")
    expect(root.get_by_role("button", name="Stop")).to_be_hidden()
    lab_page.page.wait_for_function(
        f"el => ({DISTANCE_FROM_BOTTOM})(el) <= {AT_BOTTOM_PX}", arg=thread.element_handle()
    )
    expect(root.locator(".ckw-jump")).to_have_count(0)


NOTEBOOK = "window.jupyterapp.shell.currentWidget.content"


def test_keys_inside_the_chat_stay_in_the_chat_and_escape_returns_them(lab_page: LabPage):
    long = "\n\n".join(" ".join(f"p{p}w{n}" for n in range(40)) for p in range(30))
    lab_page.write_notebook("keys.ipynb", [
        SETUP + f"chat = ChatKitWidget(PacedServer({long!r}, delay=0.001))\nchat",
        "after = 1",
    ])
    lab_page.open("keys.ipynb")
    lab_page.run_all()
    page = lab_page.page
    root = chat_root(lab_page)
    thread = root.locator(".ckw-thread")
    type_and_send(lab_page, "a long reply please")
    expect(root.locator(".ckw-assistant").last).to_contain_text("p29w39", timeout=30_000)
    expect(root.get_by_role("button", name="Stop")).to_be_hidden()

    root.locator(".ckw-user-bubble").click()
    cells = page.evaluate(f"() => {NOTEBOOK}.widgets.length")
    page.keyboard.press("d")
    page.keyboard.press("d")
    assert page.evaluate(f"() => {NOTEBOOK}.widgets.length") == cells, "d d deleted a cell"

    before = thread.evaluate("el => el.scrollTop")
    page.keyboard.press("PageDown")
    expect(thread).not_to_have_js_property("scrollTop", before)
    assert thread.evaluate("el => el.scrollTop") > before
    page.keyboard.press("ArrowDown")
    assert page.evaluate(f"() => {NOTEBOOK}.activeCellIndex") == 0, "arrows moved the active cell"
    page.keyboard.press("Home")
    page.wait_for_function("el => el.scrollTop === 0", arg=thread.element_handle())

    page.keyboard.press("Escape")
    # Command mode has the keyboard again: "j" selects the next cell.
    page.keyboard.press("j")
    page.wait_for_function(f"() => {NOTEBOOK}.activeCellIndex === 1")
    assert page.evaluate(f"() => {NOTEBOOK}.mode") == "command"
