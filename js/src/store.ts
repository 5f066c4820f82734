// One store per model: the shared state every view of the widget draws, and the routing
// of kernel messages into it (batches through the reducer, snapshots, request replies).

import { batch as batchSignals, computed, type ReadonlySignal, signal } from "@preact/signals";
import type { StructuredInputItem, ThreadItem } from "./chatkit";
import { type Options, OPTION_NAMES, readOptions } from "./options";
import {
  type ActionConfig,
  type AnyModel,
  type BatchMessage,
  type ComposerMessage,
  isKernelMessage,
  type KeyframeMessage,
  type KernelMessage,
  PROTOCOL_VERSION,
  type ReplyMessage,
  type RequestMethods,
  type Send,
  TEXT_DELTA,
  type ViewMessage,
} from "./protocol";
import { type PerfHook, perfHook, perfOff, tracePerf } from "./perf";
import { type ChatState, finishedItems, fromSnapshot, fromTraits, prependItems, reduceAll } from "./state";

export interface Effect {
  name: string;
  data: Record<string, unknown>;
}

/** How long a request waits for its reply before it fails. */
const REQUEST_TIMEOUT_MS = 30_000;
/** A sync that got no snapshot in this time is asked again (on the next batch). */
const SYNC_RETRY_MS = 5_000;
/** After a send, the send button stays off until the response starts, at most this long. */
const SENDING_TIMEOUT_MS = 10_000;
/**
 * No word from the kernel this long after the first sync: the model has no live comm (a
 * saved notebook reopened, the kernel gone). A busy kernel answers later and clears it.
 */
const OFFLINE_AFTER_MS = 4_000;

/** View messages the kernel always answers (a batch, a snapshot or a reply). */
const ANSWERED = new Set<ViewMessage["type"]>([
  "sync",
  "send",
  "retry",
  "new_thread",
  "open_thread",
  "request",
  "action",
  "answer",
]);

export type Store = ReturnType<typeof createStore>;

