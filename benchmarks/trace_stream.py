"""Where the main thread's time goes while a reply streams at model speed (issue 14).

``bench_render --paced`` measures the page's main-thread busy time with Chromium's own
counters; this records a Chromium trace of the same paced reply (300 tokens/s, empty
thread) and attributes the time: per batch, by trace event (self time: an event's duration
less its children's) and, for JavaScript, by script (V8's sampling profiler in the trace),
so JupyterLab's own message handling and our widget's code are told apart.

Run: ``python -m benchmarks.trace_stream [interval_ms ...]`` from the repository root;
each interval given (default: the transport's) streams the reply once with streamed text
sent every that many ms, in the same page; ``--variant NAME=CSS`` streams it again with CSS
added to the page, ``--variant NAME=off:IMPROVEMENT`` with one of the view's improvements
switched off (js/src/perf.ts), ``--variant NAME=py:CODE`` after running CODE in the
kernel (it stays in effect for the variants after it); ``--full`` adds passes with V8's
profiler (by script) and invalidation tracking; ``--idle-only`` traces the page at rest;
``--long`` streams at the end of a 1,000-item thread opened in full instead of an empty one;
``--keep DIR`` keeps the raw traces.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks._lab import lab_page, running_lab
from benchmarks.bench_render import (
    HOOK,
    RATE,
    markdown_document,
    open_paced_chat,
    stream_reply,
)

CATEGORIES = [
    "toplevel",
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "disabled-by-default-devtools.timeline.frame",
    "v8",
    "v8.execute",
    "blink",
    "cc",
    "gpu",
    "disabled-by-default-v8.gc",
]
# V8's sampling profiler (by script) costs main-thread time of its own: a second pass.
PROFILER = ["disabled-by-default-v8.cpu_profiler"]
# Why paint ran: what each frame invalidated (costly too: a pass of its own).
INVALIDATION = ["disabled-by-default-devtools.timeline.invalidationTracking"]

# Self-time names folded into the groups printed first (the rest are printed by name).
GROUPS = {
    "JavaScript": {
        "FunctionCall",
        "EvaluateScript",
        "v8.execute",
        "V8.Execute",
        "v8.run",
        "RunMicrotasks",
        "TimerFire",
        "FireAnimationFrame",
        "EventDispatch",
        "v8.callFunction",
        "V8.RunMicrotasks",
        "FireIdleCallback",
        "ResizeObserver::DeliverObservations",
        "MutationObserver",
    },
    "GC": {
        "MinorGC",
        "MajorGC",
        "V8.GCScavenger",
        "V8.GCFinalizeMC",
        "BlinkGC.AtomicPhase",
        "V8.GC_SCAVENGER",
        "V8.GCIncrementalMarking",
        "ThreadState::performIdleLazySweep",
        "BlinkGC.CompleteSweep",
        "V8.GC_MC_INCREMENTAL",
        "V8.GCCompactor",
    },
    "style": {
        "UpdateLayoutTree",
        "RecalculateStyles",
        "ScheduleStyleRecalculation",
        "ParseAuthorStyleSheet",
    },
    "layout": {"Layout", "UpdateLayout", "InvalidateLayout"},
    "pre-paint / paint / layerize": {
        "PrePaint",
        "Paint",
        "PaintImage",
        "UpdateLayer",
        "UpdateLayerTree",
        "Layerize",
        "CompositeLayers",
        "PaintArtifactCompositor::Update",
        "LocalFrameView::RunPrePaintLifecyclePhase",
        "LocalFrameView::RunPaintLifecyclePhase",
    },
    "hit test": {"HitTest", "LocalFrameView::UpdateAllLifecyclePhases"},
    "commit": {"Commit", "ProxyMain::BeginMainFrame::commit", "ProxyMain::BeginMainFrame"},
}


def load_events(raw: bytes) -> list[dict[str, Any]]:
    data = json.loads(raw)
    return data["traceEvents"] if isinstance(data, dict) else data


def main_thread(events: list[dict[str, Any]]) -> tuple[int, int]:
    """(pid, tid) of the busiest CrRendererMain thread: the page's."""
    mains = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M"
        and e.get("name") == "thread_name"
        and e["args"].get("name") == "CrRendererMain"
    }
    busy: dict[tuple[int, int], float] = defaultdict(float)
    for e in events:
        key = (e.get("pid"), e.get("tid"))
        if key in mains and e.get("ph") == "X":
            busy[key] += e.get("dur", 0)
    return max(busy, key=lambda k: busy[k])


