// The messages between the kernel-side widget and its browser views.
//
// Mirrors `chatkit_widget/protocol.py` exactly; change both together and bump
// PROTOCOL_VERSION on any incompatible change (a view checks it against the
// `_protocol_version` trait).

import type { ErrorEvent, NoticeEvent, ProgressUpdateEvent, StreamOptions, Thread, ThreadItem, ThreadStreamEvent } from "./chatkit";

export const PROTOCOL_VERSION = 3;

/** The ChatKit event that carries a streamed text fragment; the transport coalesces these. */
export const TEXT_DELTA = "assistant_message.content_part.text_delta";

export const RESPONSE_START = "widget.response_start";
export const RESPONSE_END = "widget.response_end";
export const ITEMS_REMOVED = "widget.items_removed";
/** Stands for `thread.item.done` when the finished item equals what the view streamed. */
export const ITEM_DONE = "widget.item_done";

/** Everything a view needs to draw the chat from nothing. */
export interface ViewState {
  thread: Thread | null;
  /** ChatKit ThreadItem JSON, oldest first, unfinished included. */
  items: ThreadItem[];
  /** Older items exist in the store (not loaded yet). */
  has_more: boolean;
  responding: boolean;
  /** The latest ProgressUpdateEvent of the running response. */
  progress: ProgressUpdateEvent | null;
  /** From the running response's StreamOptionsEvent. */
  stream_options: StreamOptions | null;
  /** The ErrorEvent that ended the last response, if any. */
  error: ErrorEvent | null;
  /** Notices shown since the last response started (optional: older kernels omit it). */
  notices?: readonly NoticeEvent[];
}

/** The widget's own events, ordered with the ChatKit events inside a batch. */
export type WidgetEvent =
  | { type: typeof RESPONSE_START }
  | { type: typeof RESPONSE_END }
  | { type: typeof ITEMS_REMOVED; item_ids: string[] }
  | { type: typeof ITEM_DONE; item_id: string };

export type BatchEvent = ThreadStreamEvent | WidgetEvent;

// --- kernel → view ---------------------------------------------------------------------

export interface BatchMessage {
  type: "batch";
  seq: number;
  events: BatchEvent[];
  /** Send time (ms since the epoch), added only by benchmarks. */
  t?: number;
}

export interface SnapshotMessage {
  type: "snapshot";
  seq: number;
  state: ViewState;
  /** Send time (ms since the epoch), added only by benchmarks. */
  t?: number;
}

/**
 * Pushed unasked where the kernel answers `sync` only after the running cell (marimo's
 * edit mode; chatkit_widget/keyframes.py); only a view out of sync adopts it. With
 * `after`, `state.items` are only the items after that one (the running response's).
 */
export interface KeyframeMessage {
  type: "keyframe";
  seq: number;
  state: ViewState;
  after?: string;
}

