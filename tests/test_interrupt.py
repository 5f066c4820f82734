"""Kernel → Interrupt while a cell awaits ``chat.send(...)``: the response stops, the
partial reply stays, and the cell ends with one short line (no CancelledError traceback).

Run in a real IPython kernel through jupyter_client: ipykernel cancels the cell's task on
interrupt, which is what this must handle.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

from chatkit_widget import ChatKitWidget, ResponseCancelled

from .conftest import ScriptedServer, comm_of

ROOT = Path(__file__).resolve().parent.parent

SETUP = """
import sys
from agents import Agent
from chatkit_widget import ChatKitWidget
from chatkit_widget.models import OfflineModel
# Slow enough to interrupt mid-reply: a 60-word echo, 0.2 s per word.
chat = ChatKitWidget.from_agent(Agent(name="a", model=OfflineModel(delay=0.2)))
"""


@pytest.fixture
def kernel(tmp_path: Path) -> Iterator[tuple[KernelManager, BlockingKernelClient]]:
    # A kernelspec for this interpreter, whatever other "python3" kernels exist.
    spec_dir = tmp_path / "kernels" / "ckw-test"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "chatkit-widget test",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    km = KernelManager(
        kernel_name="ckw-test",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")]),
    )
    km.start_kernel(cwd=str(ROOT), env=_offline_env())
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _offline_env() -> dict[str, str]:
    drop = ("OPENAI_API_KEY", "OPENAI_BASE_URL")
    return {k: v for k, v in os.environ.items() if k not in drop}


def run(kc: BlockingKernelClient, code: str) -> list[dict[str, Any]]:
    """Execute ``code``; its iopub outputs (stream, error, results) until idle."""
    msg_id = kc.execute(code)
    return outputs_until_idle(kc, msg_id)


def outputs_until_idle(
    kc: BlockingKernelClient, msg_id: str, timeout: float = 60
) -> list[dict[str, Any]]:
    outputs: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            return outputs
        if kind in ("stream", "error", "execute_result", "display_data"):
            outputs.append({"type": kind, **msg["content"]})
    raise AssertionError(f"no idle status within {timeout}s; outputs so far: {outputs}")


def wait_for_streaming(kc: BlockingKernelClient, msg_id: str) -> None:
    """Until the widget has sent a batch with reply text (the response is running)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=60)
        if msg["msg_type"] != "comm_msg":
            continue
        content = msg["content"]["data"].get("content") or {}
        events = content.get("events", []) if content.get("type") == "batch" else []
        if any(e.get("type") == "thread.item.updated" for e in events):
            return
    raise AssertionError("the reply never started streaming")


def test_interrupting_a_cell_that_awaits_send_ends_with_one_short_line(kernel):
    km, kc = kernel
    assert [o for o in run(kc, SETUP) if o["type"] == "error"] == []

    msg_id = kc.execute("turn = await chat.send('hello ' * 60)\nprint('not reached')")
    wait_for_streaming(kc, msg_id)
    km.interrupt_kernel()
    outputs = outputs_until_idle(kc, msg_id)

    errors = [o for o in outputs if o["type"] == "error"]
    assert len(errors) == 1, outputs
    assert errors[0]["ename"] == "ResponseCancelled"
    assert errors[0]["traceback"] == ["Response cancelled; the partial reply stays in the chat."]
    assert all("not reached" not in o.get("text", "") for o in outputs)

    # The response really ended, kept its partial text, and the chat works on.
    check = run(
        kc,
        "cancelled = sys.last_value.turn\n"
        "print(cancelled.cancelled, chat.is_responding, [type(i).__name__ for i in chat.items])\n"
        # Partial: the whole echo would repeat the 60 words.
        "print(cancelled.text.startswith('You') and cancelled.text.count('hello') < 60)\n"
        "again = await chat.send('again')\n"
        "print(again.ok)",
    )
    printed = "".join(o.get("text", "") for o in check if o["type"] == "stream")
    assert printed.splitlines() == [
        "True False ['UserMessageItem', 'AssistantMessageItem']",
        "True",
        "True",
    ], check


# Headless, the same error is what a timeout around send() sees.


def streamed_text(chat: ChatKitWidget) -> bool:
    """Whether reply text has reached the views yet."""
    return any(
        e.get("type") == "thread.item.updated"
        for m in comm_of(chat).custom()
        if m["type"] == "batch"
        for e in m["events"]
    )


async def test_cancelling_the_awaiting_task_raises_response_cancelled_with_the_turn():
    chat = ChatKitWidget(ScriptedServer(deltas=["a "] * 50, delay=0.02))

    async def cell() -> BaseException | None:
        # Like IPython running a cell: the error is caught in the cancelled task itself
        # (past a task boundary, Python 3.10 replaces it with a plain CancelledError).
        try:
            await chat.send("hi")
        except asyncio.CancelledError as exc:
            return exc
        return None

    running = asyncio.ensure_future(cell())
    while not streamed_text(chat):
        await asyncio.sleep(0.01)
    running.cancel()
    raised = await running

    assert isinstance(raised, ResponseCancelled)
    assert raised.turn is not None and raised.turn.cancelled
    assert 0 < len(raised.turn.text) < len("a " * 50)
    assert not chat.is_responding


async def test_a_timeout_around_send_is_a_timeout_error():
    chat = ChatKitWidget(ScriptedServer(deltas=["a "] * 50, delay=0.02))

    with pytest.raises(asyncio.TimeoutError):  # TimeoutError itself from Python 3.11
        await asyncio.wait_for(chat.send("hi"), 0.2)

    assert not chat.is_responding
    assert (await chat.send("again")).ok
