// Builders for ChatKit JSON as the server emits it (exclude_none: optional fields absent).

import type { AssistantMessageItem, Thread, UserMessageItem, WorkflowItem } from "../src/chatkit";
import type { AnyModel } from "../src/protocol";

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
