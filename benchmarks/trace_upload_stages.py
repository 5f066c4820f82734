"""Where the time of a 10 MB upload goes, stage by stage (the reasoning behind the HTTP
side channel, docs/design.md "The composer"). A diagnostic, not a limit check.

A JupyterLab whose server logs when each large websocket message reaches it (a
``jupyter_server_config.py`` in a private config path that wraps jupyter_server's
websocket → ZMQ relay); the kernel logs when each reaches the widget's comm. Then:

1. Chromium, ten 1 MB comm messages at once (the comm path's floor): when the page had
   queued them, when Chromium had handed the last byte to its socket, when the first and
   last reached the server and the kernel, when the last reply came back.
2. The same ten messages from a Python websocket client (no browser).
3. The same 10 MB as one HTTP PUT from Chromium to the upload endpoint.
4. A tiny comm round trip, back to back and 100 ms apart; then again on a Lab whose
   kernel websockets set TCP_NODELAY (as jupyter_server does not).

Run: ``python -m benchmarks.trace_upload_stages`` from the repository root (≈ 1 minute).
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks._lab import lab_page, running_lab
from benchmarks.bench_attachments import HOOK, NOTEBOOK, ROUND_TRIP

SIZE, CHUNK = 10 << 20, 1 << 20

SERVER_CONFIG = """
import os, time
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
_log = open(os.environ["CKW_TRACE_LOG"], "a", buffering=1)
_relay = ZMQChannelsWebsocketConnection.handle_incoming_message
def _traced(self, message):
    if len(message) > 100_000:
        _log.write(f"{time.time() * 1000:.2f}\\n")
    _relay(self, message)
ZMQChannelsWebsocketConnection.handle_incoming_message = _traced
if os.environ.get("CKW_TRACE_NODELAY"):
    from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
    _open = KernelWebsocketHandler.open
    async def _open_nodelay(self, *args, **kwargs):
        result = await _open(self, *args, **kwargs)
        self.set_nodelay(True)
        return result
    KernelWebsocketHandler.open = _open_nodelay
"""

KERNEL_TRACE = """
import time
_arrivals = []
_callback = chat.comm._msg_callback
def _traced(msg):
    if sum(len(b) for b in msg.get("buffers") or []) > 100_000:
        _arrivals.append(time.time() * 1000)
    _callback(msg)
