"""Keyframes: where the kernel answers a view's ``sync`` only after the running cell
(marimo's edit mode), it pushes what a view out of sync needs to follow a response."""

from __future__ import annotations

import json

from chatkit_widget import ChatKitWidget
from chatkit_widget.keyframes import answers_views_only_between_cells

from .conftest import ScriptedServer, comm_of


def keyframes(chat: ChatKitWidget) -> list[dict]:
    return [m for m in comm_of(chat).custom() if m["type"] == "keyframe"]


async def test_outside_marimo_there_are_none():
    assert not answers_views_only_between_cells()
    chat = ChatKitWidget(ScriptedServer())
    await chat.send("hi")
    assert keyframes(chat) == []


def reply_text(keyframe: dict) -> str:
    content = keyframe["state"]["items"][-1].get("content") or [{}]
    return str(content[0].get("text", ""))


async def test_a_response_brings_keyframes_of_its_own_items():
    chat = ChatKitWidget(ScriptedServer(deltas=["one ", "two ", "three"], delay=0.15))
    chat._keyframes.enabled = True
    chat._keyframes.interval = 0.1
    await chat.send("first")
    first = keyframes(chat)
    start, *during, end = first
    # At response start: the state at the seq of the batch that started it (an empty
    # thread before: no ``after``, all items).
    assert "after" not in start and start["state"]["responding"] is True
    batches = [m for m in comm_of(chat).custom() if m["type"] == "batch"]
    (started,) = [b for b in batches if {"type": "widget.response_start"} in b["events"]]
    assert start["seq"] == started["seq"]
    # While it streams: the state at that seq, mid-stream text included.
    assert during, "no keyframe while the reply streamed"
    assert any(reply_text(k) not in ("", "one two three") for k in during)
    # At its end: not responding, the finished reply.
    assert end["state"]["responding"] is False
    assert reply_text(end) == "one two three"

    await chat.send("second")
    second = keyframes(chat)[len(first) :]
    # Only this response's items, after the last item before it: never the whole thread.
    last_before = first[-1]["state"]["items"][-1]["id"]
    assert second[0]["after"] == last_before and second[0]["state"]["items"] == []
    for keyframe in second[1:]:
        assert keyframe["after"] == last_before
        assert [i["type"] for i in keyframe["state"]["items"]] == [
            "user_message",
            "assistant_message",
        ]
    assert second[-1]["state"]["responding"] is False


async def test_what_keyframes_cost_per_response():
    # A 2 s reply of 2,000 characters over a 20-exchange thread, keyframes every second.
    server = ScriptedServer(deltas=["x" * 20] * 100)
    chat = ChatKitWidget(server)
    for n in range(20):
        await chat.send(f"question {n}")
    chat._keyframes.enabled = True
    server.delay = 0.02
    sent = len(comm_of(chat).custom())
    await chat.send("measured")
    size = {"keyframe": 0, "batch": 0}
    for m in comm_of(chat).custom()[sent:]:
        if m["type"] in size:
            size[m["type"]] += len(json.dumps(m, separators=(",", ":")))
    thread = len(json.dumps(chat._client.view_state(), separators=(",", ":")))
    print(
        f"\nper response: stream {size['batch']:,} B, keyframes {size['keyframe']:,} B "
        f"(the thread is {thread:,} B)"
    )
    # The response's own items a few times over, never the thread.
    assert size["keyframe"] < 4 * 2_500 < thread


async def test_where_keyframes_run_a_display_brings_the_model_s_transcript_up_to_date():
    # marimo sends a model's state once, when the widget is made; a view displayed after
    # a response needs the thread up to the keyframes' ``after`` in it.
    chat = ChatKitWidget(ScriptedServer())
    chat._keyframes.enabled = True
    await chat.send("hi")
    before = len(comm_of(chat).published)
    chat._repr_mimebundle_()
    updates = [
        data["state"]["_transcript"]
        for msg_type, data, _ in comm_of(chat).published[before:]
        if msg_type == "comm_msg" and data.get("method") == "update"
    ]
    assert [[item["type"] for item in u] for u in updates] == [
        ["user_message", "assistant_message"]
    ]


async def test_keyframes_of_a_long_reply_cost_a_few_times_its_size():
    # A 20,000-character reply streamed over ~2 s, keyframes every 0.1 s at first (time
    # scaled down 10x): they thin out as the reply grows, instead of 20+ growing copies.
    chat = ChatKitWidget(ScriptedServer(deltas=["y" * 40] * 500, delay=0.004))
    chat._keyframes.enabled = True
    chat._keyframes.interval = 0.1
    await chat.send("long")
    sizes = [len(json.dumps(k, separators=(",", ":"))) for k in keyframes(chat)]
    print(f"\n{len(sizes)} keyframes, {sum(sizes):,} B for a 20,000-character reply")
    assert len(sizes) <= 12
    assert sum(sizes) < 5 * 20_000