def complete_events(events: list[dict[str, Any]], pid: int, tid: int) -> list[dict[str, Any]]:
    """The thread's events as complete ones (B/E pairs joined), sorted, nesting-ready."""
    out: list[dict[str, Any]] = []
    open_: list[dict[str, Any]] = []
    for e in sorted(
        (e for e in events if e.get("pid") == pid and e.get("tid") == tid and "ts" in e),
        key=lambda e: e["ts"],
    ):
        ph = e.get("ph")
        if ph == "X":
            out.append(
                {
                    "name": e["name"],
                    "ts": e["ts"],
                    "dur": e.get("dur", 0),
                    "args": e.get("args", {}),
                    "cat": e.get("cat", ""),
                }
            )
        elif ph == "B":
            open_.append(e)
        elif ph == "E" and open_:
            b = open_.pop()
            out.append(
                {
                    "name": b["name"],
                    "ts": b["ts"],
                    "dur": e["ts"] - b["ts"],
                    "args": b.get("args", {}),
                    "cat": b.get("cat", ""),
                }
            )
    # Parents first when two start together.
    out.sort(key=lambda e: (e["ts"], -e["dur"]))
    return out


def self_times(
    evs: list[dict[str, Any]], start: float, end: float
) -> tuple[dict[str, float], float]:
    """Self time (µs) by event name within [start, end], and the top-level tasks' total."""
    selfs: dict[str, float] = defaultdict(float)
    stack: list[dict[str, Any]] = []
    top = 0.0
    for e in evs:
        if e["ts"] < start or e["ts"] > end:
            continue
        while stack and e["ts"] >= stack[-1]["ts"] + stack[-1]["dur"]:
            stack.pop()
        if stack:
            selfs[stack[-1]["name"]] -= e["dur"]
        else:
            top += e["dur"]
        selfs[e["name"]] += e["dur"]
        stack.append(e)
    return selfs, top


def profile_by_script(
    events: list[dict[str, Any]], pid: int, tid: int, start: float, end: float
) -> tuple[dict[str, float], dict[str, float]]:
    """V8 samples of the page's main thread: self time (µs) by script and by function."""
    profiles: dict[str, dict[str, Any]] = {}
    for e in events:
        if e.get("pid") != pid:
            continue
        if e.get("name") == "Profile" and e.get("tid") == tid:
            profiles[str(e["id"])] = {
                "nodes": {},
                "samples": [],
                "deltas": [],
                "t": e["args"]["data"].get("startTime", 0),
            }
    for e in sorted(
        (e for e in events if e.get("name") == "ProfileChunk" and e.get("pid") == pid),
        key=lambda e: e["ts"],
    ):
        p = profiles.get(str(e.get("id")))
        if p is None:
            continue
        data = e["args"]["data"]
        cpu = data.get("cpuProfile", {})
        for node in cpu.get("nodes", []):
            p["nodes"][node["id"]] = node
        p["samples"] += cpu.get("samples", [])
        p["deltas"] += data.get("timeDeltas", [])
    by_script: dict[str, float] = defaultdict(float)
    by_function: dict[str, float] = defaultdict(float)
    for p in profiles.values():
        t = p["t"]
        samples, deltas = p["samples"], p["deltas"]
        for i, (node_id, delta) in enumerate(zip(samples, deltas, strict=False)):
            t += delta
            if t < start or t > end:
                continue
            # A sample's weight: the time to the next one.
            weight = deltas[i + 1] if i + 1 < len(deltas) else 0
            frame = p["nodes"].get(node_id, {}).get("callFrame", {})
            url = frame.get("url") or frame.get("functionName") or "?"
            by_script[script_name(url)] += weight
            by_function[f"{frame.get('functionName') or '(anonymous)'} [{script_name(url)}]"] += (
                weight
            )
    return by_script, by_function


