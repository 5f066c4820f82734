import { describe, expect, it } from "vitest";
import type { AssistantMessageItem, ThreadItem, WidgetItem, WorkflowItem } from "../src/chatkit";
import type { BatchEvent, ViewState } from "../src/protocol";
import { type ChatState, emptyState, finishedItems, fromSnapshot, fromTraits, prependItems, reduce, reduceAll } from "../src/state";
import { assistant, snapshotState, thread, user, workflow } from "./fixtures";

const withItems = (...items: ThreadItem[]): ChatState => ({ ...emptyState, thread: thread(), items });
const textOf = (state: ChatState, id: string) =>
  (state.items.find((item) => item.id === id) as AssistantMessageItem).content.map((part) => part.text);

describe("reducer: items", () => {
  it("appends an added item and marks it open", () => {
    const state = reduce(withItems(user("u1", "hi")), { type: "thread.item.added", item: assistant("a1") });
    expect(state.items.map((item) => item.id)).toEqual(["u1", "a1"]);
    expect(state.open).toEqual(["a1"]);
  });

  it("appends text deltas to the content part they name", () => {
    const events: BatchEvent[] = [
      { type: "thread.item.added", item: assistant("a1") },
      {
        type: "thread.item.updated",
        item_id: "a1",
        update: { type: "assistant_message.content_part.added", content_index: 0, content: { type: "output_text", text: "" } },
      },
      {
        type: "thread.item.updated",
        item_id: "a1",
        update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: "Hello, " },
      },
      {
        type: "thread.item.updated",
        item_id: "a1",
        update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: "world" },
      },
    ];
    expect(textOf(reduceAll(withItems(), events), "a1")).toEqual(["Hello, world"]);
  });

  it("creates a content part when a delta arrives before its part", () => {
    const state = reduce(withItems(assistant("a1")), {
      type: "thread.item.updated",
      item_id: "a1",
      update: { type: "assistant_message.content_part.text_delta", content_index: 1, delta: "x" },
    });
    expect(textOf(state, "a1")).toEqual(["", "x"]);
  });

  it("adds annotations at their index", () => {
    const state = reduce(withItems(assistant("a1", "See source.")), {
      type: "thread.item.updated",
      item_id: "a1",
      update: {
        type: "assistant_message.content_part.annotation_added",
        content_index: 0,
        annotation_index: 0,
        annotation: { type: "annotation", source: { type: "url", title: "Docs", url: "https://x.y" } },
      },
    });
    expect((state.items[0] as AssistantMessageItem).content[0]?.annotations?.[0]?.source.title).toBe("Docs");
  });

  it("replaces the item on done and closes it", () => {
    let state = reduce(withItems(), { type: "thread.item.added", item: assistant("a1", "partial") });
    state = reduce(state, { type: "thread.item.done", item: assistant("a1", "final text") });
    expect(textOf(state, "a1")).toEqual(["final text"]);
    expect(state.open).toEqual([]);
    expect(state.items).toHaveLength(1);
  });

  it("closes a streamed item on widget.item_done and keeps its streamed text", () => {
    let state = reduce(withItems(), { type: "thread.item.added", item: assistant("a1") });
    state = reduce(state, {
      type: "thread.item.updated",
      item_id: "a1",
      update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: "streamed" },
    });
    const before = state.items;
    state = reduce(state, { type: "widget.item_done", item_id: "a1" });
    expect(state.open).toEqual([]);
    expect(state.items).toBe(before);
    expect(textOf(state, "a1")).toEqual(["streamed"]);
  });

  it("lists the finished items: all but the open ones, the same array when none is open", () => {
    const state = reduce(withItems(user("u1", "hi")), { type: "thread.item.added", item: assistant("a1") });
    expect(finishedItems(state).map((item) => item.id)).toEqual(["u1"]);
    const done = reduce(state, { type: "widget.item_done", item_id: "a1" });
    expect(finishedItems(done)).toBe(done.items);
  });

  it("removes an item", () => {
    const state = reduce(withItems(user("u1", "a"), assistant("a1", "b")), { type: "thread.item.removed", item_id: "a1" });
    expect(state.items.map((item) => item.id)).toEqual(["u1"]);
  });

  it("replaces an item in place", () => {
    const state = reduce(withItems(user("u1", "a"), assistant("a1", "old"), user("u2", "c")), {
      type: "thread.item.replaced",
      item: assistant("a1", "new"),
    });
    expect(state.items.map((item) => item.id)).toEqual(["u1", "a1", "u2"]);
    expect(textOf(state, "a1")).toEqual(["new"]);
  });

  it("drops the items the kernel says were removed (widget.items_removed)", () => {
    const state = reduce(withItems(user("u1", "a"), assistant("a1", "b"), user("u2", "c"), assistant("a2", "d")), {
      type: "widget.items_removed",
      item_ids: ["u2", "a2"],
    });
    expect(state.items.map((item) => item.id)).toEqual(["u1", "a1"]);
  });

  it("leaves other items untouched (same objects) when one changes", () => {
    const before = withItems(user("u1", "a"), assistant("a1", "b"));
    const after = reduce(before, {
      type: "thread.item.updated",
      item_id: "a1",
      update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: "c" },
    });
    expect(after.items[0]).toBe(before.items[0]);
    expect(after.items[1]).not.toBe(before.items[1]);
  });

  it("ignores an update for an unknown item", () => {
    const before = withItems(user("u1", "a"));
    const after = reduce(before, {
      type: "thread.item.updated",
      item_id: "nope",
      update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: "c" },
    });
    expect(after).toBe(before);
  });
});

