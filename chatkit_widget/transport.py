"""Streaming to views: coalesced, rate-limited, numbered batches.

The SDK emits one event per token (~155 bytes of JSON for 4 characters) and jupyter_server
drops iopub messages past 1000/s, so events are queued, consecutive text deltas of one
content part are merged, and the queue goes out at most once per ``interval`` (and at once
at the end of a response). Every batch carries ``seq``; a view that sees a gap asks for a
snapshot.

Text that goes on streaming into the content part the last batch carried text for waits
``text_interval`` instead: every batch costs the browser a Jupyter message, the view's
update and a frame of the whole JupyterLab page (about 8 ms of its main thread, ~10 at the
end of a 1,000-item thread, most of it Chromium's paint, layerize and commit: traced in
docs/design.md), so at model speed (300 tokens/s) 40 batches a second keep it 15–20 % busy,
4 a second ~4.5 % in an empty thread but over 5 % in a long one, 3 a second 3.4–4.5 / 4.4–5.3
% (run to run), 2.5 a second 3.5 / 4.0 %.
A reply's first text, new items, the end of a response and everything else still go out
after ``interval`` (issue 14).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from .protocol import TEXT_DELTA, BatchMessage, SnapshotMessage, ViewState

# ~1.5 frames: low enough to look live, high enough to stay far under jupyter_server's
# 1000 msg/s limit (at most 40 batches/s per widget).
DEFAULT_INTERVAL = 0.025
# Streamed text already on screen grows 2.5 times a second (a few lines at model speed): the
# browser's per-batch cost is mostly its own frame, so the batch rate is what sets the load.
DEFAULT_TEXT_INTERVAL = 0.4


class _DeltaRun:
    """Consecutive text deltas of one content part, joined once at flush time."""

    __slots__ = ("item_id", "content_index", "parts")

    def __init__(self, item_id: str, content_index: int, first: str) -> None:
        self.item_id = item_id
        self.content_index = content_index
        self.parts = [first]

    def to_event(self) -> dict[str, Any]:
        return {
            "type": "thread.item.updated",
            "item_id": self.item_id,
            "update": {
                "type": TEXT_DELTA,
                "content_index": self.content_index,
                "delta": "".join(self.parts),
            },
        }


class Transport:
    def __init__(
        self,
        send: Callable[[dict[str, Any]], None],
        interval: float = DEFAULT_INTERVAL,
        text_interval: float = DEFAULT_TEXT_INTERVAL,
    ) -> None:
        self._send = send
        self.interval = interval
        self.text_interval = text_interval
        self.seq = 0
        self._queue: list[dict[str, Any] | _DeltaRun] = []
        self._timer: asyncio.TimerHandle | asyncio.Handle | None = None
        self._due = float("inf")
        self._last_flush = float("-inf")
        # The content part (item id, index) whose text the last batch ended with.
        self._streaming: tuple[str, int] | None = None

    def push(self, event: dict[str, Any]) -> None:
        """Queue one event (ChatKit event JSON or the widget's own)."""
        self._queue.append(event)
        self._schedule(self.interval)

    def push_text_delta(self, item_id: str, content_index: int, delta: str) -> None:
        last = self._queue[-1] if self._queue else None
        if (
            isinstance(last, _DeltaRun)
            and last.item_id == item_id
            and last.content_index == content_index
        ):
            last.parts.append(delta)
        else:
            self._queue.append(_DeltaRun(item_id, content_index, delta))
        going_on = self._streaming == (item_id, content_index)
        self._schedule(self.text_interval if going_on else self.interval)

    def flush(self) -> None:
        """Send what is queued now, as one batch."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._due = float("inf")
        if not self._queue:
            return
        last = self._queue[-1]
        if isinstance(last, _DeltaRun):
            self._streaming = (last.item_id, last.content_index)
        else:
            self._streaming = None
        events = [e.to_event() if isinstance(e, _DeltaRun) else e for e in self._queue]
        self._queue = []
        self.seq += 1
        self._last_flush = time.monotonic()
        message: BatchMessage = {"type": "batch", "seq": self.seq, "events": events}
        self._send(dict(message))

    def snapshot(self, state: ViewState) -> None:
        """Send the full state. Queued events go first, so in-sync views lose nothing."""
        self.flush()
        message: SnapshotMessage = {"type": "snapshot", "seq": self.seq, "state": state}
        self._send(dict(message))

    def _schedule(self, wait: float) -> None:
        """Flush ``wait`` after the last flush, unless a flush is due sooner already."""
        due = self._last_flush + wait
        if self._timer is not None and self._due <= due:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            # No loop (a plain synchronous call): nothing would ever fire a timer.
            self.flush()
            return
        if self._timer is not None:
            self._timer.cancel()
        self._due = due
        # Even with no wait due, defer to the next loop turn so a burst coalesces.
        self._timer = loop.call_later(max(due - time.monotonic(), 0.0), self.flush)