def profile_lines(
    events: list[dict[str, Any]], pid: int, tid: int, start: float, end: float, batches: int
) -> list[str]:
    by_script, by_function = profile_by_script(events, pid, tid, start, end)
    total = sum(v for k, v in by_script.items() if k != "(idle)")
    lines = [
        f"  V8 samples (main thread, {total / 1000:.0f} ms busy sampled) by script, "
        "ms per batch ('(program)' is the browser's own work, outside JavaScript):"
    ]
    for name, us in sorted(by_script.items(), key=lambda kv: -kv[1])[:12]:
        if name != "(idle)":
            lines.append(f"    {us / 1000 / batches:7.3f}  {name[:110]}")
    lines.append("  ... and by function (top 20):")
    for name, us in sorted(by_function.items(), key=lambda kv: -kv[1])[:21]:
        if not name.startswith("(idle)"):
            lines.append(f"    {us / 1000 / batches:7.3f}  {name[:110]}")
    return lines


IDLE_MS = 5000

# Filled by main() through CDP: a trace's DOM node ids → a short description.
NODE_NAMES: dict[int, str] = {}


def paint_lines(
    evs: list[dict[str, Any]],
    events: list[dict[str, Any]],
    pid: int,
    start: float,
    end: float,
    batches: int,
) -> list[str]:
    """Paint events by painted node and clip size; invalidations by node and reason."""
    by_node: dict[tuple[Any, str], list[float]] = defaultdict(list)
    for e in evs:
        if e["name"] == "Paint" and start <= e["ts"] <= end:
            d = e["args"].get("data", {})
            clip = d.get("clip") or [0] * 8
            size = f"{clip[2] - clip[0]:.0f}×{clip[5] - clip[1]:.0f}"
            by_node[(d.get("nodeId"), size)].append(e["dur"])
    lines = ["  Paint events per batch by painted node (count per batch, ms per batch):"]
    for (node, size), durs in sorted(by_node.items(), key=lambda kv: -sum(kv[1]))[:6]:
        lines.append(
            f"    {sum(durs) / 1000 / batches:7.3f}  [{len(durs) / batches:5.2f}]  "
            f"node {node} {NODE_NAMES.get(node, '')} clip {size}"
        )
    reasons: dict[str, int] = defaultdict(int)
    for e in events:
        if e.get("pid") != pid or not str(e.get("name", "")).endswith("InvalidationTracking"):
            continue
        if not start <= e.get("ts", 0) <= end:
            continue
        d = e.get("args", {}).get("data", {})
        node = d.get("nodeId")
        label = NODE_NAMES.get(node) or d.get("nodeName", "")
        reasons[f"{e['name']}: {str(label)[:60]} ({d.get('reason', '')})"] += 1
    if reasons:
        lines.append("  invalidations per batch by node and reason (top 20):")
        for name, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:20]:
            lines.append(f"    [{n / batches:6.2f}]  {name[:120]}")
    return lines


def node_ids(raw: bytes) -> set[int]:
    ids: set[int] = set()
    for e in load_events(raw):
        d = e.get("args", {}).get("data") if isinstance(e.get("args"), dict) else None
        if isinstance(d, dict) and isinstance(d.get("nodeId"), int):
            if e.get("name") == "Paint" or str(e.get("name")).endswith("InvalidationTracking"):
                ids.add(d["nodeId"])
    return ids


def describe_nodes(cdp: Any, ids: set[int]) -> None:
    """Name the trace's node ids (backend node ids) as tag.class#id, through CDP."""
    cdp.send("DOM.getDocument", {"depth": -1})
    for backend in ids:
        try:
            node = cdp.send("DOM.describeNode", {"backendNodeId": backend})["node"]
        except Exception:  # noqa: BLE001 - the node is gone: leave it unnamed
            continue
        attrs = node.get("attributes", [])
        attr = dict(zip(attrs[::2], attrs[1::2], strict=False))
        cls = ".".join(attr.get("class", "").split()[:3])
        NODE_NAMES[backend] = (
            node["nodeName"].lower()
            + (f".{cls}" if cls else "")
            + (f"#{attr['id']}" if "id" in attr else "")
        )