describe("reducer: workflows and widgets", () => {
  const tasksOf = (state: ChatState) => (state.items[0] as WorkflowItem).workflow.tasks;

  it("adds and updates workflow tasks by index", () => {
    let state = withItems(workflow("w1"));
    state = reduce(state, {
      type: "thread.item.updated",
      item_id: "w1",
      update: { type: "workflow.task.added", task_index: 0, task: { type: "thought", content: "Hmm" } },
    });
    state = reduce(state, {
      type: "thread.item.updated",
      item_id: "w1",
      update: {
        type: "workflow.task.added",
        task_index: 1,
        task: { type: "custom", title: "Search", status_indicator: "loading" },
      },
    });
    state = reduce(state, {
      type: "thread.item.updated",
      item_id: "w1",
      update: {
        type: "workflow.task.updated",
        task_index: 1,
        task: { type: "custom", title: "Search", status_indicator: "complete" },
      },
    });
    expect(tasksOf(state).map((task) => [task.type, task.status_indicator])).toEqual([
      ["thought", undefined],
      ["custom", "complete"],
    ]);
  });

  it("streams text into a widget component", () => {
    const item: WidgetItem = {
      type: "widget",
      id: "wd",
      thread_id: "thr_1",
      created_at: "",
      widget: { type: "Card", children: [{ type: "Text", id: "t1", value: "Hel" }] },
    };
    const state = reduce(withItems(item), {
      type: "thread.item.updated",
      item_id: "wd",
      update: { type: "widget.streaming_text.value_delta", component_id: "t1", delta: "lo", done: false },
    });
    expect((state.items[0] as WidgetItem).widget.children?.[0]?.value).toBe("Hello");
  });
});

describe("reducer: thread and response", () => {
  it("sets the title on thread.updated and keeps the items", () => {
    const state = reduce(withItems(user("u1", "a")), { type: "thread.updated", thread: thread("thr_1", "Trip plans") });
    expect(state.thread?.title).toBe("Trip plans");
    expect(state.items).toHaveLength(1);
  });

  it("drops `items` from a thread event's thread", () => {
    const state = reduce(emptyState, {
      type: "thread.created",
      thread: { ...thread(), items: { data: [], has_more: false } },
    });
    expect(state.thread && "items" in state.thread).toBe(false);
  });

  it("starts a response: responding, no stale error or progress", () => {
    const before: ChatState = { ...withItems(), error: { type: "error", message: "x" }, progress: { type: "progress_update", text: "p" } };
    const state = reduce(before, { type: "widget.response_start" });
    expect([state.responding, state.error, state.progress]).toEqual([true, null, null]);
  });

  it("keeps the latest progress update while responding and clears it on response_end", () => {
    let state = reduceAll(withItems(), [
      { type: "widget.response_start" },
      { type: "progress_update", icon: "search", text: "Searching" },
      { type: "progress_update", text: "Reading" },
    ]);
    expect(state.progress?.text).toBe("Reading");
    state = reduce(state, { type: "widget.response_end" });
    expect([state.progress, state.responding]).toEqual([null, false]);
  });

  it("records stream options, errors and notices", () => {
    const state = reduceAll(withItems(), [
      { type: "widget.response_start" },
      { type: "stream_options", stream_options: { allow_cancel: true } },
      { type: "notice", level: "warning", message: "Careful" },
      { type: "error", allow_retry: true },
      { type: "widget.response_end" },
    ]);
    expect(state.error).toEqual({ type: "error", allow_retry: true });
    expect(state.notices.map((notice) => notice.message)).toEqual(["Careful"]);
    expect(state.stream_options).toBeNull(); // they apply to the running response only
  });

  it("ignores event types it does not know", () => {
    const before = withItems();
    expect(reduce(before, { type: "something.new" } as unknown as BatchEvent)).toBe(before);
  });
});

describe("state from traits, snapshots and older pages", () => {
  it("builds the first state from the _thread and _transcript traits", () => {
    const state = fromTraits(thread("thr_9", "Saved"), [user("u1", "a"), assistant("a1", "b")]);
    expect(state.thread?.title).toBe("Saved");
    expect(state.items.map((item) => item.id)).toEqual(["u1", "a1"]);
  });

  it("tolerates missing traits", () => {
    expect(fromTraits(undefined, null)).toEqual(emptyState);
  });

  it("replaces everything with a snapshot", () => {
    const view: ViewState = {
      thread: thread("thr_2"),
      items: [user("u9", "x"), assistant("a9", "partial")],
      has_more: true,
      responding: true,
      progress: { type: "progress_update", text: "Working" },
      stream_options: { allow_cancel: true },
      error: null,
    };
    const state = fromSnapshot(view);
    expect(state.thread?.id).toBe("thr_2");
    expect(state.items.map((item) => item.id)).toEqual(["u9", "a9"]);
    expect([state.has_more, state.responding, state.progress?.text]).toEqual([true, true, "Working"]);
    expect(state.open).toEqual(["a9"]);
    expect(state.notices).toEqual([]);
  });

  it("keeps the notices a snapshot carries (shown before the view attached)", () => {
    const notice = { type: "notice", level: "warning", message: "Thread thr_x not found; starting a new chat." } as const;
    const view: ViewState = snapshotState({ notices: [notice] });
    expect(fromSnapshot(view).notices).toEqual([notice]);
  });

  it("puts older items in front, without duplicates", () => {
    const state = prependItems(withItems(user("u2", "b")), [user("u1", "a"), user("u2", "b")], false);
    expect(state.items.map((item) => item.id)).toEqual(["u1", "u2"]);
    expect(state.has_more).toBe(false);
  });
});