export interface ReplyMessage {
  type: "reply";
  request_id: string;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** The Python composer API (`set_composer_value`, `focus_composer`), for every view. */
export interface ComposerMessage {
  type: "composer";
  command: "set_value" | "focus";
  text?: string;
  attachments?: import("./chatkit").Attachment[];
  tool?: string | null;
  model?: string | null;
}

export type KernelMessage = BatchMessage | SnapshotMessage | KeyframeMessage | ReplyMessage | ComposerMessage;

// --- view → kernel (protocol.py's ViewMessage models; extra keys are rejected) ------------

/** Ask for a snapshot (a view that attached late, or saw a gap in `seq`). */
export interface Sync {
  type: "sync";
}
/**
 * The user submitted the composer. `content` (text and `input_tag` parts, in order)
 * replaces `text` when given; `attachments` are ids whose bytes are all uploaded.
 */
export interface Send {
  type: "send";
  text: string;
  content?: import("./chatkit").UserMessageContent[];
  attachments?: string[];
  quoted_text?: string | null;
  tool_choice?: string | null;
  model?: string | null;
}
/** The user clicked a tag or an entity source. */
export interface EntityClick {
  type: "entity_click";
  entity: Record<string, unknown>;
}
/** The user pressed Stop. */
export interface Cancel {
  type: "cancel";
}
/** Run again from a user message (`null`: the last one). */
export interface Retry {
  type: "retry";
  item_id: string | null;
}
export interface NewThread {
  type: "new_thread";
}
export interface OpenThread {
  type: "open_thread";
  thread_id: string;
}
export interface Feedback {
  type: "feedback";
  item_ids: string[];
  kind: "positive" | "negative";
}
/** A call that expects a `reply` (history listing, older items, rename, delete…). */
export interface Request {
  type: "request";
  request_id: string;
  method: string;
  params: Record<string, unknown>;
}

/** A widget's ChatKit ActionConfig (`chatkit/actions.py`), as the widget JSON carries it. */
export interface ActionConfig {
  type: string;
  payload?: unknown;
  handler?: "client" | "server";
  loadingBehavior?: "auto" | "none" | "self" | "container";
  streaming?: boolean;
}

/**
 * A widget's action fired (a click, a form submit, a changed select…). With a `request_id`,
 * a `reply` follows once the action's response (or Python handler) has ended: a streaming
 * response can take minutes, so this reply is awaited without a timeout.
 */
export interface WidgetAction {
  type: "action";
  action: ActionConfig;
  /** The sending WidgetItem. */
  item_id: string | null;
  request_id?: string;
}
/** Submit (or skip) a pending structured input; `answers` maps question ids to values. */
export interface Answer {
  type: "answer";
  item_id: string;
  answers: Record<string, string[]>;
  skipped: boolean;
  request_id?: string;
}

export type ViewMessage =
  | Sync
  | Send
  | Cancel
  | Retry
  | NewThread
  | OpenThread
  | Feedback
  | EntityClick
  | Request
  | WidgetAction
  | Answer;

/** The request methods the kernel answers, with their params and results. */
export interface RequestMethods {
  list_threads: { params: { limit: number; after: string | null }; result: import("./chatkit").Page<Thread> };
  /** The older items arrive as a snapshot before the reply. */
  load_older: { params: Record<string, never>; result: { loaded?: number; items?: ThreadItem[]; has_more?: boolean } };
  rename_thread: { params: { thread_id: string; title: string }; result: unknown };
  delete_thread: { params: { thread_id: string }; result: unknown };
  // The composer's requests; bytes travel as the message's binary buffers.
  attachment_create: { params: { name: string; size: number; mime_type: string }; result: import("./chatkit").Attachment };
  /**
   * One chunk of a file (the bytes are the message's buffer). Pipelined uploads name an
   * `upload_id` and put `name`, `size`, `mime_type` on the first chunk; the reply to the
   * first and the last chunk carries the attachment.
   */
  upload_chunk: {
    params:
      | { attachment_id: string; offset: number; final: boolean }
      | { upload_id: string; offset: number; final: boolean; name?: string; size?: number; mime_type?: string };
    result: { received: number; attachment?: import("./chatkit").Attachment };
  };
  /**
   * Sent while the file is PUT to the Jupyter server as `file_id` (chatkit_widget_uploads):
   * the kernel creates the attachment and adopts the file once whole. `found: false` when
   * the kernel does not see the server's `marker` (it runs elsewhere); `adopted: false`
   * when the file took too long: ask again with `attachment_id` once the PUT has ended.
   */
  upload_file: {
    params:
      | { file_id: string; marker: string; name: string; size: number; mime_type: string }
      | { attachment_id: string; file_id: string };
    result: { found: boolean; adopted: boolean; attachment?: import("./chatkit").Attachment };
  };
  /** The PUT of `file_id` failed: the kernel stops waiting for it. */
  upload_abandon: { params: { file_id: string }; result: unknown };
  attachment_delete: { params: { attachment_id: string }; result: unknown };
  /** The bytes come back as the reply's first buffer. */
  attachment_bytes: { params: { attachment_id: string }; result: { mime_type: string; name: string } };
  tag_search: { params: { query: string }; result: { entities: Entity[] } };
  entity_preview: { params: { entity: Entity }; result: { widget: unknown } };
  transcribe: { params: { mime_type: string }; result: { text: string } };
}

/** ChatKit.js's Entity: what the @ menu offers and a tag carries. */
export interface Entity {
  id: string;
  title: string;
  icon?: string;
  group?: string;
  interactive?: boolean;
  data?: Record<string, unknown>;
}

/** What a custom message from the kernel looks like, checked loosely (it crosses a process boundary). */
export function isKernelMessage(msg: unknown): msg is KernelMessage {
  if (typeof msg !== "object" || msg === null) return false;
  const type = (msg as { type?: unknown }).type;
  return type === "batch" || type === "snapshot" || type === "keyframe" || type === "reply" || type === "composer";
}

/** The part of anywidget's model interface this view uses. */
export interface AnyModel {
  get(name: string): unknown;
  set(name: string, value: unknown): void;
  save_changes(): void;
  send(content: unknown, callbacks?: unknown, buffers?: unknown[]): void;
  on(name: string, callback: (...args: never[]) => void): void;
  off(name?: string | null, callback?: ((...args: never[]) => void) | null): void;
}
