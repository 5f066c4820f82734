// Opt-in timing for the benchmarks (benchmarks/bench_render.py, bench_long_thread.py).
//
// A page that defines `globalThis.__ckwPerf = { record(entry) {…} }` before the view
// loads gets one entry per kernel message: when it arrived, when the view had applied
// and rendered it, and when the next frame was painted. Without the hook (always, outside
// benchmarks) the cost is one property read per message.

import type { KernelMessage } from "./protocol";

export interface PerfEntry {
  message: KernelMessage;
  /** `performance.now()` when the message reached the store. */
  start: number;
  /** `performance.now()` once the state was applied and rendered (microtasks drained). */
  rendered: number;
  /** `performance.now()` after the next frame was painted. */
  painted: number;
  /** The same moment as `Date.now()`: the wall clock the kernel stamps `t` with. */
  paintedAt: number;
}

export interface PerfHook {
  record(entry: PerfEntry): void;
  /** Set by the view: close, parse and sanitize a whole text at once (the baseline). */
  renderWhole?: (text: string) => DocumentFragment;
  /** Set by the view: a whole text at once through the view's own block builder. */
  renderWholeBuilt?: (text: string) => DocumentFragment;
  /** Set by the view: render a widget root into `host` (or, `asText`, the text fallback). */
  renderWidget?: (widget: unknown, host: HTMLElement, asText: boolean) => void;
  /**
   * Set by the benchmark: improvements to switch off (by name, see `perfOff`), so one run
   * measures the view with and without them.
   */
  off?: Record<string, boolean>;
  /** Filled by the view: milliseconds spent in markdown's parse and DOM-update steps. */
  counters?: PerfCounters;
}

export interface PerfCounters {
  /** Lexing and closing the unfinished markdown. */
  parse: number;
  /** Building the changed blocks' nodes and putting them in the page. */
  dom: number;
}

export function perfHook(): PerfHook | undefined {
  const hook = (globalThis as { __ckwPerf?: PerfHook }).__ckwPerf;
  return hook && typeof hook.record === "function" ? hook : undefined;
}

/** True when the benchmark switched the improvement `name` off (never outside benchmarks). */
export function perfOff(name: string): boolean {
  return perfHook()?.off?.[name] === true;
}

/** The markdown step counters, when a benchmark is listening (else undefined: no timing). */
export function perfCounters(): PerfCounters | undefined {
  const hook = perfHook();
  if (!hook) return undefined;
  hook.counters ??= { parse: 0, dom: 0 };
  return hook.counters;
}

/** Record `message`'s timings. Preact renders in a microtask queued while the state was set. */
export function tracePerf(hook: PerfHook, message: KernelMessage, start: number): void {
  const afterMicrotasks = (depth: number, then: () => void): void =>
    queueMicrotask(depth ? () => afterMicrotasks(depth - 1, then) : then);
  afterMicrotasks(3, () => {
    const rendered = performance.now();
    requestAnimationFrame(() => {
      // A task posted from the frame callback runs after that frame's style, layout, paint.
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        hook.record({ message, start, rendered, painted: performance.now(), paintedAt: Date.now() });
      };
      channel.port2.postMessage(null);
    });
  });
}
