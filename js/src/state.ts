// The thread as a view sees it, and the pure reducer that applies stream events to it.
//
// Every change returns new objects along the changed path only (state → items → item →
// content part), so components keyed on object identity re-render just what changed.

import type {
  AssistantMessageContent,
  AssistantMessageItem,
  GeneratedImageItem,
  NoticeEvent,
  Thread,
  ThreadItem,
  ThreadItemUpdate,
  WidgetItem,
  WidgetNode,
  WorkflowItem,
} from "./chatkit";
import { type BatchEvent, ITEM_DONE, ITEMS_REMOVED, RESPONSE_END, RESPONSE_START, type ViewState } from "./protocol";

export interface ChatState extends ViewState {
  /** Items added but not done yet (streaming). */
  open: readonly string[];
  /** Notices of the current / last response (a snapshot carries the kernel's copy). */
  notices: readonly NoticeEvent[];
}

export const emptyState: ChatState = {
  thread: null,
  items: [],
  has_more: false,
  responding: false,
  progress: null,
  stream_options: null,
  error: null,
  open: [],
  notices: [],
};

/** The state a view starts from: the committed `_thread` / `_transcript` traits. */
export function fromTraits(thread: unknown, transcript: unknown): ChatState {
  return {
    ...emptyState,
    thread: isObject(thread) ? stripItems(thread as unknown as Thread) : null,
    items: Array.isArray(transcript) ? (transcript.filter(isObject) as unknown as ThreadItem[]) : [],
  };
}

/** The finished items: what the `_transcript` trait holds (and a saved notebook shows). */
export function finishedItems(state: ChatState): ThreadItem[] {
  if (state.open.length === 0) return state.items as ThreadItem[];
  return state.items.filter((item) => !state.open.includes(item.id));
}

/** A snapshot replaces the state entirely. */
export function fromSnapshot(view: ViewState): ChatState {
  const items = Array.isArray(view.items) ? view.items : [];
  const last = items[items.length - 1];
  return {
    thread: view.thread ? stripItems(view.thread) : null,
    items,
    has_more: Boolean(view.has_more),
    responding: Boolean(view.responding),
    progress: view.progress ?? null,
    stream_options: view.stream_options ?? null,
    error: view.error ?? null,
    // A snapshot does not say which items are unfinished: while a response runs, the
    // newest one may still stream.
    open: view.responding && last && last.type !== "user_message" ? [last.id] : [],
    notices: Array.isArray(view.notices) ? view.notices.filter((notice): notice is NoticeEvent => isObject(notice)) : [],
  };
}

/** Older items fetched with `load_older`, put in front of the loaded ones. */
export function prependItems(state: ChatState, older: ThreadItem[], hasMore: boolean): ChatState {
  const known = new Set(state.items.map((item) => item.id));
  const fresh = older.filter((item) => !known.has(item.id));
  return { ...state, items: [...fresh, ...state.items], has_more: hasMore };
}

export function reduce(state: ChatState, event: BatchEvent): ChatState {
  switch (event.type) {
    case RESPONSE_START:
      return { ...state, responding: true, progress: null, stream_options: null, error: null, notices: [] };
    case RESPONSE_END:
      return { ...state, responding: false, progress: null, stream_options: null, open: [] };
    case ITEMS_REMOVED:
      return removeItems(state, new Set(event.item_ids));
    case ITEM_DONE:
      // The item is final as streamed: it only stops being open.
      return state.open.includes(event.item_id)
        ? { ...state, open: state.open.filter((id) => id !== event.item_id) }
        : state;
    case "thread.created":
    case "thread.updated": {
      const thread = stripItems(event.thread);
      // A different thread starts from no items; the same thread keeps its items.
      const switched = state.thread !== null && state.thread.id !== thread.id;
      return switched ? { ...state, thread, items: [], has_more: false, open: [] } : { ...state, thread };
    }
    case "thread.item.added":
      return {
        ...upsert(state, event.item),
        open: state.open.includes(event.item.id) ? state.open : [...state.open, event.item.id],
      };
    case "thread.item.done":
      return { ...upsert(state, event.item), open: state.open.filter((id) => id !== event.item.id) };
    case "thread.item.replaced":
      return upsert(state, event.item);
    case "thread.item.removed":
      return removeItems(state, new Set([event.item_id]));
    case "thread.item.updated":
      return mapItem(state, event.item_id, (item) => applyUpdate(item, event.update));
    case "stream_options":
      return { ...state, stream_options: event.stream_options };
    case "progress_update":
      return { ...state, progress: event };
    case "error":
      return { ...state, error: event, progress: null };
    case "notice":
      return { ...state, notices: [...state.notices, event] };
    case "client_effect":
      return state; // handled by the store: effects are not state
    default:
      return state; // an event type this view does not know: ignore, stay usable
  }
}

export function reduceAll(state: ChatState, events: readonly BatchEvent[]): ChatState {
  let next = state;
  for (const event of events) {
    if (isObject(event)) next = reduce(next, event);
  }
  return next;
}

// --- items ------------------------------------------------------------------------------------

