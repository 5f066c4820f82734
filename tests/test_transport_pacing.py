"""Batch pacing (issue 14): text that goes on streaming waits longer than anything else."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from chatkit_widget import ChatKitWidget
from chatkit_widget.transport import TEXT_DELTA, Transport

from .conftest import ScriptedServer, comm_of

# Far apart, so a loaded machine cannot blur which pace a batch went at.
FAST, SLOW = 0.01, 0.3


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[float, dict[str, Any]]] = []
        self.t0 = time.monotonic()

    def __call__(self, message: dict[str, Any]) -> None:
        self.sent.append((time.monotonic() - self.t0, message))

    def texts(self) -> list[str]:
        return [
            e["update"]["delta"]
            for _, m in self.sent
            for e in m["events"]
            if e["type"] == "thread.item.updated"
        ]


def test_defaults_send_streamed_text_2_5_times_a_second_and_the_rest_at_once():
    # Each batch costs the browser ~8 ms (a frame of the whole JupyterLab page), ~10 at the
    # end of a 1,000-item thread: 2.5 a second keep it under 5 % busy at model speed there,
    # with room for run-to-run noise (docs/design.md, streaming); more is not "live"-er.
    transport = Transport(lambda message: None)
    assert transport.interval == 0.025
    assert 0.35 <= transport.text_interval <= 0.4


async def test_text_going_on_in_the_part_last_sent_waits_the_text_interval():
    sent = Recorder()
    transport = Transport(sent, interval=FAST, text_interval=SLOW)
    transport.push_text_delta("a", 0, "one ")
    await asyncio.sleep(0.1)
    assert sent.texts() == ["one "]  # a part's first text: at the short interval
    first = sent.sent[-1][0]
    for word in ("two ", "three ", "four "):
        transport.push_text_delta("a", 0, word)
        await asyncio.sleep(0.02)
    assert sent.texts() == ["one "]  # held: the part is already on screen
    await asyncio.sleep(SLOW)
    assert sent.texts() == ["one ", "two three four "]  # coalesced into one batch
    assert sent.sent[-1][0] - first >= SLOW - 0.01


async def test_a_new_item_or_part_first_text_is_not_held():
    sent = Recorder()
    transport = Transport(sent, interval=FAST, text_interval=SLOW)
    transport.push_text_delta("a", 0, "first item")
    await asyncio.sleep(0.1)
    transport.push_text_delta("b", 0, "second item")
    await asyncio.sleep(0.1)
    transport.push_text_delta("b", 1, "second part")
    await asyncio.sleep(0.1)
    assert sent.texts() == ["first item", "second item", "second part"]


async def test_other_events_are_not_held_behind_streamed_text():
    sent = Recorder()
    transport = Transport(sent, interval=FAST, text_interval=SLOW)
    transport.push_text_delta("a", 0, "one ")
    await asyncio.sleep(0.05)
    transport.push_text_delta("a", 0, "two ")  # would wait SLOW
    transport.push({"type": "progress_update", "text": "Searching"})
    await asyncio.sleep(0.1)
    assert len(sent.sent) == 2  # the progress took the text along, at the short interval
    assert [e["type"] for e in sent.sent[1][1]["events"]] == [
        "thread.item.updated",
        "progress_update",
    ]
    assert sent.sent[1][1]["events"][0]["update"] == {
        "type": TEXT_DELTA,
        "content_index": 0,
        "delta": "two ",
    }


async def test_a_reply_at_model_speed_reaches_views_whole_in_about_10_batches_a_second():
    # 300 deltas/s for 1 s, the speed of a real model.
    chat = ChatKitWidget(ScriptedServer(delay=1 / 300, deltas=["abcd"] * 300))
    began = time.monotonic()
    await chat.send("go")
    took = time.monotonic() - began
    texts = [
        e["update"]["delta"]
        for m in comm_of(chat).custom()
        if m["type"] == "batch"
        for e in m["events"]
        if e["type"] == "thread.item.updated" and e["update"]["type"] == TEXT_DELTA
    ]
    assert "".join(texts) == "abcd" * 300
    # At most one text batch per text interval, plus the first (and a last one at the end).
    assert len(texts) <= took / chat._transport.text_interval + 2
    assert len(texts) >= 5  # and still streamed, not sent in one piece at the end