def script_name(url: str) -> str:
    if url.startswith("blob:") or "widget" in url:
        return "our widget.js (anywidget ESM): " + url.rsplit("/", 1)[-1][:40]
    if "/static/" in url or "lab/extensions" in url:
        return "JupyterLab / extension bundle " + url.rsplit("/", 1)[-1]
    return url


def analyse(raw: bytes, batches: int, window: tuple[float, float] | None) -> str:
    events = load_events(raw)
    pid, tid = main_thread(events)
    evs = complete_events(events, pid, tid)
    tasks = [e for e in evs if e["name"] in ("RunTask", "ThreadControllerImpl::RunTask")]
    start, end = window or (tasks[0]["ts"], tasks[-1]["ts"] + tasks[-1]["dur"])
    selfs, top = self_times(evs, start, end)
    lines = [
        f"  trace window {(end - start) / 1e6:.1f} s, {batches} batches; main thread's "
        f"top-level events {top / 1000:.0f} ms = {top / (end - start) * 100:.1f} % "
        f"= {top / 1000 / batches:.2f} ms per batch"
    ]
    frames = sum(
        1
        for e in evs
        if e["name"] == "ProxyMain::BeginMainFrame::commit" and start <= e["ts"] <= end
    )
    lines.append(f"  frames committed per batch: {frames / batches:.2f}")
    grouped: dict[str, float] = defaultdict(float)
    for name, us in selfs.items():
        group = next((g for g, names in GROUPS.items() if name in names), None)
        grouped[group or name] += us
    lines.append("  self time per batch by event (groups first: see GROUPS), ms:")
    for name, us in sorted(grouped.items(), key=lambda kv: -kv[1])[:28]:
        if us / 1000 / batches >= 0.01:
            lines.append(f"    {us / 1000 / batches:7.3f}  {name}")
    lines.append("  raw self time per batch by event name (top 30), ms:")
    for name, us in sorted(selfs.items(), key=lambda kv: -kv[1])[:30]:
        lines.append(f"    {us / 1000 / batches:7.3f}  {name}")
    # Top-level children of RunTask: what kinds of task run.
    kinds: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    stack: list[dict[str, Any]] = []
    for e in evs:
        if e["ts"] < start or e["ts"] > end:
            continue
        while stack and e["ts"] >= stack[-1]["ts"] + stack[-1]["dur"]:
            stack.pop()
        if len(stack) == 1:
            label = e["name"]
            data = e["args"].get("data", {}) if isinstance(e["args"], dict) else {}
            if e["name"] in ("EventDispatch",):
                label += f" ({data.get('type')})"
            if e["name"] in ("FunctionCall", "EvaluateScript", "TimerFire"):
                label += f" ({script_name(data.get('url', '') or '')[:70]})"
            kinds[label] += e["dur"]
            counts[label] += 1
        stack.append(e)
    lines.append(
        "  inclusive time per batch of a task's first-level events (top 25), ms [count per batch]:"
    )
    for name, us in sorted(kinds.items(), key=lambda kv: -kv[1])[:25]:
        lines.append(f"    {us / 1000 / batches:7.3f}  [{counts[name] / batches:5.2f}]  {name}")
    if any(e.get("name") == "ProfileChunk" for e in events):
        lines += profile_lines(events, pid, tid, start, end, batches)
    lines += paint_lines(evs, events, pid, start, end, batches)
    return "\n".join(lines)


