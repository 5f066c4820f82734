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
    lab_page.write_notebook(
        "follow.ipynb",
        [
            SETUP + f"chat = ChatKitWidget(PacedServer(replies={replies!r}, delay=0.004))\nchat",
        ],
    )
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
                        const late = performance.now() - t0 > 2000;
                        if (late) return reject(new Error('not at bottom'));
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
    # Short paragraphs, so the thread overflows early in the stream.
    long = "\n\n".join(" ".join(f"w{n}" for n in range(p, p + 10)) for p in range(0, 1500, 10))
    lab_page.write_notebook(
        "scrollup.ipynb",
        [
            SETUP + f"chat = ChatKitWidget(PacedServer(replies=[{long!r}, 'short END'],"
            " delay=0.01))\nchat",
        ],
    )
    lab_page.open("scrollup.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    thread = root.locator(".ckw-thread")
    type_and_send(lab_page, "long one")
    expect(root.locator(".ckw-assistant").last).to_contain_text("w300", timeout=30_000)
    assert thread.evaluate("el => el.scrollHeight > el.clientHeight + 400")
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
    lab_page.write_notebook(
        "keys.ipynb",
        [
            SETUP + f"chat = ChatKitWidget(PacedServer({long!r}, delay=0.001))\nchat",
            "after = 1",
        ],
    )
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


def _width(locator) -> float:
    return float(locator.evaluate("el => el.getBoundingClientRect().width"))


def test_in_an_hbox_the_chat_takes_the_space_left_and_keeps_its_width(lab_page: LabPage):
    wide = "`" + "x" * 400 + "`\n\n" + "| a | b |\n|---|---|\n| " + "long " * 80 + "| c |"
    lab_page.write_notebook(
        "hbox.ipynb",
        [
            SETUP + "import ipywidgets as widgets\n"
            f"chat = ChatKitWidget(PacedServer(replies=['short', {wide!r}], delay=0.001),"
            " placeholder='Ask me about the trip, the weather or anything else you like')\n"
            "panel = widgets.VBox([widgets.Button(description='hi')],"
            " layout=widgets.Layout(width='40%'))\n"
            "widgets.HBox([panel, chat])",
        ],
    )
    lab_page.open("hbox.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    box = lab_page.page.locator(".widget-hbox").first
    panel = box.locator(".widget-vbox").first
    expect(root.locator(".ckw-greeting")).to_be_visible()
    box_width = _width(box)
    start = _width(root)
    # The neighbour keeps its 40 %; the chat takes what is left.
    assert abs(_width(panel) - 0.4 * box_width) < 3, (_width(panel), box_width)
    assert start > 0.55 * box_width, (start, box_width)
    lab_page.screenshot("view-hbox-start", box)

    widths = []
    for n, text in enumerate(["first", "second"]):
        type_and_send(lab_page, text)
        expect(root.locator(".ckw-assistant")).to_have_count(n + 1)
        expect(root.get_by_role("button", name="Stop")).to_be_hidden()
        widths.append(_width(root))
    assert all(abs(w - start) < 1 for w in widths), (start, widths)
    assert abs(_width(panel) - 0.4 * box_width) < 3
    _screenshots_light_and_dark(lab_page, {"view-hbox-replies": box})


def test_width_and_min_width_options(lab_page: LabPage):
    lab_page.write_notebook(
        "width.ipynb",
        [
            SETUP + "chat = ChatKitWidget(PacedServer('ok'), width='420px')\nchat",
            SETUP + "import ipywidgets as widgets\n"
            "narrow = ChatKitWidget(PacedServer('ok'), min_width='380px')\n"
            "widgets.HBox([widgets.Button(layout=widgets.Layout(width='90%')), narrow],"
            " layout=widgets.Layout(width='600px'))",
        ],
    )
    lab_page.open("width.ipynb")
    lab_page.run_all()
    expect(lab_page.page.locator(".ckw-root")).to_have_count(2)
    assert abs(_width(chat_root(lab_page, 0)) - 420) < 1
    assert _width(chat_root(lab_page, 1)) >= 379
    # Options are live: a new width from the kernel resizes the view.
    lab_page.execute("chat.width = '500px'")
    lab_page.page.wait_for_function(
        "el => Math.abs(el.getBoundingClientRect().width - 500) < 1",
        arg=chat_root(lab_page, 0).element_handle(),
    )


def _rect(locator) -> dict[str, float]:
    return locator.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return {top: r.top, bottom: r.bottom, height: r.height}; }"
    )


def test_fill_height_in_an_output_view_shows_one_scrollbar(lab_page: LabPage):
    lab_page.write_notebook(
        "fill.ipynb",
        [
            SETUP + "chat = ChatKitWidget(PacedServer('filled'), height='fill',"
            " title='Side chat')\nchat",
        ],
    )
    lab_page.open("fill.ipynb")
    lab_page.run_all()
    page = lab_page.page
    page.evaluate(f"() => {{ {NOTEBOOK}.activeCellIndex = 0; }}")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:create-output-view')")
    view = page.locator(".jp-LinkedOutputView")
    root = view.locator(".ckw-root")
    expect(root).to_be_visible()
    expect(root.locator(".ckw-header")).to_be_visible()
    page.wait_for_timeout(300)  # let the view settle into its panel size before measuring
    panel = _rect(view)
    chat = _rect(root)
    header, composer = _rect(root.locator(".ckw-header")), _rect(root.locator(".ckw-composer"))
    assert header["top"] >= panel["top"] - 1 and composer["bottom"] <= panel["bottom"] + 1, (
        panel,
        header,
        composer,
    )
    assert chat["height"] > 0.8 * panel["height"], (chat, panel)
    overflow = view.evaluate("el => el.scrollHeight - el.clientHeight")
    assert overflow <= 1, f"the output view scrolls by {overflow}px besides the thread"
    _screenshots_light_and_dark(lab_page, {"view-fill-output-view": page})


