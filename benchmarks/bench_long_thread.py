"""Long-thread benchmark: open a 1,000-item thread in the view and time its first paint.

In a real JupyterLab and Chromium, a MemoryStore holds threads of 1,000 items each
(alternating user questions and assistant markdown: paragraphs, lists, code, tables).
The user opens one from the chat's history panel, as they would. Through the view's
opt-in timing hook (``js/src/perf.ts``) the page measures:

- from the click to the first frame painted with the thread (the limit, issue 5: ≤ 300 ms),
  and within it: the kernel's ``open_thread`` (store reads, ChatKit requests), the
  snapshot from the kernel's send to its arrival, and from its arrival to the paint;
- long tasks (> 50 ms) on the main thread meanwhile.

The kernel sends the newest page of items (``ITEMS_PAGE_SIZE``, 50) and ``has_more``; older
items load on demand. For reference the benchmark also opens another 1,000-item thread
with the page size raised to 1,000: every item in one snapshot, drawn at once.

Run: ``python -m benchmarks.bench_long_thread`` from the repository root (≈ 40 s).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from playwright.sync_api import expect

from benchmarks._lab import lab_page, running_lab

ITEMS = 1_000
LIMIT_MS = 300

HOOK = """
window.__ckwPerf = {
  snapshots: [],
  longtasks: [],
  record(entry) {
    if (entry.message.type !== "snapshot") return;
    const items = entry.message.state.items;
    this.snapshots.push({
      start: entry.start,
      rendered: entry.rendered,
      painted: entry.painted,
      paintedAt: entry.paintedAt,
      sent: entry.message.t,
      items: items.length,
      bytes: JSON.stringify(entry.message).length,
      shown: document.querySelectorAll(".ckw-root .ckw-item").length,
      newestShown: items.length > 0
        && document.querySelector(`[data-item-id="${items[items.length - 1].id}"]`) !== null,
    });
  },
};
new PerformanceObserver((list) => {
  for (const task of list.getEntries()) {
    window.__ckwPerf.longtasks.push({ start: task.startTime, duration: task.duration });
  }
}).observe({ type: "longtask", buffered: true });
"""

SEED = f"""
import time
from datetime import datetime, timedelta
from chatkit.types import (AssistantMessageContent, AssistantMessageItem, InferenceOptions,
                           ThreadMetadata, UserMessageItem, UserMessageTextContent)
from chatkit_widget import ChatKitWidget, MemoryStore
from servers import PacedServer

def answer(n):
    parts = [f"Here is what I found about **topic {{n}}**: the data shows a steady rise, "
             f"with `metric_{{n}}` up {{n % 17}}% on last week. "
             f"See [the notes](https://example.com/{{n}})."]
    parts.append("\\n".join(f"- point {{k}} about item {{n}}" for k in range(3)))
    if n % 5 == 0:
        parts.append(f"```python\\ndef step_{{n}}(x):\\n    return x * {{n}}\\n```")
    if n % 7 == 0:
        rows = "\\n".join(f"| k{{k}} | {{k * n}} |" for k in range(4))
        parts.append("| key | value |\\n| --- | ---: |\\n" + rows)
    return "\\n\\n".join(parts)

async def seed(store, title):
    start = datetime(2025, 1, 1)
    thread = ThreadMetadata(id=store.generate_thread_id({{}}), title=title, created_at=start)
    await store.save_thread(thread, {{}})
    for n in range({ITEMS}):
        at = start + timedelta(seconds=n)
        if n % 2 == 0:
            question = f"Question {{n}}: what about topic {{n + 1}}?"
            item = UserMessageItem(id=f"{{thread.id}}_u{{n:04d}}", thread_id=thread.id,
                                   created_at=at, content=[UserMessageTextContent(text=question)],
                                   attachments=[], inference_options=InferenceOptions())
        else:
            item = AssistantMessageItem(id=f"{{thread.id}}_a{{n:04d}}", thread_id=thread.id,
                                        created_at=at,
                                        content=[AssistantMessageContent(text=answer(n))])
        await store.add_thread_item(thread.id, item, {{}})
    return thread.id

