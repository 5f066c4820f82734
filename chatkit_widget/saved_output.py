"""The chat's second output: its transcript as inert Markdown, kept current in the notebook.

A displayed chat is two outputs. The first is the widget view (no Markdown in it); the
second, with a display id of its own, holds ``to_markdown()`` and is updated after each
committed change (never during streaming). So a notebook saved from a live JupyterLab
holds the conversation as it is at save time, and so does one run headless (nbconvert,
nbval, papermill).

Updating the widget's own output instead would re-create every live view of it
(JupyterLab re-renders an output on ``update_display_data``): drafts, scroll and focus
would be lost after every reply. Updating this one touches only a hidden Markdown output.

Where the view runs, its CSS (``js/src/saved.css``) hides this output: the Markdown starts
with a marker element that only this module writes (``to_markdown`` escapes every ``<`` of
model and server text, so no reply can forge it). Everywhere else (GitHub, nbviewer, a
Jupyter without the widgets frontend, an untrusted notebook) the transcript shows.
"""

from __future__ import annotations

import asyncio
import re
import time
import weakref
from collections.abc import Callable
from typing import Any

MARKER = '<div class="ckw-saved-transcript"></div>'
# At most one update per this many seconds; one more follows the last change of a burst.
MIN_INTERVAL = 1.0
# The transcript keeps the newest items within this many characters: JupyterLab parses,
# highlights and scans for math and headings the whole Markdown again on each update,
# hidden or not (a 1,000-item thread's took ~380 ms plus GC pauses of 90-250 ms after every
# reply; at 40,000 characters its share of a reply's end was ~50 ms plus the garbage).
MAX_CHARS = 20_000


# JupyterLab's table of contents lists the headings of Markdown outputs, but skips a heading
# whose line holds an element of this class (its documented opt-out, there with an empty
# link; any element does, and an empty span is no link to anyone; renderers show nothing).
TOC_SKIP = '<span class="jp-toc-ignore"></span>'
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# An ATX heading, also inside quotes and list items (JupyterLab finds those too).
_ATX = re.compile(r"^ {0,3}(?:>[ \t]?)*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?#{1,6}(?:[ \t]|$)")
_ATX_CLOSING = re.compile(r"(?:[ \t]+#+)?[ \t]*$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")


def out_of_toc(markdown: str) -> str:
    """``markdown`` with each heading marked for JupyterLab's table of contents to skip.

    The transcript is hidden wherever the live view runs, so its headings (a reply's, the
    chat's title) must not fill the notebook's table of contents: there they pointed at a
    hidden output, and JupyterLab built a toolkit element for each after every reply."""
    lines = markdown.split("\n")
    fence: str | None = None
    for index, line in enumerate(lines):
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
        elif _ATX.match(line):
            closing = _ATX_CLOSING.search(line)
            cut = closing.start() if closing else len(line)
            lines[index] = f"{line[:cut]} {TOC_SKIP}{line[cut:]}"
        elif (
            line.strip()
            and index + 1 < len(lines)
            and _SETEXT_UNDERLINE.match(lines[index + 1])
            and not _SETEXT_UNDERLINE.match(line)
        ):
            lines[index] = f"{line} {TOC_SKIP}"
    return "\n".join(lines)


class SavedTranscript:
    def __init__(
        self,
        display_id: str,
        markdown: Callable[[], str],
        responding: Callable[[], bool],
    ) -> None:
        self.display_id = display_id
        self._markdown = markdown
        self._responding = responding
        self._displayed = False
        self._published = ""
        self._dirty = False
        self._last = float("-inf")
        self._timer: asyncio.TimerHandle | None = None

    def bundle(self) -> dict[str, Any]:
        return {"text/markdown": f"{MARKER}\n\n{out_of_toc(self._markdown())}"}

    def display(self) -> None:
        from IPython.display import display

        bundle = self.bundle()
        self._published = bundle["text/markdown"]
        display(bundle, raw=True, display_id=self.display_id)
        self._displayed = True
        self._dirty = False
        _displayed.add(self)
        _hook_cell_end()

    def changed(self) -> None:
        """The thread changed (a response ended, a thread opened…): update the output
        now, or soon if it was updated less than ``MIN_INTERVAL`` ago."""
        if not self._displayed:
            return
        self._dirty = True
        if self._responding():
            return  # the response's end commits again
        wait = self._last + MIN_INTERVAL - time.monotonic()
        if wait <= 0:
            self.update()
            return
        if self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self.update()
                return
            self._timer = loop.call_later(wait, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self.flush()

    def flush(self) -> None:
        """Write a pending change now (unless a response is streaming)."""
        if self._dirty and not self._responding():
            self.update()

    def update(self) -> None:
        from IPython.display import update_display

        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._dirty = False
        bundle = self.bundle()
        if bundle["text/markdown"] == self._published:
            return  # e.g. feedback stored: nothing a reader sees changed
        self._published = bundle["text/markdown"]
        self._last = time.monotonic()
        update_display(bundle, raw=True, display_id=self.display_id)


# Displayed transcripts, held weakly: a chat that is gone stops being flushed.
_displayed: weakref.WeakSet[SavedTranscript] = weakref.WeakSet()
_hooked = False


def _hook_cell_end() -> None:
    """A cell that ends within ``MIN_INTERVAL`` of an update (a notebook run headless,
    then saved at once) still writes its last change: flush when each cell ends."""
    global _hooked
    if _hooked:
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.events.register("post_execute", _flush_all)
        _hooked = True


def _flush_all() -> None:
    for transcript in list(_displayed):
        transcript.flush()
