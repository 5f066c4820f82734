// Following a reply that streams at model speed (issue 14): the view scrolls in the task
// that grew the text, and leaves the browser's scroll anchoring off while it follows.

import { afterEach, describe, expect, it } from "vitest";
import type { BatchEvent } from "../src/protocol";
import { assistant, mount as mountView, thread, tick, unmountAll, user } from "./fixtures";

afterEach(unmountAll);

async function mount() {
  const { el, events } = await mountView({ _thread: thread(), _transcript: [user("u1", "first")] });
  const scroller = el.querySelector(".ckw-thread") as HTMLElement;
  // jsdom lays nothing out: the scroller reports a height that grows with its text.
  let top = 0;
  Object.defineProperty(scroller, "scrollHeight", { get: () => 1000 + (scroller.textContent ?? "").length });
  Object.defineProperty(scroller, "clientHeight", { get: () => 400 });
  Object.defineProperty(scroller, "scrollTop", {
    get: () => top,
    set: (value: number) => (top = Math.max(0, Math.min(value, scroller.scrollHeight - 400))),
  });
  return { el, events, scroller };
}

const delta = (text: string): BatchEvent => ({
  type: "thread.item.updated",
  item_id: "a1",
  update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: text },
});

describe("following a streamed reply", () => {
  it("scrolls to the bottom with each streamed update, without waiting for a later frame", async () => {
    const { events, scroller } = await mount();
    await events({ type: "widget.response_start" }, { type: "thread.item.added", item: assistant("a1") });
    for (const text of ["A first paragraph", " goes on,\n\nand a second", " one follows."]) {
      await events(delta(text));
      expect(scroller.scrollTop).toBe(scroller.scrollHeight - scroller.clientHeight);
    }
  });

  it("turns scroll anchoring off while it follows, and on again when the user scrolls up", async () => {
    const { el, events, scroller } = await mount();
    expect(scroller.classList.contains("ckw-thread--following")).toBe(true);
    await events({ type: "widget.response_start" }, { type: "thread.item.added", item: assistant("a1") }, delta("Some text"));
    scroller.dispatchEvent(new WheelEvent("wheel", { deltaY: -100, bubbles: true }));
    await tick();
    expect(scroller.classList.contains("ckw-thread--following")).toBe(false);
    // Not following: a streamed update leaves the user's position alone.
    const reading = scroller.scrollTop;
    await events(delta(" and more text that grows the reply"));
    expect(scroller.scrollTop).toBe(reading);
    (el.querySelector(".ckw-jump") as HTMLElement).click();
    await tick();
    expect(scroller.classList.contains("ckw-thread--following")).toBe(true);
  });
});
