"""Issue 11: a widget action clicked high up in a long thread leaves the thread where the user
scrolled it (as in ChatKit.js); a response the action starts shows "Jump to latest"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import LabPage, chat_root, type_and_send

NOTEBOOK = """
from action_servers import WidgetServer
from chatkit_widget import ChatKitWidget
# No on_action handlers: a client action gets the "Nothing handles the action" notice.
chat = ChatKitWidget(WidgetServer(action_delay=0.5), height="640px")
chat
"""

# How far the thread may move and still count as "kept its place".
SLACK_PX = 3


def _in_view(thread, target) -> bool:
    return target.evaluate(
        """(el, scroller) => {
            const a = el.getBoundingClientRect(), b = scroller.getBoundingClientRect();
            return a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
        }""",
        thread.element_handle(),
    )


@pytest.mark.parametrize("how", ["wheel", "focus"])
def test_an_action_clicked_high_up_in_a_long_thread_does_not_move_the_thread(
    lab_page: LabPage, how: str
):
    lab_page.write_notebook("actscroll.ipynb", [NOTEBOOK])
    lab_page.open("actscroll.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    thread = root.locator(".ckw-thread")
    stop = root.get_by_role("button", name="Stop")
    for n in range(4):
        type_and_send(lab_page, f"cats {n}")
        expect(root.locator(".ckw-item--widget")).to_have_count(n + 1)
        expect(root.locator(".ckw-assistant")).to_have_count(n + 1)
        expect(stop).to_be_hidden()
    assert thread.evaluate("el => el.scrollHeight > el.clientHeight * 3")

    # The user wheels up, or moves the focus back (Shift+Tab; the browser scrolls the focused
    # control into view, no wheel involved), until the first card's controls are in view, so
    # Playwright's click has nothing to scroll into view itself.
    card = root.locator(".ckw-item--widget").first
    controls = [
        card.locator("button", has_text="Tom"),
        card.get_by_role("button", name="Like (0)"),
        card.locator(".ckw-w-list-item", has_text="Luna"),
    ]
    thread.hover()
    if how == "focus":
        controls[0].focus()
    while not _in_view(thread, controls[0]):
        lab_page.page.mouse.wheel(0, -100)
        lab_page.page.wait_for_timeout(50)
    assert all(_in_view(thread, control) for control in controls)
    expect(root.locator(".ckw-jump")).to_be_visible()
    top = thread.evaluate("el => el.scrollTop")
    assert thread.evaluate("el => el.scrollHeight - el.scrollTop - el.clientHeight") > 300

    def kept(what: str) -> None:
        # A few frames for the view to react (ResizeObserver, smooth scrolls) before checking.
        thread.evaluate("() => new Promise(r => setTimeout(r, 600))")
        now = thread.evaluate("el => el.scrollTop")
        assert abs(now - top) <= SLACK_PX, f"{what}: scrollTop {top} -> {now}"

    # An in-place update (a sync action): the card changes, the thread stays.
    controls[1].click()
    expect(card.get_by_role("button", name="Like (1)")).to_be_visible()
    kept("sync action")
    assert _in_view(thread, card.get_by_role("button", name="Like (1)"))

    # A client action nothing handles: the notice appears at the bottom, the thread stays.
    row = controls[2]
    row.click()
    expect(root.locator(".ckw-banner", has_text="Nothing handles")).to_have_count(1)
    kept("notice")
    assert _in_view(thread, row)

    # A server action that streams a new response: the thread stays, "Jump to latest" shows.
    controls[0].click()
    expect(card).to_contain_text("You picked Tom.")
    expect(root.locator(".ckw-assistant").last).to_contain_text("You picked Tom.")
    expect(stop).to_be_hidden()
    kept("streamed response")
    assert _in_view(thread, card.get_by_text("You picked Tom."))
    expect(root.locator(".ckw-jump")).to_be_visible()
    lab_page.screenshot("action-scroll-kept-light", root)

    # Jump to latest still works afterwards.
    root.locator(".ckw-jump").click()
    lab_page.page.wait_for_function(
        "el => el.scrollHeight - el.scrollTop - el.clientHeight <= 2", arg=thread.element_handle()
    )