def test_the_resize_handle_changes_the_chat_height(lab_page: LabPage):
    lab_page.write_notebook(
        "resize.ipynb",
        [
            SETUP + "chat = ChatKitWidget(PacedServer('ok'), height='400px')\nchat",
        ],
    )
    lab_page.open("resize.ipynb")
    lab_page.run_all()
    page = lab_page.page
    root = chat_root(lab_page)
    handle = root.get_by_role("separator", name="Resize chat")
    start = _rect(root)["height"]
    assert abs(start - 400) < 1
    box = handle.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + 75, steps=3)
    page.mouse.move(x, y + 150, steps=3)
    page.mouse.up()
    assert abs(_rect(root)["height"] - 550) < 3
    # And from the keyboard.
    handle.focus()
    page.keyboard.press("ArrowUp")
    assert _rect(root)["height"] < 549


BROKEN_AFTER_REPLY = """
from chatkit.types import ErrorEvent

class BrokenAfterReply(PacedServer):
    # The reply arrives, then the response fails: the turn has both an answer and an error.
    async def respond(self, thread, item, context):
        async for event in super().respond(thread, item, context):
            yield event
        yield ErrorEvent(message="The model stopped early.", allow_retry=True)
"""


def test_visual_details_send_button_feedback_one_retry_placeholder(lab_page: LabPage):
    lab_page.write_notebook(
        "visual.ipynb",
        [
            SETUP + "ok = ChatKitWidget(PacedServer('A fine reply.', delay=0.001), feedback=True,"
            " width='320px', placeholder='Ask me about the trip, the weather or anything else')\nok",
            SETUP
            + BROKEN_AFTER_REPLY
            + "bad = ChatKitWidget(BrokenAfterReply('Half of this and then'))\nbad",
        ],
    )
    lab_page.open("visual.ipynb")
    lab_page.run_all()
    ok, bad = chat_root(lab_page, 0), chat_root(lab_page, 1)

    # A long placeholder in a narrow chat is not cut off.
    area = ok.get_by_role("textbox", name="Message")
    clipped = area.evaluate("el => el.scrollHeight - el.clientHeight")
    assert clipped <= 1, f"the placeholder overflows its textarea by {clipped}px"

    # The send button is a circle, centred in the (one-line) pill-shaped composer.
    send = bad.get_by_role("button", name="Send message")
    radius, size = send.evaluate(
        "el => [getComputedStyle(el).borderRadius, el.getBoundingClientRect().height]"
    )
    round_ = float(radius[:-1]) >= 50 if radius.endswith("%") else float(radius[:-2]) >= size / 2
    assert round_, radius
    form, button = _rect(bad.locator(".ckw-composer")), _rect(send)
    assert abs((form["top"] + form["bottom"]) / 2 - (button["top"] + button["bottom"]) / 2) <= 1.5

    # A chosen thumb is clearly marked: a filled icon, not just a faint background.
    type_and_send(lab_page, "hello", n=0)
    good = ok.get_by_role("button", name="Good response")
    expect(good).to_be_visible(timeout=20_000)
    unpicked_fill = good.locator("svg").evaluate("el => getComputedStyle(el).fill")
    good.click()
    expect(good).to_have_attribute("aria-pressed", "true")
    picked_fill = good.locator("svg").evaluate("el => getComputedStyle(el).fill")
    assert unpicked_fill == "none" and picked_fill != "none", (unpicked_fill, picked_fill)

    # An error offers one Retry, not two.
    type_and_send(lab_page, "fail please", n=1)
    expect(bad.get_by_role("alert")).to_be_visible(timeout=20_000)
    expect(bad.get_by_role("button", name="Stop")).to_be_hidden()
    expect(bad.get_by_role("button", name="Retry")).to_have_count(1)

    _screenshots_light_and_dark(lab_page, {"view-visual-narrow": ok, "view-visual-error": bad})


def _screenshots_light_and_dark(lab_page: LabPage, shots: dict) -> None:
    """Each locator in the light and the dark theme; Lab is left light (its theme setting
    outlives the test, and the next test expects the default)."""
    try:
        for theme, suffix in (("JupyterLab Light", "light"), ("JupyterLab Dark", "dark")):
            if suffix == "dark":
                lab_page.set_theme(theme)
                # Lab shows its splash while it switches themes.
                lab_page.page.locator("#jupyterlab-splash").wait_for(state="detached")
            for name, locator in shots.items():
                lab_page.screenshot(f"{name}-{suffix}", locator)
    finally:
        lab_page.set_theme("JupyterLab Light")
