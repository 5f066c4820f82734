// Builders for ChatKit JSON as the server emits it (exclude_none: optional fields absent),
// an in-memory anywidget model, and views mounted on it as anywidget mounts them.

import type { AssistantMessageItem, Thread, ThreadItem, UserMessageItem, WorkflowItem } from "../src/chatkit";
import widget from "../src/index";
import { type AnyModel, type BatchEvent, PROTOCOL_VERSION, type ViewState } from "../src/protocol";
import { emptyState } from "../src/state";

export const thread = (id = "thr_1", title?: string): Thread => ({
  id,
  created_at: "2025-01-01T00:00:00Z",
  status: { type: "active" },
  ...(title ? { title } : {}),
});

export const user = (id: string, text: string): UserMessageItem => ({
  type: "user_message",
  id,
  thread_id: "thr_1",
  created_at: "2025-01-01T00:00:00Z",
  content: [{ type: "input_text", text }],
  attachments: [],
  inference_options: {},
});

export const assistant = (id: string, text = ""): AssistantMessageItem => ({
  type: "assistant_message",
  id,
  thread_id: "thr_1",
  created_at: "2025-01-01T00:00:01Z",
  content: text ? [{ type: "output_text", text, annotations: [] }] : [],
});

export const workflow = (id: string): WorkflowItem => ({
  type: "workflow",
  id,
  thread_id: "thr_1",
  created_at: "2025-01-01T00:00:01Z",
  workflow: { type: "reasoning", tasks: [], expanded: false },
});

type Handler = (...args: never[]) => void;

/** An in-memory anywidget model: traits in a map, sent messages recorded. */
export class FakeModel implements AnyModel {
  sent: unknown[] = [];
  private handlers = new Map<string, Set<Handler>>();

  constructor(private traits: Record<string, unknown> = {}) {}

  get(name: string): unknown {
    return this.traits[name];
  }
  set(name: string, value: unknown): void {
    this.traits[name] = value;
    this.emit(`change:${name}`);
  }
  save_changes(): void {}
  send(content: unknown): void {
    this.sent.push(content);
  }
  on(name: string, callback: Handler): void {
    if (!this.handlers.has(name)) this.handlers.set(name, new Set());
    this.handlers.get(name)?.add(callback);
  }
  off(name?: string | null, callback?: Handler | null): void {
    if (!name) return this.handlers.clear();
    if (!callback) this.handlers.delete(name);
    else this.handlers.get(name)?.delete(callback);
  }
  emit(name: string, ...args: unknown[]): void {
    for (const handler of this.handlers.get(name) ?? []) (handler as (...a: unknown[]) => void)(...args);
  }
  /** A custom message from the kernel. */
  receive(message: unknown): void {
    this.emit("msg:custom", message, []);
  }
  listenerCount(): number {
    let count = 0;
    for (const set of this.handlers.values()) count += set.size;
    return count;
  }
}

export const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The chat's traits as the kernel sends them with default options. */
export const VIEW_TRAITS = {
  _protocol_version: PROTOCOL_VERSION,
  _thread: null,
  _transcript: [],
  is_responding: false,
  title: null,
  greeting: "Hello there",
  prompts: [],
  placeholder: "Ask anything",
  disclaimer: null,
  theme: "light",
  height: "500px",
  history: false,
  history_delete: false,
  history_rename: false,
  retry: true,
  feedback: false,
};

type SnapshotOverrides = Partial<Omit<ViewState, "items">> & { items?: readonly unknown[] };

/** A kernel snapshot's state: an empty chat unless told otherwise. */
export function snapshotState(state: SnapshotOverrides = {}): ViewState {
  const { open: _open, notices: _notices, ...empty } = emptyState;
  return { ...empty, ...state } as ViewState;
}

const mounted: (() => void)[] = [];

/** Unmount every view `render` made and empty the page (call it in `afterEach`). */
export function unmountAll(): void {
  while (mounted.length) mounted.pop()?.();
  document.body.replaceChildren();
}

/** Run `cleanup` with the next `unmountAll` (views a test mounts itself). */
export function onUnmount(cleanup: () => void): void {
  mounted.push(cleanup);
}

/** A model with `traits` over VIEW_TRAITS (its own copies, as a kernel's), initialized, and
 * one view rendered into an element on the page. Nothing is received from the kernel yet. */
export function render(traits: Record<string, unknown> = {}): { model: FakeModel; el: HTMLElement } {
  const model = new FakeModel(structuredClone({ ...VIEW_TRAITS, ...traits }));
  const cleanupModel = widget.initialize({ model });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanupView = widget.render({ model, el });
  onUnmount(() => {
    cleanupView();
    cleanupModel();
  });
  return { model, el };
}

/** `render`, then the kernel's snapshot (by default the traits' thread and transcript);
 * `events(...)` delivers a batch as the kernel does. `model.sent` starts empty. */
export async function mount(traits: Record<string, unknown> = {}, state: SnapshotOverrides = {}) {
  const { model, el } = render(traits);
  let seq = 0;
  const thread = (traits._thread as Thread | null | undefined) ?? null;
  const items = (traits._transcript as ThreadItem[] | undefined) ?? [];
  model.receive({ type: "snapshot", seq, state: snapshotState({ thread, items, ...state }) });
  await tick();
  model.sent = [];
  const events = async (...list: BatchEvent[]) => {
    model.receive({ type: "batch", seq: ++seq, events: list });
    await tick();
  };
  return { model, el, events };
}
