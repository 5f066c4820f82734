"""Streaming to views: coalesced, rate-limited, numbered batches.

The SDK emits one event per token (~155 bytes of JSON for 4 characters) and jupyter_server
drops iopub messages past 1000/s, so events are queued, consecutive text deltas of one
content part are merged, and the queue goes out at most once per ``interval`` (and at once
at the end of a response). Every batch carries ``seq``; a view that sees a gap asks for a
snapshot.
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
        self, send: Callable[[dict[str, Any]], None], interval: float = DEFAULT_INTERVAL
    ) -> None:
        self._send = send
        self.interval = interval
        self.seq = 0
        self._queue: list[dict[str, Any] | _DeltaRun] = []
        self._timer: asyncio.TimerHandle | asyncio.Handle | None = None
        self._last_flush = float("-inf")

    def push(self, event: dict[str, Any]) -> None:
        """Queue one event (ChatKit event JSON or the widget's own)."""
        self._queue.append(event)
        self._schedule()

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
        self._schedule()

    def flush(self) -> None:
        """Send what is queued now, as one batch."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._queue:
            return
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

    def _schedule(self) -> None:
        if self._timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            # No loop (a plain synchronous call): nothing would ever fire a timer.
            self.flush()
            return
        delay = self._last_flush + self.interval - time.monotonic()
        # Even with no wait due, defer to the next loop turn so a burst coalesces.
        self._timer = loop.call_later(max(delay, 0.0), self.flush)