export function createStore(model: AnyModel) {
  const state = signal<ChatState>(fromTraits(model.get("_thread"), model.get("_transcript")));
  const options = signal<Options>(readOptions((name) => model.get(name)));
  const kernelResponding = signal<boolean>(model.get("is_responding") === true);
  const protocolVersion = signal<unknown>(model.get("_protocol_version"));
  /** A send went out and its response has not started yet. */
  const sending = signal(false);
  /** The last finished reply, for the polite live region. */
  const announcement = signal("");
  /**
   * When the oldest view message the kernel must answer went out, unanswered since (null:
   * all answered). marimo's edit mode handles them only after the running cell.
   */
  const unanswered = signal<number | null>(null);
  /** Heard from the kernel (true), gave up waiting (false), or not known yet (null). */
  const connected = signal<boolean | null>(null);
  // Derived values for the chrome (header, composer): they change far less often than the
  // state (every streamed update), so components that read only these do not re-render.
  const thread = computed(() => state.value.thread);
  const responding = computed(() => state.value.responding || kernelResponding.value);
  const busy = computed(() => responding.value || sending.value);
  const canCancel = computed(() => responding.value && state.value.stream_options?.allow_cancel === true);
  /**
   * When Stop was pressed, while the response it stops still runs (null: not stopping). A
   * kernel that takes up view messages only after the running cell (marimo's edit mode)
   * cannot stop a reply that cell awaits: the view says so (Busy.tsx).
   */
  const stopping = signal<number | null>(null);
  const offStopping = responding.subscribe((value) => {
    if (!value) stopping.value = null;
  });

  // The thread as the list draws it. Streaming items stand in as stubs, so a batch that
  // only grows their text leaves this object, and the list, alone: each streaming item's
  // own component follows it through `item(id)`.
  const stubs = new Map<string, ThreadItem>();
  let lastOutline: ChatState | null = null;
  const outline = computed<ChatState>(() => {
    const current = state.value;
    const open = current.open;
    const items = open.length === 0 ? current.items : current.items.map((item) => (open.includes(item.id) ? stub(item) : item));
    if (stubs.size > open.length) for (const id of stubs.keys()) if (!open.includes(id)) stubs.delete(id);
    const next = { ...current, items };
    if (lastOutline !== null && sameOutline(lastOutline, next)) return lastOutline;
    lastOutline = next;
    return next;
  });
  function stub(item: ThreadItem): ThreadItem {
    let known = stubs.get(item.id);
    if (!known || known.type !== item.type) {
      const { id, type, thread_id, created_at } = item;
      known = { id, type, thread_id, created_at, ...(type === "assistant_message" ? { content: [] } : {}) } as ThreadItem;
      stubs.set(item.id, known);
    }
    return known;
  }
  /** The structured input waiting for the user's answers (it takes the composer's place). The
   * same object while it is, so the app does not re-render per streamed batch. */
  const structuredInput = computed(() => pendingStructuredInput(state.value.items));
  const itemSignals = new Map<string, ReadonlySignal<ThreadItem | undefined>>();

  let lastSeq: number | null = null;
  /** A sync is out: batches are ignored until its snapshot arrives. */
  let awaitingSnapshot = false;
  let syncSentAt = 0;
  let sendingTimer: ReturnType<typeof setTimeout> | undefined;
  let offlineTimer: ReturnType<typeof setTimeout> | undefined;
  /** What this view last wrote to the `_transcript` / `_thread` traits. */
  let savedItems: unknown = model.get("_transcript");
  let savedThread: unknown = model.get("_thread");
  const effectListeners = new Set<(effect: Effect) => void>();
  const composerListeners = new Set<(message: ComposerMessage) => void>();
  interface Pending {
    resolve: (v: unknown) => void;
    reject: (e: Error) => void;
    timer: unknown;
    /** Resolve with `{ result, buffers }` (a binary reply). */
    binary?: boolean;
  }
  const pending = new Map<string, Pending>();

  function post(message: ViewMessage, buffers?: ArrayBuffer[]): boolean {
    if (ANSWERED.has(message.type) && unanswered.value === null) unanswered.value = Date.now();
    try {
      // Bytes go as binary buffers of the comm message, never as base64 in the JSON.
      if (buffers && buffers.length) model.send(message, undefined, buffers);
      else model.send(message);
      return true;
    } catch (error) {
      // No kernel (a saved notebook): the view still shows the committed transcript.
      console.warn("chatkit-widget: cannot reach the kernel", error);
      return false;
    }
  }

  /**
   * Post an action or answer and wait for the kernel's reply, sent when everything it
   * started has ended. No timeout: a streaming response may rightly run for minutes (Stop
   * ends it, and the kernel replies even when it fails). Resolves with whether it
   * succeeded and never rejects: the caller's loading state must always end.
   */
  function untilDone(message: (request_id: string) => ViewMessage): Promise<boolean> {
    const request_id = newId();
    return new Promise<boolean>((resolve) => {
      pending.set(request_id, { resolve: () => resolve(true), reject: () => resolve(false), timer: undefined });
      if (!post(message(request_id))) {
        pending.delete(request_id);
        resolve(false);
      }
    });
  }

  function sync(): void {
    awaitingSnapshot = true;
    syncSentAt = Date.now();
    post({ type: "sync" });
    if (connected.value !== true && offlineTimer === undefined) {
      offlineTimer = setTimeout(() => {
        if (connected.value !== true) connected.value = false;
      }, OFFLINE_AFTER_MS);
    }
  }

  /**
   * The kernel does not resend `_transcript` after each response (that would be the whole
   * thread every time): each view keeps its own model's copy current instead, without a
   * round trip, so a notebook saved with widget state shows the conversation.
   */
  function save(next: ChatState): void {
    try {
      const items = finishedItems(next);
      if (!sameItems(items, savedItems)) {
        savedItems = items;
        model.set("_transcript", items);
      }
      if (next.thread !== savedThread) {
        savedThread = next.thread;
        model.set("_thread", next.thread);
      }
    } catch (error) {
      console.warn("chatkit-widget: cannot keep the transcript trait current", error);
    }
  }

  function setState(next: ChatState, finishedChanged = true): void {
    state.value = next;
    if (finishedChanged) save(next);
  }

  function setSending(value: boolean): void {
    clearTimeout(sendingTimer);
    sending.value = value;
    if (value) sendingTimer = setTimeout(() => (sending.value = false), SENDING_TIMEOUT_MS);
  }

  function onBatch(message: BatchMessage): void {
    if (awaitingSnapshot) {
      // The snapshot will include this batch. If the sync got lost, ask again.
      if (Date.now() - syncSentAt > SYNC_RETRY_MS) sync();
      return;
    }
    if (lastSeq !== null && message.seq <= lastSeq) return; // already applied
    if (lastSeq !== null && message.seq !== lastSeq + 1) {
      sync(); // a gap: some batch never arrived
      return;
    }
    lastSeq = message.seq;
    const events = Array.isArray(message.events) ? message.events : [];
    const before = state.value;
    const after = reduceAll(before, events);
    // Text streamed into open items (the batches at model speed) finishes nothing: skip the
    // passes over the whole thread that look for finished items.
    const onlyStreamedText = !perfOff("text-fast-path") && events.every((event) => isStreamedText(event, after.open));
    batchSignals(() => {
      setState(after, !onlyStreamedText);
      if (onlyStreamedText) return;
      if (events.some((event) => event?.type === "widget.response_start" || event?.type === "error")) {
        setSending(false);
      }
      const finished = finishedReplies(before, after);
      if (finished) announcement.value = finished;
    });
    for (const event of events) {
      if (event?.type === "client_effect") {
        const effect = { name: String(event.name), data: event.data ?? {} };
        for (const listener of effectListeners) listener(effect);
      }
    }
  }

  /**
   * A view whose sync is unanswered (it appeared, or saw a gap) catches up from a keyframe
   * instead, when it can: a full one always, one of the running response's items only if
   * this view holds the thread up to the item they follow. Views in sync ignore them.
   */
  function onKeyframe(message: KeyframeMessage): void {
    if (!awaitingSnapshot && lastSeq !== null) return;
    if (lastSeq !== null && message.seq <= lastSeq) return;
    const view = message.state;
    let items = Array.isArray(view?.items) ? view.items : [];
    if (typeof message.after === "string") {
      const known = state.value.items;
      const at = known.findIndex((item) => item.id === message.after);
      if (at < 0) return; // this view lacks the start: wait for the full state
      items = [...known.slice(0, at + 1), ...items];
    }
    awaitingSnapshot = false;
    lastSeq = message.seq;
    batchSignals(() => {
      setState(fromSnapshot({ ...view, items }));
    });
  }

  function onReply(message: ReplyMessage, buffers: unknown[]): void {
    const entry = pending.get(message.request_id);
    if (!entry) return; // another model's view, or timed out
    pending.delete(message.request_id);
    clearTimeout(entry.timer as ReturnType<typeof setTimeout>);
    if (message.ok) entry.resolve(entry.binary ? { result: message.result, buffers } : message.result);
    else entry.reject(new Error(message.error || "request failed"));
  }

  function onMessage(message: unknown, buffers?: unknown): void {
    if (!isKernelMessage(message)) return;
    const msg: KernelMessage = message;
    if (connected.value !== true) {
      clearTimeout(offlineTimer);
      connected.value = true;
    }
    const perf = perfHook();
    const start = perf ? performance.now() : 0;
    route(msg, Array.isArray(buffers) ? buffers : []);
    // A sync is answered by its snapshot only: batches may stream past a view that missed
    // their start (marimo delivers them mid-cell but handles the sync after the cell).
    if (unanswered.value !== null && !awaitingSnapshot) unanswered.value = null;
    if (perf) tracePerf(perf as PerfHook, msg, start);
  }

  function route(msg: KernelMessage, buffers: unknown[]): void {
    switch (msg.type) {
      case "batch":
        onBatch(msg);
        break;
      case "snapshot":
        awaitingSnapshot = false;
        lastSeq = msg.seq;
        batchSignals(() => {
          setState(fromSnapshot(msg.state));
          if (!msg.state.responding) setSending(false);
        });
        break;
      case "keyframe":
        onKeyframe(msg);
        break;
      case "reply":
        onReply(msg, buffers);
        break;
      case "composer":
        for (const listener of composerListeners) listener(msg);
        break;
    }
  }

  const onOptionChange = () => (options.value = readOptions((name) => model.get(name)));
  const onRespondingChange = () => (kernelResponding.value = model.get("is_responding") === true);
  const onVersionChange = () => (protocolVersion.value = model.get("_protocol_version"));
  // The committed traits only matter until the first snapshot: after that the stream is
  // ahead of them. Without a kernel (a saved notebook) they are all there is.
  const onTraitsChange = () => {
    if (lastSeq !== null) return;
    savedItems = model.get("_transcript");
    savedThread = model.get("_thread");
    state.value = fromTraits(savedThread, savedItems);
  };

  model.on("msg:custom", onMessage);
  for (const name of OPTION_NAMES) model.on(`change:${name}`, onOptionChange);
  model.on("change:is_responding", onRespondingChange);
  model.on("change:_protocol_version", onVersionChange);
  model.on("change:_thread", onTraitsChange);
  model.on("change:_transcript", onTraitsChange);
  sync();

  function call(method: string, params: Record<string, unknown>, buffers: ArrayBuffer[] | undefined, binary: boolean): Promise<unknown> {
    const request_id = newId();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(request_id);
        reject(new Error(`${method}: no reply from the kernel`));
      }, REQUEST_TIMEOUT_MS);
      pending.set(request_id, { resolve, reject, timer, binary });
      post({ type: "request", request_id, method, params }, buffers);
    });
  }

  function request<M extends keyof RequestMethods>(
    method: M,
    params: RequestMethods[M]["params"],
    buffers?: ArrayBuffer[],
  ): Promise<RequestMethods[M]["result"]> {
    return call(method, params as Record<string, unknown>, buffers, false) as Promise<RequestMethods[M]["result"]>;
  }

  /** A request whose reply carries binary buffers (an attachment's bytes). */
  function requestBinary<M extends keyof RequestMethods>(
    method: M,
    params: RequestMethods[M]["params"],
  ): Promise<{ result: RequestMethods[M]["result"]; buffers: unknown[] }> {
    return call(method, params as Record<string, unknown>, undefined, true) as Promise<{
      result: RequestMethods[M]["result"];
      buffers: unknown[];
    }>;
  }

  return {
    /** The widget model (the composer reads its own option traits from it). */
    model,
    state,
    options,
    unanswered,
    stopping,
    kernelResponding,
    protocolVersion,
    sending,
    announcement,
    connected,
    thread,
    responding,
    canCancel,
    outline,
    structuredInput,
    /** One item of the thread, followed as it streams. */
    item(id: string): ReadonlySignal<ThreadItem | undefined> {
      let found = itemSignals.get(id);
      if (!found) {
        found = computed(() => state.value.items.find((item) => item.id === id));
        itemSignals.set(id, found);
        if (itemSignals.size > 64) itemSignals.delete(itemSignals.keys().next().value as string);
      }
      return found;
    },
    /** No kernel answers this view (a saved notebook): it shows the saved transcript. */
    offline(): boolean {
      return connected.value === false;
    },
    /** True when the kernel speaks another protocol version than this view. */
    versionMismatch(): boolean {
      const version = protocolVersion.value;
      return version !== undefined && version !== null && version !== PROTOCOL_VERSION;
    },
    /** A response runs (either side says so) or a send is on its way. */
    busy(): boolean {
      return busy.value;
    },
    sendText(text: string): boolean {
      const trimmed = text.trim();
      if (!trimmed) return false;
      setSending(true);
      post({ type: "send", text: trimmed });
      return true;
    },
    /** A composed message: text or tags, attachments, quote, tool and model. */
    sendMessage(message: Omit<Send, "type">): boolean {
      const hasText = message.text.trim().length > 0 || (message.content?.length ?? 0) > 0;
      if (!hasText && !(message.attachments?.length ?? 0)) return false;
      setSending(true);
      post({ type: "send", ...message });
      return true;
    },
    entityClick: (entity: Record<string, unknown>) => post({ type: "entity_click", entity }),
    cancel: () => {
      if (responding.value && stopping.value === null) stopping.value = Date.now();
      post({ type: "cancel" });
    },
    retry: (item_id: string | null) => {
      setSending(true);
      post({ type: "retry", item_id });
    },
    newThread: () => post({ type: "new_thread" }),
    openThread: (thread_id: string) => post({ type: "open_thread", thread_id }),
    feedback: (item_ids: string[], kind: "positive" | "negative") => post({ type: "feedback", item_ids, kind }),
    request,
    requestBinary,
    async loadOlder(): Promise<void> {
      const result = await request("load_older", {});
      // The kernel sends the older items as a snapshot before it replies; a reply that
      // carries them itself is applied here.
      const items: ThreadItem[] = Array.isArray(result?.items) ? result.items : [];
      if (items.length) setState(prependItems(state.value, items, Boolean(result?.has_more)));
    },
    /** `set_composer_value` / `focus_composer` from Python. */
    onComposer(listener: (message: ComposerMessage) => void): () => void {
      composerListeners.add(listener);
      return () => composerListeners.delete(listener);
    },
    /**
     * A widget's action fired on the item `itemId`. The promise settles when the action's
     * response has ended (a server action), its Python handler returned (`handler:
     * "client"`), or its updated item arrived (`streaming: false`); failures too.
     */
    widgetAction: (action: ActionConfig, itemId: string | null): Promise<boolean> =>
      untilDone((request_id) => ({ type: "action", action, item_id: itemId, request_id })),
    /** Submit answers to (or skip) a pending structured input; settles when the response ends. */
    answer: (itemId: string, answers: Record<string, string[]>, skipped = false): Promise<boolean> =>
      untilDone((request_id) => ({ type: "answer", item_id: itemId, answers: skipped ? {} : answers, skipped, request_id })),
    onEffect(listener: (effect: Effect) => void): () => void {
      effectListeners.add(listener);
      return () => effectListeners.delete(listener);
    },
    dispose(): void {
      offStopping();
      model.off("msg:custom", onMessage);
      for (const name of OPTION_NAMES) model.off(`change:${name}`, onOptionChange);
      model.off("change:is_responding", onRespondingChange);
      model.off("change:_protocol_version", onVersionChange);
      model.off("change:_thread", onTraitsChange);
      model.off("change:_transcript", onTraitsChange);
      clearTimeout(sendingTimer);
      clearTimeout(offlineTimer);
      for (const entry of pending.values()) {
        clearTimeout(entry.timer as ReturnType<typeof setTimeout>);
        entry.reject(new Error("widget closed"));
      }
      pending.clear();
      effectListeners.clear();
      composerListeners.clear();
    },
  };
}