chat.comm._msg_callback = _traced
"""

FLOOR = """
async ([size, chunk]) => {
  const perf = window.__ckwPerf;
  const ws = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel._ws;
  const now = () => performance.timeOrigin + performance.now();
  const start = now();
  const sent = [];
  for (let offset = 0; offset < size; offset += chunk) {
    sent.push(perf.request("", [new ArrayBuffer(Math.min(chunk, size - offset))]));
  }
  const queued = now();
  let handedOn = null;
  const poll = () => {
    if (ws.bufferedAmount === 0) handedOn = now();
    else setTimeout(poll, 1);
  };
  poll();
  await Promise.all(sent);
  return { start, queued, handedOn, end: now() };
}
"""

PUT = """
async ([size, token]) => {
  const file = new File([new Uint8Array(size)], "big.bin");
  const hex = (b) => b.toString(16).padStart(2, "0");
  const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), hex).join("");
  const headers = { Authorization: `token ${token}` };
  const start = performance.now();
  const response = await fetch(`/chatkit-widget/uploads/${id}`, {
    method: "PUT", body: file, headers,
  });
  const ms = performance.now() - start;
  await fetch(`/chatkit-widget/uploads/${id}`, { method: "DELETE", headers });
  return { ms, status: response.status };
}
"""


def lines(path: Path) -> list[float]:
    return [float(x) for x in path.read_text().split()]


def python_client(url: str, token: str, kernel_id: str, comm_id: str) -> dict[str, float]:
    """Ten 1 MB comm messages from a tornado websocket client; times in epoch ms."""
    from jupyter_server.services.kernels.connection.base import (
        deserialize_msg_from_ws_v1,
        serialize_msg_to_ws_v1,
    )
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    protocol = "v1.kernel.websocket.jupyter.org"

    def message(request_id: str) -> bytes:
        header = {
            "msg_id": uuid.uuid4().hex,
            "msg_type": "comm_msg",
            "session": "trace",
            "username": "",
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "version": "5.3",
        }
        request = {"type": "request", "request_id": request_id, "method": "tag_search"}
        content = {
            "comm_id": comm_id,
            "data": {"method": "custom", "content": {**request, "params": {"query": ""}}},
        }
        parts = [json.dumps(x).encode() for x in (header, {}, {}, content)] + [bytes(CHUNK)]
        return serialize_msg_to_ws_v1(parts, "shell")

    async def run() -> dict[str, float]:
        ws_url = url.replace("http", "ws") + f"/api/kernels/{kernel_id}/channels?token={token}"
        ws = await websocket_connect(
            HTTPRequest(ws_url), subprotocols=[protocol], max_message_size=1 << 30
        )
        messages = [(f"t{i}", message(f"t{i}")) for i in range(SIZE // CHUNK)]
        pending = {request_id for request_id, _ in messages}
        start = time.time() * 1000
        for _, data in messages:
            await ws.write_message(data, binary=True)
        written = time.time() * 1000
        while pending:
            data = await ws.read_message()
            if isinstance(data, bytes):
                _, parts = deserialize_msg_from_ws_v1(data)
                content = json.loads(parts[3]).get("data", {}).get("content", {})
                pending.discard(content.get("request_id"))
        ws.close()
        return {"start": start, "written": written, "end": time.time() * 1000}

    result: dict[str, float] = {}
    thread = threading.Thread(target=lambda: result.update(asyncio.run(run())))
    thread.start()
    thread.join(60)
    return result


def timeline(name: str, start: float, log: Path, kernel: list[float], extra: str) -> None:
    server = lines(log)
    print(
        f"{name}: server got the first / last 1 MB at {server[0] - start:.0f} / "
        f"{server[-1] - start:.0f} ms, the kernel at {kernel[0] - start:.0f} / "
        f"{kernel[-1] - start:.0f} ms; {extra}"
    )


def round_trips(lab_page_: Any) -> str:
    back = statistics.median(lab_page_.page.evaluate(ROUND_TRIP, 0))
    spaced = statistics.median(lab_page_.page.evaluate(ROUND_TRIP, 100))
    return f"back to back {back:.1f} ms, 100 ms apart {spaced:.1f} ms (medians of 7)"


def main() -> int:
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    config = Path(tempfile.mkdtemp(prefix="ckw-trace-"))
    (config / "jupyter_server_config.py").write_text(SERVER_CONFIG)
    log = config / "server.log"
    os.environ["JUPYTER_CONFIG_PATH"] = str(config)
    os.environ["CKW_TRACE_LOG"] = str(log)
    with running_lab() as lab, lab_page(lab, HOOK) as lab_page_:
        lab_page_.write_notebook("trace.ipynb", NOTEBOOK)
        lab_page_.open("trace.ipynb")
        lab_page_.run_all()
        page = lab_page_.page
        page.wait_for_function("() => window.__ckwPerf && window.__ckwPerf.upload")
        lab_page_.execute(KERNEL_TRACE)
        page.evaluate(ROUND_TRIP, 0)  # warm up
        kernel = "import json; print(json.dumps(_arrivals)); _arrivals.clear()"

        log.write_text("")
        floor = page.evaluate(FLOOR, [SIZE, CHUNK])
        time.sleep(0.3)
        timeline(
            "1. Chromium, 10 × 1 MB comm messages",
            floor["start"],
            log,
            json.loads(lab_page_.execute(kernel)),
            f"the page had queued them after {floor['queued'] - floor['start']:.0f} ms, "
            f"Chromium had handed the last byte to its socket after "
            f"{floor['handedOn'] - floor['start']:.0f} ms, the last reply came after "
            f"{floor['end'] - floor['start']:.0f} ms",
        )

        log.write_text("")
        comm_id = lab_page_.execute("print(chat.comm.comm_id)").strip()
        kernel_id = lab.api("GET", "/api/kernels")[0]["id"]
        client = python_client(lab.url, lab.token, kernel_id, comm_id)
        time.sleep(0.3)
        timeline(
            "2. Python websocket client, the same",
            client["start"],
            log,
            json.loads(lab_page_.execute(kernel)),
            f"written after {client['written'] - client['start']:.0f} ms, the last reply "
            f"came after {client['end'] - client['start']:.0f} ms",
        )

        puts = [page.evaluate(PUT, [SIZE, lab.token]) for _ in range(5)]
        assert all(p["status"] == 200 for p in puts), puts
        print(
            "3. Chromium, 10 MB as one HTTP PUT to the upload endpoint: "
            + ", ".join(f"{p['ms']:.0f}" for p in puts)
            + " ms"
        )
        print(f"4. a tiny comm round trip: {round_trips(lab_page_)}")

    os.environ["CKW_TRACE_NODELAY"] = "1"
    with running_lab() as lab, lab_page(lab, HOOK) as lab_page_:
        lab_page_.write_notebook("trace.ipynb", NOTEBOOK)
        lab_page_.open("trace.ipynb")
        lab_page_.run_all()
        lab_page_.page.wait_for_function("() => window.__ckwPerf && window.__ckwPerf.upload")
        lab_page_.page.evaluate(ROUND_TRIP, 0)
        print(f"   with TCP_NODELAY on kernel websockets: {round_trips(lab_page_)}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
