"""Keyframes: what a view needs to follow a response, pushed without being asked.

A view that missed batches asks for a snapshot (``sync``). Some hosts deliver the kernel's
messages to views while a cell runs but handle the views' messages only after it
(marimo's edit mode): there a view that appeared just before or during a response awaited
by a cell, or lost a batch, would show nothing of the response until the cell ends. So in
such hosts the kernel also sends keyframes, at response start, every ``interval`` seconds
while it streams, and at its end: ``{"type": "keyframe", "seq", "state", "after"}``, the
view state at ``seq`` whose ``items`` are only the response's own, those after ``after``
(the id of the last item before the response; without ``after``, all of them). A view out
of sync that holds the thread up to that item (from the committed ``_transcript`` trait, as
a freshly displayed view does) puts them in place and follows the stream from ``seq`` on;
views in sync ignore keyframes.

Never the whole thread (except after a retry removed that item). marimo sends a model's
state once, when the widget is made, so the widget brings ``_transcript`` up to date when
marimo first displays it (``ChatKitWidget._repr_mimebundle_``); a view whose traits are
still older than the thread waits for the cell to end, as without keyframes.

Cost per response: the JSON of the response's items so far, at its start and end, once a
second for the first seconds, then after half the response's age each time (so a long
reply costs a few times its size, not its size times its seconds): ~7 kB for a
2,000-character reply streamed in 2 s (next to the stream's ~17 kB), ~78 kB in 8
keyframes for a 20,000-character reply streamed in 13 s (tests/test_keyframes.py).
Jupyter answers ``sync`` at once, so it gets none of this (``enabled`` is off outside
marimo).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import ChatKitClient

logger = logging.getLogger("chatkit_widget")

# Seconds between keyframes of a streaming response: a view out of sync catches up this late
# (at first; later, after at most BACKOFF times the response's age).
KEYFRAME_INTERVAL = 1.0
BACKOFF = 0.5


def answers_views_only_between_cells() -> bool:
    """Whether this kernel handles view messages only after the running cell (marimo)."""
    marimo = sys.modules.get("marimo")
    if marimo is None:
        return False
    try:
        return bool(marimo.running_in_notebook())
    except Exception:
        return False


class Keyframes:
    def __init__(
        self,
        client: ChatKitClient,
        send: Callable[[dict[str, Any]], None],
        interval: float = KEYFRAME_INTERVAL,
    ) -> None:
        self.client = client
        self.enabled = answers_views_only_between_cells()
        self.interval = interval
        self._send = send
        self._after: str | None = None
        self._sent_seq = -1
        self._task: asyncio.Task[None] | None = None

    def response_started(self) -> None:
        if not self.enabled:
            return
        items = self.client.state.items
        self._after = next(reversed(items)) if items else None
        self._sent_seq = -1
        self._keyframe()
        self._stop()
        self._task = asyncio.get_running_loop().create_task(self._periodic())

    def response_ended(self) -> None:
        if not self.enabled or self._task is None:
            return
        self._stop()
        self._keyframe(responding=False)

    async def _periodic(self) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        while True:
            # Every ``interval`` at first, then less often as the reply grows: keyframes of a
            # long reply cost a small multiple of its size, not its size times its seconds.
            await asyncio.sleep(max(self.interval, BACKOFF * (loop.time() - start)))
            try:
                self._keyframe()
            except Exception:  # a view then waits for the cell's end, as without keyframes
                logger.exception("could not send a keyframe")

    def _stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _keyframe(self, *, responding: bool | None = None) -> None:
        transport = self.client.transport
        transport.flush()  # the state below is the state at this seq
        if transport.seq == self._sent_seq:
            return  # nothing new since the last one
        state: dict[str, Any] = dict(self.client.view_state())
        if responding is not None:
            state["responding"] = responding
        message: dict[str, Any] = {"type": "keyframe", "seq": transport.seq, "state": state}
        if self._after is not None:
            items = state["items"]
            ids = [item.get("id") for item in items]
            if self._after in ids:
                state["items"] = items[ids.index(self._after) + 1 :]
                message["after"] = self._after
            # else it went (a retry removes later items): this once, the whole thread
        self._sent_seq = transport.seq
        self._send(message)
