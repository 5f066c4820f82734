// Streaming at the end of a long thread: the items the thread was opened with sit in one
// box that streaming never touches (issue 14).

import { afterEach, describe, expect, it } from "vitest";
import type { BatchEvent } from "../src/protocol";
import { assistant, mount as mountView, thread, unmountAll, user } from "./fixtures";

afterEach(unmountAll);

const mount = (items: unknown[], threadId: string | null) =>
  mountView({}, { thread: threadId ? thread(threadId) : null, items });

const delta = (id: string, text: string): BatchEvent => ({
  type: "thread.item.updated",
  item_id: id,
  update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: text },
});

describe("the opened thread's items", () => {
  it("sit in one box that a reply streaming after them leaves untouched", async () => {
    const items = Array.from({ length: 40 }, (_, n) => (n % 2 ? assistant(`a${n}`, `Answer **${n}**.`) : user(`u${n}`, `Q ${n}`)));
    const { el, events } = await mount(items, "thr_1");
    const past = el.querySelector(".ckw-thread-past") as HTMLElement;
    expect(past.querySelectorAll(".ckw-item")).toHaveLength(40);
    const nodes = Array.from(past.querySelectorAll("*"));
    const html = past.innerHTML;

    await events({ type: "widget.response_start" }, { type: "thread.item.added", item: user("u40", "More?") });
    await events({ type: "thread.item.added", item: assistant("a41") });
    for (const word of "Streaming at the end of a long thread, word by word.".split(" ")) {
      await events(delta("a41", `${word} `));
    }
    await events({ type: "thread.item.done", item: assistant("a41", "Done.") }, { type: "widget.response_end" });

    // The new turn is outside the box, in order after it; the box's nodes are the same ones.
    const all = Array.from(el.querySelectorAll(".ckw-item")).map((node) => node.getAttribute("data-item-id"));
    expect(all.slice(-3)).toEqual(["a39", "u40", "a41"]);
    expect(el.querySelector(".ckw-thread-past [data-item-id='a41']")).toBeNull();
    expect(el.querySelector(".ckw-thread-past")).toBe(past);
    expect(past.innerHTML).toBe(html);
    expect(Array.from(past.querySelectorAll("*")).every((node, index) => node === nodes[index])).toBe(true);
  });

  it("has no box when a new thread starts by sending (nothing moves into it mid-stream)", async () => {
    const { el, events } = await mount([], null);
    await events({ type: "widget.response_start" }, { type: "thread.created", thread: thread("thr_2") });
    await events({ type: "thread.item.added", item: user("u1", "Hi") }, { type: "thread.item.added", item: assistant("a1") });
    await events(delta("a1", "Hello"));
    const reply = el.querySelector("[data-item-id='a1']");
    await events({ type: "thread.item.done", item: assistant("a1", "Hello") }, { type: "widget.response_end" });
    expect(el.querySelector(".ckw-thread-past")).toBeNull();
    expect(el.querySelector("[data-item-id='a1']")).toBe(reply);
  });
});

describe("a structural change at the end of a long thread", () => {
  it("re-renders only the new turn, not the opened thread's rows", async () => {
    const { options } = await import("preact");
    const items = Array.from({ length: 400 }, (_, n) => (n % 2 ? assistant(`a${n}`, `Answer ${n}.`) : user(`u${n}`, `Q ${n}`)));
    const { events } = await mount(items, "thr_1");
    // Every component or element Preact diffs calls `options.diffed`: count them per update.
    let diffed = 0;
    const previous = options.diffed;
    options.diffed = (vnode) => {
      diffed++;
      previous?.(vnode);
    };
    try {
      await events({ type: "widget.response_start" }, { type: "thread.item.added", item: user("u400", "More?") });
      const sending = diffed;
      diffed = 0;
      await events({ type: "thread.item.added", item: assistant("a401") });
      await events(delta("a401", "Hi"));
      await events({ type: "thread.item.done", item: assistant("a401", "Hi.") }, { type: "widget.response_end" });
      // A few dozen nodes for the new turn and the thread's chrome, against ~2,000 in the box.
      expect(sending).toBeLessThan(150);
      expect(diffed).toBeLessThan(300);
    } finally {
      options.diffed = previous;
    }
  });
});
