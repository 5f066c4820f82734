import { describe, expect, it, vi } from "vitest";
import type { AssistantMessageItem } from "../src/chatkit";
import { type BatchEvent, PROTOCOL_VERSION, type ViewState } from "../src/protocol";
import { createStore } from "../src/store";
import { assistant, FakeModel, snapshotState, thread, user } from "./fixtures";

const snapshot = (seq: number, state: Partial<ViewState> = {}) => ({
  type: "snapshot",
  seq,
  state: snapshotState({ thread: thread(), ...state }),
});
const batch = (seq: number, ...events: BatchEvent[]) => ({ type: "batch", seq, events });
const added = (id: string): BatchEvent => ({ type: "thread.item.added", item: user(id, id) });

function connected() {
  const model = new FakeModel({ _protocol_version: PROTOCOL_VERSION });
  const store = createStore(model);
  model.receive(snapshot(3));
  model.sent = [];
  return { model, store };
}

describe("store: sequence numbers", () => {
  it("starts from the committed traits and asks for a snapshot", () => {
    const model = new FakeModel({ _thread: thread("thr_1", "Saved"), _transcript: [user("u1", "hi")] });
    const store = createStore(model);
    expect(store.state.value.items.map((item) => item.id)).toEqual(["u1"]);
    expect(store.state.value.thread?.title).toBe("Saved");
    expect(model.sent).toEqual([{ type: "sync" }]);
  });

  it("ignores batches until the snapshot arrives, then applies the next seq", () => {
    const model = new FakeModel();
    const store = createStore(model);
    model.receive(batch(1, added("early")));
    expect(store.state.value.items).toEqual([]);
    model.receive(snapshot(1, { items: [user("early", "early")] }));
    model.receive(batch(2, added("u2")));
    expect(store.state.value.items.map((item) => item.id)).toEqual(["early", "u2"]);
  });

  it("applies consecutive batches in order", () => {
    const { model, store } = connected();
    model.receive(batch(4, added("a")));
    model.receive(batch(5, added("b")));
    expect(store.state.value.items.map((item) => item.id)).toEqual(["a", "b"]);
    expect(model.sent).toEqual([]);
  });

  it("asks for a snapshot on a gap and ignores batches until it arrives", () => {
    const { model, store } = connected();
    model.receive(batch(4, added("a")));
    model.receive(batch(6, added("c"))); // 5 was lost
    expect(model.sent).toEqual([{ type: "sync" }]);
    model.receive(batch(7, added("d")));
    expect(store.state.value.items.map((item) => item.id)).toEqual(["a"]);
    model.receive(snapshot(7, { items: [user("a", "a"), user("b", "b"), user("c", "c"), user("d", "d")] }));
    model.receive(batch(8, added("e")));
    expect(store.state.value.items.map((item) => item.id)).toEqual(["a", "b", "c", "d", "e"]);
    expect(model.sent).toEqual([{ type: "sync" }]);
  });

  it("drops a batch it has already applied", () => {
    const { model, store } = connected();
    model.receive(batch(4, added("a")));
    model.receive(batch(4, added("a2")));
    expect(store.state.value.items.map((item) => item.id)).toEqual(["a"]);
    expect(model.sent).toEqual([]);
  });

  it("lets an unasked snapshot (thread switch) replace the state", () => {
    const { model, store } = connected();
    model.receive(batch(4, added("a")));
    model.receive(snapshot(9, { thread: thread("thr_2", "Other"), items: [user("z", "z")] }));
    expect(store.state.value.thread?.title).toBe("Other");
    expect(store.state.value.items.map((item) => item.id)).toEqual(["z"]);
    model.receive(batch(10, added("y")));
    expect(store.state.value.items.map((item) => item.id)).toEqual(["z", "y"]);
  });

  it("follows the transcript trait until the first snapshot, not after", () => {
    const model = new FakeModel({ _transcript: [] });
    const store = createStore(model);
    model.set("_transcript", [user("u1", "a")]);
    expect(store.state.value.items).toHaveLength(1);
    model.receive(snapshot(1, { items: [user("u1", "a"), assistant("a1", "streaming")] }));
    model.set("_transcript", [user("u1", "a")]);
    expect(store.state.value.items).toHaveLength(2);
  });
});

