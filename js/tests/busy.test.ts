// A kernel that takes up the view's messages only later (marimo's edit mode runs them
// after the current cell): the view says so, and the composer works again afterwards.

import { afterEach, describe, expect, it, vi } from "vitest";
import { render, snapshotState, unmountAll, user } from "./fixtures";

afterEach(() => {
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
});