def main() -> int:
    args = sys.argv[1:]
    keep = None
    if "--keep" in args:
        i = args.index("--keep")
        keep = Path(args[i + 1])
        keep.mkdir(parents=True, exist_ok=True)
        del args[i : i + 2]
    # --variant NAME=CSS: also stream with CSS added to the page (same page, one after another).
    variants: list[tuple[str, str]] = [("as built", "")]
    while "--variant" in args:
        i = args.index("--variant")
        name, _, css = args[i + 1].partition("=")
        variants.append((name, css))
        del args[i : i + 2]
    passes: list[tuple[str, list[str]]] = [("timing", [])]
    if "--idle-only" in args:
        args.remove("--idle-only")
        intervals_off = True
    else:
        intervals_off = False
    if "--full" in args:
        args.remove("--full")
        passes += [("by script", PROFILER), ("paint invalidations", INVALIDATION)]
    long = "--long" in args  # at the end of a 1,000-item thread opened in full
    if long:
        args.remove("--long")
    intervals: list[float | None] = [float(a) for a in args] or [None]
    began = time.monotonic()
    doc = markdown_document()
    reports = []
    with running_lab() as lab, lab_page(lab, HOOK) as lp:
        root = open_paced_chat(lab, lp, doc, "trace_paced.ipynb")
        browser = lp.page.context.browser
        assert browser is not None  # a launched browser's page
        cdp = lp.page.context.new_cdp_session(lp.page)
        # The page at rest (the chat idle, the kernel idle): what no batch causes.
        lp.page.wait_for_timeout(1000)
        browser.start_tracing(page=lp.page, categories=CATEGORIES + PROFILER)
        lp.page.wait_for_timeout(IDLE_MS)
        raw = browser.stop_tracing()
        describe_nodes(cdp, node_ids(raw))
        if keep:
            (keep / "trace-idle.json").write_bytes(raw)
        reports.append(
            f"idle page for {IDLE_MS / 1000:.0f} s (figures per second, not per batch), "
            f"load {os.getloadavg()[0]:.2f}\n" + analyse(raw, IDLE_MS // 1000, None)
        )
        runs = [] if intervals_off else [(v, i) for i in intervals for v in variants]
        for (variant, css), interval in runs:
            label = "default" if interval is None else f"{interval:.0f} ms"
            label += f", {variant}"
            # "off:NAME,NAME" switches the view's improvements off instead (js/src/perf.ts).
            off = css[4:].split(",") if css.startswith("off:") else []
            # "py:CODE" runs CODE in the kernel first (it stays in effect for later runs).
            if css.startswith("py:"):
                lp.execute(css[3:])
            css = "" if off or css.startswith("py:") else css
            lp.page.evaluate(
                "(off) => {"
                " window.__ckwPerf.off = Object.fromEntries(off.map((n) => [n, true])); }",
                off,
            )
            lp.page.evaluate(
                """(css) => {
                    document.getElementById("ckw-trace-variant")?.remove();
                    const style = document.createElement("style");
                    style.id = "ckw-trace-variant";
                    style.textContent = css;
                    document.head.append(style);
                }""",
                css,
            )
            if interval is None:
                lp.execute("chat._transport.text_interval = _transport.DEFAULT_TEXT_INTERVAL")
            else:
                lp.execute(f"chat._transport.text_interval = {interval / 1000!r}")
            for kind, extra in passes:
                if long:
                    lp.execute("_client.ITEMS_PAGE_SIZE = 1000\nawait chat.open_thread(LONG)")
                    root.locator(".ckw-item").nth(999).wait_for(state="attached")
                else:
                    lp.execute("await chat.new_thread()")
                lp.page.wait_for_timeout(500)
                browser.start_tracing(page=lp.page, categories=CATEGORIES + extra)
                result = stream_reply(lp, root, "The report, please.")
                lp.page.wait_for_timeout(1000)
                raw = browser.stop_tracing()
                describe_nodes(cdp, node_ids(raw))
                if keep:
                    (keep / f"trace-{label}-{kind}.json".replace(" ", "_")).write_bytes(raw)
                n = len(result["updates"])
                reports.append(
                    f"streamed text every {label}, pass '{kind}': {n} batches over "
                    f"{result['streamMs'] / 1000:.1f} s, load {os.getloadavg()[0]:.2f}\n"
                    + analyse(raw, n, None)
                )
        reports.append(
            "(the profiler and invalidation tracking cost time of their own: "
            "take times from the 'timing' pass, shares from the others)"
        )
    print(f"trace_stream: {len(doc) / 1000:.1f} KB reply at {RATE:.0f} deltas/s, empty thread")
    print("\n".join(reports))
    print(f"  (wall time {time.monotonic() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