describe("store: the transcript trait a saved notebook shows", () => {
  const delta = (id: string, text: string): BatchEvent => ({
    type: "thread.item.updated",
    item_id: id,
    update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: text },
  });
  const ids = (value: unknown) => (value as { id: string }[]).map((item) => item.id);

  it("keeps _transcript to the finished items, on the model only (no message, no save)", () => {
    const { model } = connected();
    const save = vi.spyOn(model, "save_changes");
    model.receive(batch(4, { type: "widget.response_start" }, { type: "thread.item.done", item: user("u1", "hi") }));
    model.receive(batch(5, { type: "thread.item.added", item: assistant("a1") }, delta("a1", "Hel")));
    expect(ids(model.get("_transcript"))).toEqual(["u1"]);
    model.receive(batch(6, delta("a1", "lo"), { type: "widget.item_done", item_id: "a1" }, { type: "widget.response_end" }));
    const transcript = model.get("_transcript") as AssistantMessageItem[];
    expect(ids(transcript)).toEqual(["u1", "a1"]);
    expect(transcript[1]?.content[0]?.text).toBe("Hello");
    expect(model.sent).toEqual([]);
    expect(save).not.toHaveBeenCalled();
  });

  it("does not touch the trait while only an open item streams", () => {
    const { model } = connected();
    model.receive(batch(4, { type: "thread.item.added", item: assistant("a1") }));
    const set = vi.spyOn(model, "set");
    model.receive(batch(5, delta("a1", "more")));
    model.receive(batch(6, delta("a1", " text")));
    expect(set).not.toHaveBeenCalled();
  });

  it("follows snapshots, removals and thread switches", () => {
    const { model } = connected();
    model.receive(snapshot(4, { thread: thread("thr_2", "Other"), items: [user("u1", "a"), assistant("a1", "b")] }));
    expect(ids(model.get("_transcript"))).toEqual(["u1", "a1"]);
    expect((model.get("_thread") as { id: string }).id).toBe("thr_2");
    model.receive(batch(5, { type: "widget.items_removed", item_ids: ["a1"] }));
    expect(ids(model.get("_transcript"))).toEqual(["u1"]);
    model.receive(snapshot(6, { thread: null, items: [] }));
    expect(model.get("_transcript")).toEqual([]);
    expect(model.get("_thread")).toBeNull();
  });
});

describe("store: what the list draws", () => {
  const delta = (text: string): BatchEvent => ({
    type: "thread.item.updated",
    item_id: "a1",
    update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: text },
  });

  it("keeps the outline while only a streaming item's text grows; the item's own signal follows it", () => {
    const { model, store } = connected();
    model.receive(batch(4, { type: "thread.item.done", item: user("u1", "hi") }, { type: "thread.item.added", item: assistant("a1") }));
    const outline = store.outline.value;
    const item = store.item("a1");
    model.receive(batch(5, delta("Hel")));
    model.receive(batch(6, delta("lo")));
    expect(store.outline.value).toBe(outline);
    expect((item.value as AssistantMessageItem).content[0]?.text).toBe("Hello");
    model.receive(batch(7, { type: "widget.item_done", item_id: "a1" }));
    expect(store.outline.value).not.toBe(outline);
    expect((store.outline.value.items[1] as AssistantMessageItem).content[0]?.text).toBe("Hello");
  });
});

