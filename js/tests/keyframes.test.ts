// A kernel that answers `sync` only after the running cell (marimo's edit mode) pushes
// keyframes: a view out of sync follows the running response from them, views in sync
// ignore them (chatkit_widget/keyframes.py).

import { describe, expect, it } from "vitest";
import { type BatchEvent, PROTOCOL_VERSION, type ViewState } from "../src/protocol";
import { createStore } from "../src/store";
import { assistant, FakeModel, thread, user } from "./fixtures";

const state = (items: unknown[], responding = true): ViewState =>
  ({
    thread: thread(),
    items,
    has_more: false,
    responding,
    progress: null,
    stream_options: null,
    error: null,
    notices: [],
  }) as unknown as ViewState;
const batch = (seq: number, ...events: BatchEvent[]) => ({ type: "batch", seq, events });
const delta = (id: string, text: string): BatchEvent =>
  ({
    type: "thread.item.updated",
    item_id: id,
    update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: text },
  }) as BatchEvent;
const text = (store: ReturnType<typeof createStore>) =>
  store.state.value.items.map((item) => `${item.id}:${"content" in item ? (item.content as { text?: string }[]).map((c) => c.text ?? "").join("") : ""}`);

/** A view displayed before the response: it holds the committed thread from the traits. */
function displayed() {
  const model = new FakeModel({ _protocol_version: PROTOCOL_VERSION, _thread: thread(), _transcript: [user("u1", "hi"), assistant("a1", "Hello.")] });
  const store = createStore(model);
  expect(model.sent).toEqual([{ type: "sync" }]); // it stays unanswered during the cell
  return { model, store };
}

describe("keyframes", () => {
  it("a view whose sync is unanswered follows the response from the full keyframe on", () => {
    const { model, store } = displayed();
    model.receive(batch(7, delta("a2", "lost")));
    model.receive({ type: "keyframe", seq: 8, state: state([user("u1", "hi"), assistant("a1", "Hello."), user("u2", "more"), assistant("a2", "Str")]) });
    model.receive(batch(9, delta("a2", "eam")));
    expect(text(store)).toEqual(["u1:hi", "a1:Hello.", "u2:more", "a2:Stream"]);
    expect(store.state.value.responding).toBe(true);
    expect(store.unanswered.value).toBeNull(); // no busy notice: it is in step
  });

  it("completes the committed thread with a keyframe of the response's own items", () => {
    const { model, store } = displayed();
    model.receive({ type: "keyframe", seq: 12, after: "a1", state: state([user("u2", "more"), assistant("a2", "Part")]) });
    model.receive(batch(13, delta("a2", "ial")));
    expect(text(store)).toEqual(["u1:hi", "a1:Hello.", "u2:more", "a2:Partial"]);
  });

  it("waits when it lacks the item a partial keyframe follows", () => {
    const { model, store } = displayed();
    model.receive({ type: "keyframe", seq: 12, after: "zzz", state: state([assistant("a9", "x")]) });
    model.receive(batch(13, delta("a9", "y")));
    expect(text(store)).toEqual(["u1:hi", "a1:Hello."]);
    expect(store.unanswered.value).not.toBeNull();
  });

  it("a view that lost a batch mid-stream recovers from the next keyframe, without a reply", () => {
    const { model, store } = displayed();
    model.receive({ type: "keyframe", seq: 5, after: "a1", state: state([user("u2", "more"), assistant("a2", "A")]) });
    model.receive(batch(6, delta("a2", "B")));
    model.sent = [];
    model.receive(batch(8, delta("a2", "D"))); // batch 7 never arrived
    expect(model.sent).toEqual([{ type: "sync" }]);
    model.receive({ type: "keyframe", seq: 9, after: "a1", state: state([user("u2", "more"), assistant("a2", "ABCDE")]) });
    model.receive(batch(10, delta("a2", "F")));
    expect(text(store)).toEqual(["u1:hi", "a1:Hello.", "u2:more", "a2:ABCDEF"]);
    expect(store.unanswered.value).toBeNull();
  });

  it("is ignored by a view in sync, and the late snapshot still lands", () => {
    const { model, store } = displayed();
    model.receive({ type: "snapshot", seq: 3, state: state([user("u1", "hi")], false) });
    const before = store.state.value;
    model.receive({ type: "keyframe", seq: 3, state: state([assistant("other", "no")]) });
    expect(store.state.value).toBe(before);
    model.receive(batch(4, { type: "thread.item.added", item: user("u2", "next") }));
    expect(text(store)).toEqual(["u1:hi", "u2:next"]);
  });
});