function upsert(state: ChatState, item: ThreadItem): ChatState {
  const index = state.items.findIndex((existing) => existing.id === item.id);
  if (index === -1) return { ...state, items: [...state.items, item] };
  const items = state.items.slice();
  items[index] = item;
  return { ...state, items };
}

function removeItems(state: ChatState, ids: Set<string>): ChatState {
  if (!state.items.some((item) => ids.has(item.id))) return state;
  return {
    ...state,
    items: state.items.filter((item) => !ids.has(item.id)),
    open: state.open.filter((id) => !ids.has(id)),
  };
}

function mapItem(state: ChatState, id: string, fn: (item: ThreadItem) => ThreadItem): ChatState {
  // From the end: updates are for the streaming items there (a long thread costs nothing).
  let index = state.items.length - 1;
  while (index >= 0 && state.items[index]?.id !== id) index--;
  if (index === -1) return state; // an update for an item we never saw: the next snapshot fixes it
  const current = state.items[index] as ThreadItem;
  const updated = fn(current);
  if (updated === current) return state;
  const items = state.items.slice();
  items[index] = updated;
  return { ...state, items };
}

export function applyUpdate(item: ThreadItem, update: ThreadItemUpdate): ThreadItem {
  switch (update.type) {
    case "assistant_message.content_part.added":
    case "assistant_message.content_part.done":
      if (item.type !== "assistant_message") return item;
      return withPart(item, update.content_index, () => update.content);
    case "assistant_message.content_part.text_delta":
      if (item.type !== "assistant_message") return item;
      return withPart(item, update.content_index, (part) => ({
        ...(part ?? { type: "output_text", annotations: [] }),
        text: (part?.text ?? "") + update.delta,
      }));
    case "assistant_message.content_part.annotation_added":
      if (item.type !== "assistant_message") return item;
      return withPart(item, update.content_index, (part) => {
        const annotations = (part?.annotations ?? []).slice();
        annotations[update.annotation_index] = update.annotation;
        return { ...(part ?? { type: "output_text", text: "" }), annotations };
      });
    case "workflow.task.added":
    case "workflow.task.updated": {
      if (item.type !== "workflow") return item;
      const tasks = item.workflow.tasks.slice();
      if (update.type === "workflow.task.added" && update.task_index < tasks.length) {
        tasks.splice(update.task_index, 0, update.task);
      } else {
        tasks[update.task_index] = update.task;
      }
      return { ...item, workflow: { ...item.workflow, tasks } } satisfies WorkflowItem;
    }
    case "widget.root.updated":
      if (item.type !== "widget") return item;
      return { ...item, widget: update.widget } satisfies WidgetItem;
    case "widget.component.updated":
      if (item.type !== "widget") return item;
      return { ...item, widget: mapNode(item.widget, update.component_id, () => update.component) };
    case "widget.streaming_text.value_delta":
      if (item.type !== "widget") return item;
      return {
        ...item,
        widget: mapNode(item.widget, update.component_id, (node) => ({
          ...node,
          value: (typeof node.value === "string" ? node.value : "") + update.delta,
        })),
      };
    case "generated_image.updated":
      if (item.type !== "generated_image") return item;
      return { ...item, image: update.image } satisfies GeneratedImageItem;
    default:
      return item;
  }
}

function withPart(
  item: AssistantMessageItem,
  index: number,
  fn: (part: AssistantMessageContent | undefined) => AssistantMessageContent,
): AssistantMessageItem {
  const content = item.content.slice();
  content[index] = fn(content[index]);
  // A part that arrives out of order leaves no holes behind it.
  for (let i = 0; i < content.length; i++) {
    content[i] ??= { type: "output_text", text: "", annotations: [] };
  }
  return { ...item, content };
}

function mapNode(node: WidgetNode, id: string, fn: (node: WidgetNode) => WidgetNode): WidgetNode {
  if (node.id === id || node.key === id) return fn(node);
  // A Transition (or a dynamic component) holds one child rather than a list.
  const single: unknown = node.children;
  if (isObject(single)) {
    const next = mapNode(single as WidgetNode, id, fn);
    return next === single ? node : { ...node, children: next as unknown as WidgetNode[] };
  }
  if (!Array.isArray(node.children)) return node;
  let changed = false;
  const children = node.children.map((child) => {
    const next = isObject(child) ? mapNode(child, id, fn) : child;
    if (next !== child) changed = true;
    return next;
  });
  return changed ? { ...node, children } : node;
}

// --- helpers ----------------------------------------------------------------------------------

function stripItems(thread: Thread): Thread {
  if (!("items" in thread)) return thread;
  const { items: _items, ...rest } = thread;
  return rest;
}

function isObject(value: unknown): value is Record<string, unknown> & { type: string } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Items the view draws (hidden context and end-of-turn markers have no pixels). */
export function isVisible(item: ThreadItem): boolean {
  return item.type !== "end_of_turn" && item.type !== "hidden_context_item" && item.type !== "sdk_hidden_context";
}

/** All the text of an assistant message, parts joined the way ChatKit.js copies them. */
export function assistantText(item: AssistantMessageItem): string {
  return item.content.map((part) => part.text).join("\n\n");
}
