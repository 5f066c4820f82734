// A kernel that takes up the view's messages only later (marimo's edit mode runs them
// after the current cell): the view says so, and the composer works again afterwards.

import { afterEach, describe, expect, it, vi } from "vitest";
import { render, snapshotState, unmountAll, user } from "./fixtures";

afterEach(() => {
  // preact schedules effects after a frame: run what a test left pending, or the queue
  // stays blocked for the next test.
  if (vi.isFakeTimers()) vi.runOnlyPendingTimers();
  unmountAll();
  vi.useRealTimers();
});

const busyNotice = (el: HTMLElement) =>
  Array.from(el.querySelectorAll("[role=status]")).find((node) => /busy running a cell/.test(node.textContent ?? ""));

describe("a kernel busy with a cell", () => {
  it("says a sent message waits for the running cell, and clears once the kernel answers", async () => {
    vi.useFakeTimers();
    const { model, el } = render();
    model.receive({ type: "snapshot", seq: 0, state: snapshotState() });
    await vi.advanceTimersByTimeAsync(10);

    const area = el.querySelector("textarea") as HTMLTextAreaElement;
    area.value = "hello";
    area.dispatchEvent(new Event("input", { bubbles: true }));
    await vi.advanceTimersByTimeAsync(10);
    area.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(busyNotice(el)).toBeUndefined();

    await vi.advanceTimersByTimeAsync(2_500);
    expect(busyNotice(el)?.textContent).toContain("when it finishes");

    // The cell ends: the kernel takes the message up and answers.
    model.receive({
      type: "batch",
      seq: 1,
      events: [{ type: "thread.item.done", item: user("u1", "hello") }],
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(busyNotice(el)).toBeUndefined();
    expect(area.disabled).toBe(false);
  });

  it("says Stop waits for the running cell while the reply it stops goes on, and clears when it ends", async () => {
    vi.useFakeTimers();
    const { model, el } = render();
    model.receive({ type: "snapshot", seq: 0, state: snapshotState({ responding: true, stream_options: { allow_cancel: true } }) });
    await vi.advanceTimersByTimeAsync(10);
    const stop = el.querySelector("button[aria-label='Stop']") as HTMLButtonElement;
    stop.click();
    expect(model.sent).toContainEqual({ type: "cancel" });
    // The cell's reply streams on (marimo delivers it), the cancel waits for the cell.
    for (let seq = 1; seq <= 4; seq++) {
      model.receive({ type: "batch", seq, events: [{ type: "thread.item.done", item: user(`u${seq}`, "x") }] });
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(busyNotice(el)?.textContent).toContain("Stop waits for it");

    model.receive({ type: "batch", seq: 5, events: [{ type: "widget.response_end" }] });
    await vi.advanceTimersByTimeAsync(10);
    expect(busyNotice(el)).toBeUndefined();
  });

  it("says nothing when Stop ends the reply at once", async () => {
    vi.useFakeTimers();
    const { model, el } = render();
    model.receive({ type: "snapshot", seq: 0, state: snapshotState({ responding: true, stream_options: { allow_cancel: true } }) });
    await vi.advanceTimersByTimeAsync(10);
    (el.querySelector("button[aria-label='Stop']") as HTMLButtonElement).click();
    model.receive({ type: "batch", seq: 1, events: [{ type: "widget.response_end" }] });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(busyNotice(el)).toBeUndefined();
  });
});
