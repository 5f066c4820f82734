// ChatKit JSON shapes as the server emits them (`chatkit/types.py`, serialized with
// `by_alias=True, exclude_none=True`): every field that may be None is optional here.
// Only what the view reads is typed; unknown variants pass through untouched.

export type IconName = string;

export interface ThreadStatus {
  type: "active" | "locked" | "closed";
  reason?: string;
}

/** ChatKit Thread JSON without `items` (what the `_thread` trait and snapshots carry). */
export interface Thread {
  id: string;
  title?: string | null;
  created_at: string;
  status?: ThreadStatus;
  allowed_image_domains?: string[] | null;
  metadata?: Record<string, unknown>;
  items?: unknown;
}

// --- sources and annotations ---------------------------------------------------------

interface SourceBase {
  title: string;
  description?: string;
  timestamp?: string;
  group?: string;
}
export interface URLSource extends SourceBase {
  type: "url";
  url: string;
  attribution?: string;
}
export interface FileSource extends SourceBase {
  type: "file";
  filename: string;
}
export interface EntitySource extends SourceBase {
  type: "entity";
  id: string;
  icon?: IconName;
  label?: string;
  inline_label?: string;
}
export type Source = URLSource | FileSource | EntitySource;

export interface Annotation {
  type: "annotation";
  source: Source;
  index?: number;
}

// --- items -------------------------------------------------------------------------------

interface ItemBase {
  id: string;
  thread_id: string;
  created_at: string;
}

export interface UserMessageTextContent {
  type: "input_text";
  text: string;
}
export interface UserMessageTagContent {
  type: "input_tag";
  id: string;
  text: string;
  data?: Record<string, unknown>;
  group?: string;
  interactive?: boolean;
}
export type UserMessageContent = UserMessageTextContent | UserMessageTagContent;

export interface Attachment {
  type: "file" | "image";
  id: string;
  name: string;
  mime_type: string;
  preview_url?: string;
}

export interface UserMessageItem extends ItemBase {
  type: "user_message";
  content: UserMessageContent[];
  attachments?: Attachment[];
  quoted_text?: string;
  inference_options?: Record<string, unknown>;
}

export interface AssistantMessageContent {
  type: "output_text";
  text: string;
  annotations?: Annotation[];
}

export interface AssistantMessageItem extends ItemBase {
  type: "assistant_message";
  content: AssistantMessageContent[];
}

export interface ClientToolCallItem extends ItemBase {
  type: "client_tool_call";
  status?: "pending" | "completed";
  call_id: string;
  name: string;
  arguments?: Record<string, unknown>;
  output?: unknown;
}

/** A ChatKit widget tree node: only the generic shape matters to the fallback view. */
export interface WidgetNode {
  type: string;
  id?: string;
  key?: string;
  children?: WidgetNode[];
  [key: string]: unknown;
}

export interface WidgetItem extends ItemBase {
  type: "widget";
  widget: WidgetNode;
  copy_text?: string;
}

export interface GeneratedImage {
  id: string;
  url: string;
}
export interface GeneratedImageItem extends ItemBase {
  type: "generated_image";
  image?: GeneratedImage;
}

export interface StructuredInput {
  type: "multiple_choice" | "freeform";
  id: string;
  question: string;
  description?: string;
  options?: { value: string }[];
  /** Multiple choice: more than one value may be chosen. */
  multiple?: boolean;
  answer?: { values?: string[]; skipped?: boolean };
}
export interface StructuredInputItem extends ItemBase {
  type: "structured_input";
  status?: "pending" | "answered" | "skipped";
  inputs: StructuredInput[];
}

interface TaskBase {
  status_indicator?: "none" | "loading" | "complete";
  title?: string;
}
export interface CustomTask extends TaskBase {
  type: "custom";
  icon?: IconName;
  content?: string;
}
export interface SearchTask extends TaskBase {
  type: "web_search";
  title_query?: string;
  queries?: string[];
  sources?: URLSource[];
}
export interface ThoughtTask extends TaskBase {
  type: "thought";
  content: string;
}
export interface FileTask extends TaskBase {
  type: "file";
  sources?: FileSource[];
}
export interface ImageTask extends TaskBase {
  type: "image";
}
export type Task = CustomTask | SearchTask | ThoughtTask | FileTask | ImageTask;

export interface CustomSummary {
  title: string;
  icon?: IconName;
}
export interface DurationSummary {
  duration: number;
}
export interface Workflow {
  type: "custom" | "reasoning";
  tasks: Task[];
  summary?: CustomSummary | DurationSummary;
  expanded?: boolean;
}

export interface WorkflowItem extends ItemBase {
  type: "workflow";
  workflow: Workflow;
}
export interface TaskItem extends ItemBase {
  type: "task";
  task: Task;
}
export interface EndOfTurnItem extends ItemBase {
  type: "end_of_turn";
}
export interface HiddenItem extends ItemBase {
  type: "hidden_context_item" | "sdk_hidden_context";
  content?: unknown;
}

export type ThreadItem =
  | UserMessageItem
  | AssistantMessageItem
  | ClientToolCallItem
  | WidgetItem
  | GeneratedImageItem
  | StructuredInputItem
  | WorkflowItem
  | TaskItem
  | EndOfTurnItem
  | HiddenItem;

// --- item updates ------------------------------------------------------------------------

export type ThreadItemUpdate =
  | { type: "assistant_message.content_part.added"; content_index: number; content: AssistantMessageContent }
  | { type: "assistant_message.content_part.text_delta"; content_index: number; delta: string }
  | {
      type: "assistant_message.content_part.annotation_added";
      content_index: number;
      annotation_index: number;
      annotation: Annotation;
    }
  | { type: "assistant_message.content_part.done"; content_index: number; content: AssistantMessageContent }
  | { type: "widget.streaming_text.value_delta"; component_id: string; delta: string; done: boolean }
  | { type: "widget.root.updated"; widget: WidgetNode }
  | { type: "widget.component.updated"; component_id: string; component: WidgetNode }
  | { type: "workflow.task.added"; task_index: number; task: Task }
  | { type: "workflow.task.updated"; task_index: number; task: Task }
  | { type: "generated_image.updated"; image: GeneratedImage; progress?: number };

// --- stream events -----------------------------------------------------------------------

export interface StreamOptions {
  allow_cancel: boolean;
}

export interface ProgressUpdateEvent {
  type: "progress_update";
  icon?: IconName;
  text: string;
}

export interface ErrorEvent {
  type: "error";
  code?: string;
  message?: string;
  allow_retry?: boolean;
}

export interface NoticeEvent {
  type: "notice";
  level: "info" | "warning" | "danger";
  message: string;
  title?: string;
}

export interface ClientEffectEvent {
  type: "client_effect";
  name: string;
  data?: Record<string, unknown>;
}

export type ThreadStreamEvent =
  | { type: "thread.created"; thread: Thread }
  | { type: "thread.updated"; thread: Thread }
  | { type: "thread.item.added"; item: ThreadItem }
  | { type: "thread.item.updated"; item_id: string; update: ThreadItemUpdate }
  | { type: "thread.item.done"; item: ThreadItem }
  | { type: "thread.item.removed"; item_id: string }
  | { type: "thread.item.replaced"; item: ThreadItem }
  | { type: "stream_options"; stream_options: StreamOptions }
  | ProgressUpdateEvent
  | ClientEffectEvent
  | ErrorEvent
  | NoticeEvent;

/** ChatKit's `Page[T]`. */
export interface Page<T> {
  data: T[];
  has_more?: boolean;
  after?: string;
}