/** The newest pending structured input of the thread, if any. */
export function pendingStructuredInput(items: readonly ThreadItem[]): StructuredInputItem | null {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item?.type === "structured_input" && (item.status ?? "pending") === "pending" && Array.isArray(item.inputs)) {
      return item;
    }
  }
  return null;
}

/** A text delta for an item that stays open. */
function isStreamedText(event: unknown, open: readonly string[]): boolean {
  if (typeof event !== "object" || event === null) return false;
  const e = event as { type?: unknown; item_id?: unknown; update?: { type?: unknown } };
  return e.type === "thread.item.updated" && e.update?.type === TEXT_DELTA && open.includes(e.item_id as string);
}

/** Nothing the list draws differs (streaming items' text aside: they are stubs). */
function sameOutline(a: ChatState, b: ChatState): boolean {
  for (const key of Object.keys(b) as (keyof ChatState)[]) {
    if (key !== "items" && a[key] !== b[key]) return false;
  }
  return sameItems(b.items, a.items);
}

/** Same items in the same order (the reducer keeps unchanged items' identity). */
function sameItems(items: readonly unknown[], saved: unknown): boolean {
  if (items === saved) return true;
  if (!Array.isArray(saved) || saved.length !== items.length) return false;
  for (let i = 0; i < items.length; i++) if (items[i] !== saved[i]) return false;
  return true;
}

/** Text of assistant messages that finished in this step, for screen readers. */
function finishedReplies(before: ChatState, after: ChatState): string {
  if (before.items === after.items && before.open === after.open) return "";
  // Finished now: was streaming before, or arrived already finished within one batch.
  const known = new Set(before.items.map((item) => item.id));
  const texts: string[] = [];
  for (const item of after.items) {
    if (item.type !== "assistant_message" || after.open.includes(item.id)) continue;
    if (before.open.includes(item.id) || !known.has(item.id)) {
      texts.push(item.content.map((part) => part.text).join("\n"));
    }
  }
  return texts.join("\n").trim();
}

function newId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") {
    try {
      return c.randomUUID();
    } catch {
      // not a secure context
    }
  }
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
