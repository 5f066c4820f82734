"""Transport benchmark: a 10,000-delta reply (4-character deltas) through the widget.

Prints ratios from one run, each against a baseline measured in the same run:
- wire bytes per streamed character (custom-message JSON to views; the SDK's own SSE
  framing of the same stream is printed beside it),
- messages to views per second of streaming, unthrottled and at a paced delta rate,
- kernel time the widget adds per event, relative to iterating the bare
  ``server.process()`` stream of the same reply.

Run: ``python -m benchmarks.bench_transport`` from the repository root.
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import time
from typing import Any

import comm
from chatkit.types import (
    InferenceOptions,
    ThreadCreateParams,
    ThreadsCreateReq,
    UserMessageInput,
    UserMessageTextContent,
)

from chatkit_widget import ChatKitWidget
from tests.conftest import RecordingComm, ScriptedServer

DELTAS = 10_000
DELTA = "abcd"
ROUNDS = 5


def install_recording_comm() -> list[RecordingComm]:
    made: list[RecordingComm] = []

    def create_comm(*args: Any, **kwargs: Any) -> RecordingComm:
        c = RecordingComm(**kwargs)
        made.append(c)
        return c

    comm.create_comm = create_comm  # type: ignore[assignment]
    return made


def create_request() -> str:
    return ThreadsCreateReq(
        params=ThreadCreateParams(
            input=UserMessageInput(
                content=[UserMessageTextContent(text="go")],
                attachments=[],
                inference_options=InferenceOptions(),
            )
        )
    ).model_dump_json()


async def bare_process(deltas: list[str]) -> tuple[float, int, int]:
    """Seconds, events and SSE bytes of iterating the SDK's own stream."""
    server = ScriptedServer(deltas=deltas)
    gc.collect()
    start = time.perf_counter()
    result = await server.process(create_request(), {})
    events = size = 0
    async for chunk in result:  # type: ignore[union-attr]
        events += 1
        size += len(chunk)
    return time.perf_counter() - start, events, size


async def through_widget(deltas: list[str], pace: float = 0.0) -> tuple[float, RecordingComm]:
    server = ScriptedServer(deltas=deltas, delay=pace)
    chat = ChatKitWidget(server)
    recorder = chat.comm
    assert isinstance(recorder, RecordingComm)
    recorder.published.clear()
    gc.collect()
    start = time.perf_counter()
    await chat.send("go")
    return time.perf_counter() - start, recorder


async def main() -> None:
    install_recording_comm()
    deltas = [DELTA] * DELTAS
    chars = len(DELTA) * DELTAS

    # Warm up both paths (pydantic schema build, imports).
    await bare_process(deltas[:100])
    await through_widget(deltas[:100])

    bare_times, widget_times = [], []
    for _ in range(ROUNDS):  # interleaved, so machine noise hits both alike
        bare_s, events, sse_bytes = await bare_process(deltas)
        widget_s, recorder = await through_widget(deltas)
        bare_times.append(bare_s)
        widget_times.append(widget_s)
    bare_s, widget_s = statistics.median(bare_times), statistics.median(widget_times)

    messages = recorder.all_messages()
    wire = recorder.wire_bytes()
    added = widget_s - bare_s
    print(f"reply: {DELTAS:,} deltas of {len(DELTA)} chars = {chars:,} chars, {events:,} events")
    print(f"bare server.process(): {bare_s * 1e3:8.1f} ms  ({bare_s / events * 1e6:.2f} us/event)")
    print(
        f"through the widget:    {widget_s * 1e3:8.1f} ms  ({widget_s / events * 1e6:.2f} us/event)"
    )
    print(f"kernel time added per event / bare per event: {added / bare_s:.3f}  (limit 0.5)")
    print(f"SDK SSE bytes per char:       {sse_bytes / chars:.2f}")
    print(f"wire bytes per streamed char: {wire / chars:.3f}  (limit 1.5)")
    print(
        f"messages to views: {messages} in {widget_s * 1e3:.0f} ms = "
        f"{messages / widget_s:.1f}/s unthrottled  (limit 60/s)"
    )

    # Paced: ~2,000 deltas/s (a fast model), 3,000 deltas.
    paced_s, paced = await through_widget([DELTA] * 3000, pace=0.0005)
    n = paced.all_messages()
    print(
        f"messages to views at ~{3000 / paced_s:,.0f} deltas/s: {n} in {paced_s:.2f} s = "
        f"{n / paced_s:.1f}/s  (limit 60/s)"
    )
    text = "".join(
        e["update"]["delta"]
        for m in paced.custom()
        if m["type"] == "batch"
        for e in m["events"]
        if e["type"] == "thread.item.updated"
    )
    assert text == DELTA * 3000, "the views must receive every character"
    print(f"largest message: {max(len(json.dumps(m)) for m in paced.custom()):,} bytes")


if __name__ == "__main__":
    asyncio.run(main())