describe("store: without a kernel", () => {
  it("says offline when no kernel answers the sync, and online once one does", () => {
    vi.useFakeTimers();
    try {
      const model = new FakeModel({ _transcript: [user("u1", "saved")] });
      const store = createStore(model);
      expect(store.offline()).toBe(false);
      vi.advanceTimersByTime(5_000);
      expect(store.offline()).toBe(true);
      expect(store.state.value.items.map((item) => item.id)).toEqual(["u1"]);
      model.receive(snapshot(1, { items: [user("u1", "saved")] }));
      expect(store.offline()).toBe(false);
      store.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it("is never offline once the kernel answered", () => {
    vi.useFakeTimers();
    try {
      const { store } = connected();
      vi.advanceTimersByTime(60_000);
      expect(store.offline()).toBe(false);
      store.dispose();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("store: intents and replies", () => {
  it("sends exactly the protocol's view messages", () => {
    const { model, store } = connected();
    store.sendText("  hello  ");
    store.cancel();
    store.retry(null);
    store.newThread();
    store.openThread("thr_7");
    store.feedback(["a1"], "positive");
    expect(model.sent).toEqual([
      { type: "send", text: "hello" },
      { type: "cancel" },
      { type: "retry", item_id: null },
      { type: "new_thread" },
      { type: "open_thread", thread_id: "thr_7" },
      { type: "feedback", item_ids: ["a1"], kind: "positive" },
    ]);
  });

  it("does not send blank text", () => {
    const { model, store } = connected();
    expect(store.sendText("  \n ")).toBe(false);
    expect(model.sent).toEqual([]);
  });

  it("is busy from a send until the response ends", () => {
    const { model, store } = connected();
    store.sendText("hi");
    expect(store.busy()).toBe(true);
    model.receive(batch(4, { type: "widget.response_start" }));
    expect(store.busy()).toBe(true);
    model.receive(batch(5, { type: "widget.response_end" }));
    expect(store.busy()).toBe(false);
  });

  it("is busy while the is_responding trait says so", () => {
    const { model, store } = connected();
    model.set("is_responding", true);
    expect(store.busy()).toBe(true);
  });

  it("settles a request with its reply", async () => {
    const { model, store } = connected();
    const result = store.request("list_threads", { limit: 20, after: null });
    const sent = model.sent[0] as { type: string; request_id: string; method: string; params: unknown };
    expect(sent).toMatchObject({ type: "request", method: "list_threads", params: { limit: 20, after: null } });
    model.receive({ type: "reply", request_id: sent.request_id, ok: true, result: { data: [], has_more: false } });
    await expect(result).resolves.toEqual({ data: [], has_more: false });
  });

  it("rejects a request whose reply is an error", async () => {
    const { model, store } = connected();
    const result = store.request("delete_thread", { thread_id: "t" });
    const { request_id } = model.sent[0] as { request_id: string };
    model.receive({ type: "reply", request_id, ok: false, error: "not found" });
    await expect(result).rejects.toThrow("not found");
  });

  it("puts older items in front with load_older", async () => {
    const { model, store } = connected();
    model.receive(batch(4, added("u5")));
    const done = store.loadOlder();
    const { request_id } = model.sent[0] as { request_id: string };
    model.receive({ type: "reply", request_id, ok: true, result: { items: [user("u4", "x")], has_more: false } });
    await done;
    expect(store.state.value.items.map((item) => item.id)).toEqual(["u4", "u5"]);
  });

  it("keeps the older page the kernel sent as a snapshot when the reply only counts it", async () => {
    const { model, store } = connected();
    const done = store.loadOlder();
    const { request_id } = model.sent[0] as { request_id: string };
    model.receive(snapshot(3, { items: [user("u3", "x"), user("u4", "y")], has_more: true }));
    model.receive({ type: "reply", request_id, ok: true, result: { loaded: 1 } });
    await done;
    expect(store.state.value.items.map((item) => item.id)).toEqual(["u3", "u4"]);
    expect(store.state.value.has_more).toBe(true);
  });
});

describe("store: effects, options, announcements", () => {
  it("hands client effects to listeners, once each", () => {
    const { model, store } = connected();
    const listener = vi.fn();
    store.onEffect(listener);
    model.receive(batch(4, { type: "client_effect", name: "highlight", data: { index: 3 } }));
    model.receive(batch(4, { type: "client_effect", name: "highlight", data: { index: 3 } }));
    expect(listener.mock.calls).toEqual([[{ name: "highlight", data: { index: 3 } }]]);
  });

  it("follows option traits", () => {
    const { model, store } = connected();
    model.set("title", "Helper");
    model.set("prompts", [{ label: "Hi", prompt: "Say hi" }, "Plain"]);
    expect(store.options.value.title).toBe("Helper");
    expect(store.options.value.prompts).toEqual([
      { label: "Hi", prompt: "Say hi" },
      { label: "Plain", prompt: "Plain" },
    ]);
  });

  it("flags a kernel on another protocol version", () => {
    const model = new FakeModel({ _protocol_version: PROTOCOL_VERSION + 1 });
    expect(createStore(model).versionMismatch()).toBe(true);
    expect(createStore(new FakeModel({ _protocol_version: PROTOCOL_VERSION })).versionMismatch()).toBe(false);
  });

  it("announces an assistant message when it is done", () => {
    const { model, store } = connected();
    model.receive(batch(4, { type: "thread.item.added", item: assistant("a1") }));
    expect(store.announcement.value).toBe("");
    const done: AssistantMessageItem = assistant("a1", "All set.");
    model.receive(batch(5, { type: "thread.item.done", item: done }));
    expect(store.announcement.value).toBe("All set.");
  });

  it("announces a reply that starts and finishes within one batch", () => {
    const { model, store } = connected();
    model.receive(
      batch(
        4,
        { type: "thread.item.added", item: assistant("a2") },
        { type: "thread.item.done", item: assistant("a2", "Quick one.") },
      ),
    );
    expect(store.announcement.value).toBe("Quick one.");
  });

  it("removes its listeners on dispose", () => {
    const model = new FakeModel();
    const store = createStore(model);
    store.dispose();
    expect(model.listenerCount()).toBe(0);
  });
});

describe("store: without a kernel", () => {
  it("still shows the committed transcript when sending fails", () => {
    const model = new FakeModel({ _transcript: [user("u1", "saved")] });
    model.send = () => {
      throw new Error("no comm");
    };
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const store = createStore(model);
    expect(store.state.value.items.map((item) => item.id)).toEqual(["u1"]);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });
});

describe("store: widget actions and structured input", () => {
  /** Whether a promise has settled yet (after pending microtasks ran). */
  async function settled(promise: Promise<unknown>): Promise<boolean> {
    let done = false;
    void promise.then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 0));
    return done;
  }

  it("posts the action with its sender and settles only on the matching reply", async () => {
    vi.useFakeTimers();
    try {
      const { model, store } = connected();
      const action = { type: "cats.pick", payload: { name: "Tom" }, loadingBehavior: "self" as const };
      const done = store.widgetAction(action, "w1");
      const sent = model.sent[0] as { type: string; request_id: string; action: unknown; item_id: string };
      expect(sent).toEqual({ type: "action", action, item_id: "w1", request_id: expect.any(String) });
      // A streaming response may run for minutes: no timeout settles it.
      vi.advanceTimersByTime(10 * 60_000);
      model.receive({ type: "reply", request_id: "someone-else", ok: true });
      vi.useRealTimers();
      expect(await settled(done)).toBe(false);
      model.receive(batch(4, { type: "widget.response_start" }, { type: "widget.response_end" }));
      expect(await settled(done)).toBe(false);
      model.receive({ type: "reply", request_id: sent.request_id, ok: true });
      await expect(done).resolves.toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it("settles (without throwing) when the action failed, so the UI unlocks", async () => {
    const { model, store } = connected();
    const done = store.widgetAction({ type: "cats.unknown", handler: "client" }, null);
    const { request_id } = model.sent[0] as { request_id: string };
    model.receive({ type: "reply", request_id, ok: false, error: "Nothing handles the action" });
    await expect(done).resolves.toBe(false);
  });

  it("settles at once when the kernel cannot be reached", async () => {
    const { model, store } = connected();
    model.send = () => {
      throw new Error("no comm");
    };
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    await expect(store.widgetAction({ type: "cats.pick" }, "w1")).resolves.toBe(false);
    warn.mockRestore();
  });

  it("settles actions in flight when the widget closes", async () => {
    const { store } = connected();
    const done = store.widgetAction({ type: "cats.pick" }, "w1");
    store.dispose();
    await expect(done).resolves.toBe(false);
  });

  it("posts structured input answers and a skip, each settled by its reply", async () => {
    const { model, store } = connected();
    const answered = store.answer("si_1", { color: ["Black"], toys: ["Ball", "Mouse"] });
    const skipped = store.answer("si_2", { color: ["ignored"] }, true);
    const [a, s] = model.sent as [{ request_id: string }, { request_id: string }];
    expect(a).toEqual({
      type: "answer",
      item_id: "si_1",
      answers: { color: ["Black"], toys: ["Ball", "Mouse"] },
      skipped: false,
      request_id: expect.any(String),
    });
    expect(s).toEqual({ type: "answer", item_id: "si_2", answers: {}, skipped: true, request_id: expect.any(String) });
    model.receive({ type: "reply", request_id: s.request_id, ok: true });
    await expect(skipped).resolves.toBe(true);
    expect(await settled(answered)).toBe(false);
    model.receive({ type: "reply", request_id: a.request_id, ok: true });
    await expect(answered).resolves.toBe(true);
  });
});