store = MemoryStore()
first = await seed(store, "Long thread A")
second = await seed(store, "Long thread B")
chat = ChatKitWidget(PacedServer(store=store), history=True, height="700px")
# Benchmark only: stamp messages to the views with their send time, time open_thread.
_send = chat._transport._send
chat._transport._send = lambda message: _send({{**message, "t": time.time() * 1000}})
open_ms = []
_open = chat._client.open_thread
async def timed_open(thread_id):
    began = time.perf_counter()
    try:
        await _open(thread_id)
    finally:
        open_ms.append((time.perf_counter() - began) * 1000)
chat._client.open_thread = timed_open
chat
"""

CLICK = """title => {
  const button = [...document.querySelectorAll(".ckw-root .ckw-history-open")]
    .find((b) => b.querySelector(".ckw-history-title")?.textContent === title);
  const clicked = performance.now();
  button.click();
  return clicked;
}"""


def open_from_history(lp: Any, root: Any, title: str) -> dict[str, Any]:
    count = lp.page.evaluate("() => window.__ckwPerf.snapshots.length")
    root.get_by_role("button", name="Conversation history").click()
    expect(root.locator(".ckw-history-title", has_text=title)).to_be_visible()
    clicked = lp.page.evaluate(CLICK, title)
    lp.page.wait_for_function(
        "n => window.__ckwPerf.snapshots.length > n", arg=count, timeout=60_000
    )
    snap = lp.page.evaluate("n => window.__ckwPerf.snapshots[n]", count)
    tasks = lp.page.evaluate(
        """([from, to]) => window.__ckwPerf.longtasks
            .filter((t) => t.start + t.duration >= from && t.start <= to)""",
        [clicked, snap["painted"]],
    )
    return {**snap, "clicked": clicked, "longtasks": tasks}


def report(name: str, run: dict[str, Any], kernel_ms: float) -> float:
    total = run["painted"] - run["clicked"]
    arrive_to_paint = run["painted"] - run["start"]
    transit = run["paintedAt"] - run["sent"] - arrive_to_paint  # kernel send → arrival
    print(f"  {name}: snapshot of {run['items']} items, {run['bytes'] / 1024:.0f} KB of JSON")
    print(f"    click → first paint of the thread: {total:.1f} ms")
    print(
        f"      kernel open_thread {kernel_ms:.1f} ms; snapshot send → arrival {transit:.1f} ms; "
        f"arrival → rendered {run['rendered'] - run['start']:.1f} ms "
        f"→ painted {arrive_to_paint:.1f} ms"
    )
    worst = max((t["duration"] for t in run["longtasks"]), default=0.0)
    print(
        f"    painted {run['shown']} items, newest on screen: {run['newestShown']}; "
        "long tasks (> 50 ms): "
        f"{len(run['longtasks'])}" + (f" (max {worst:.0f} ms)" if run["longtasks"] else "")
    )
    return total


def main() -> int:
    began = time.monotonic()
    with running_lab() as lab, lab_page(lab, HOOK) as lp:
        lp.write_notebook("bench_long_thread.ipynb", [SEED])
        lp.open("bench_long_thread.ipynb")
        lp.run_all(timeout_ms=120_000)
        root = lp.page.locator(".ckw-root").first
        expect(root).to_be_visible()
        paged = open_from_history(lp, root, "Long thread A")
        expect(root.locator(".ckw-item").last).to_contain_text("point 2 about item 999")
        lp.execute("import chatkit_widget.client as _c; _c.ITEMS_PAGE_SIZE = 1000")
        whole = open_from_history(lp, root, "Long thread B")
        expect(root.locator(".ckw-item")).to_have_count(ITEMS)
        kernel = json.loads(lp.execute("print(open_ms)").strip())
        lp.screenshot("bench-long-thread", root)

    print(f"bench_long_thread: open a {ITEMS:,}-item thread from the history panel")
    total = report("newest page (ITEMS_PAGE_SIZE = 50, has_more)", paged, kernel[0])
    report("for reference, every item in one snapshot (page size 1,000)", whole, kernel[1])
    ok = total <= LIMIT_MS and paged["newestShown"]
    print(
        f"  click → first paint: {total:.1f} ms   limit ≤ {LIMIT_MS} ms  "
        + ("PASS" if ok else "FAIL")
    )
    print(f"  (wall time {time.monotonic() - began:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
