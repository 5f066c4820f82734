// The rendered view, driven like anywidget drives it: initialize per model, render per view.

import { afterEach, describe, expect, it, vi } from "vitest";
import { type AnyModel, type BatchEvent, PROTOCOL_VERSION } from "../src/protocol";
import widget, { EFFECT_EVENT } from "../src/index";
import { assistant, FakeModel, mount as mountView, onUnmount, render, snapshotState, thread, tick, unmountAll, user, VIEW_TRAITS } from "./fixtures";

afterEach(unmountAll);

const OPTIONS = {
  ...VIEW_TRAITS,
  prompts: [{ label: "Summarize", prompt: "Summarize the notebook" }],
  disclaimer: "Check **important** info.",
};

/** Traits as a kernel would send them: each model's lists are its own objects. */
const fresh = (traits: Record<string, unknown> = {}) => structuredClone({ ...OPTIONS, ...traits });

const mount = (traits: Record<string, unknown> = {}) => mountView({ ...OPTIONS, ...traits });

const q = (el: Element, selector: string) => el.querySelector(selector) as HTMLElement | null;

async function type(el: HTMLElement, text: string) {
  const area = q(el, "textarea") as HTMLTextAreaElement;
  area.value = text;
  area.dispatchEvent(new Event("input", { bubbles: true }));
  await tick();
  return area;
}

function key(target: HTMLElement, init: KeyboardEventInit) {
  const event = new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(event);
  return event;
}

describe("start screen and header", () => {
  it("shows the greeting, prompts and disclaimer on an empty thread", async () => {
    const { el } = await mount();
    expect(q(el, ".ckw-greeting")?.textContent).toBe("Hello there");
    expect(q(el, ".ckw-prompt")?.textContent).toBe("Summarize");
    expect(q(el, ".ckw-disclaimer strong")?.textContent).toBe("important");
    expect((q(el, "textarea") as HTMLTextAreaElement).placeholder).toBe("Ask anything");
  });

  it("sends a prompt when its chip is clicked", async () => {
    const { el, model } = await mount();
    q(el, ".ckw-prompt")?.click();
    expect(model.sent).toEqual([{ type: "send", text: "Summarize the notebook" }]);
  });

  it("titles the header with the thread title, else the title option, else New chat", async () => {
    const { el, events } = await mount({ title: "Data helper" });
    expect(q(el, ".ckw-title")?.textContent).toBe("Data helper");
    await events({ type: "thread.created", thread: thread("thr_1", "Sales review") });
    expect(q(el, ".ckw-title")?.textContent).toBe("Sales review");
    const other = await mount();
    expect(q(other.el, ".ckw-title")?.textContent).toBe("New chat");
  });

  it("starts a new thread from the header button", async () => {
    const { el, model } = await mount();
    q(el, "button[aria-label='New chat']")?.click();
    expect(model.sent).toEqual([{ type: "new_thread" }]);
  });

  it("warns in a visible banner when the kernel speaks another protocol version", async () => {
    const { el } = await mount({ _protocol_version: PROTOCOL_VERSION + 1 });
    expect(q(el, ".ckw-version")?.getAttribute("role")).toBe("alert");
    expect(q(el, ".ckw-version")?.textContent).toContain(`v${PROTOCOL_VERSION + 1}`);
  });
});

describe("composer", () => {
  it("sends on Enter and clears the input", async () => {
    const { el, model } = await mount();
    const area = await type(el, "What is a DataFrame?");
    const event = key(area, { key: "Enter" });
    await tick();
    expect(event.defaultPrevented).toBe(true);
    expect(model.sent).toEqual([{ type: "send", text: "What is a DataFrame?" }]);
    expect(area.value).toBe("");
  });

  it("does not send on Shift+Enter (a newline)", async () => {
    const { el, model } = await mount();
    const area = await type(el, "line one");
    const event = key(area, { key: "Enter", shiftKey: true });
    expect(event.defaultPrevented).toBe(false);
    expect(model.sent).toEqual([]);
  });

  it("keeps key presses from reaching JupyterLab's handlers", async () => {
    const { el } = await mount();
    const area = await type(el, "x");
    let leaked = 0;
    document.addEventListener("keydown", () => leaked++);
    key(area, { key: "a" });
    key(area, { key: "Enter" });
    expect(leaked).toBe(0);
  });

  it("has a labelled textarea and send button", async () => {
    const { el } = await mount();
    const area = q(el, "textarea") as HTMLTextAreaElement;
    expect(area.getAttribute("aria-label")).toBe("Message");
    expect(q(el, `label[for='${area.id}']`)).not.toBeNull();
    expect(q(el, "button[aria-label='Send message']")).not.toBeNull();
  });

  it("does not send while a response runs, and offers Stop when the server allows cancel", async () => {
    const { el, model, events } = await mount();
    await events({ type: "widget.response_start" });
    const area = await type(el, "another question");
    key(area, { key: "Enter" });
    expect(model.sent).toEqual([]);
    expect((q(el, "button[aria-label='Send message']") as HTMLButtonElement).disabled).toBe(true);
    await events({ type: "stream_options", stream_options: { allow_cancel: true } });
    q(el, "button[aria-label='Stop']")?.click();
    expect(model.sent).toEqual([{ type: "cancel" }]);
    await events({ type: "widget.response_end" });
    expect(q(el, "button[aria-label='Stop']")).toBeNull();
  });

  it("does not send while the is_responding trait is set", async () => {
    const { el, model } = await mount();
    model.set("is_responding", true);
    await tick();
    key(await type(el, "hi"), { key: "Enter" });
    expect(model.sent).toEqual([]);
  });
});

describe("thread rendering", () => {
  it("renders user text, tags and quotes, and assistant markdown", async () => {
    const { el, events } = await mount();
    await events(
      {
        type: "thread.item.added",
        item: {
          ...user("u1", ""),
          quoted_text: "df.head()",
          content: [
            { type: "input_text", text: "Explain " },
            { type: "input_tag", id: "c3", text: "cell 3", data: {} },
          ],
        },
      },
      { type: "thread.item.added", item: assistant("a1", "# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |") },
    );
    expect(q(el, ".ckw-user-bubble")?.textContent).toBe("Explain @cell 3");
    expect(q(el, ".ckw-user-quote")?.textContent).toBe("df.head()");
    expect(q(el, ".ckw-assistant h1")?.textContent).toBe("Title");
    expect(q(el, ".ckw-assistant td")?.textContent).toBe("1");
  });

  it("streams text deltas into the assistant message", async () => {
    const { el, events } = await mount();
    await events({ type: "widget.response_start" }, { type: "thread.item.added", item: assistant("a1") });
    for (const delta of ["Hel", "lo **wor", "ld**"]) {
      await events({
        type: "thread.item.updated",
        item_id: "a1",
        update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta },
      });
    }
    expect(q(el, ".ckw-assistant")?.textContent?.trim()).toBe("Hello world");
    expect(q(el, ".ckw-assistant strong")?.textContent).toBe("world");
  });

  it("keeps the streamed message's DOM when it finishes, and other items untouched while it streams", async () => {
    const { el, events } = await mount({ _thread: thread(), _transcript: [user("u1", "first")] });
    const userBubble = q(el, ".ckw-user-bubble");
    await events({ type: "widget.response_start" }, { type: "thread.item.added", item: assistant("a1") });
    const delta = (text: string): BatchEvent => ({
      type: "thread.item.updated",
      item_id: "a1",
      update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: text },
    });
    await events(delta("First paragraph.\n\nSecond paragraph.\n\nThird"));
    const firstBlock = q(el, ".ckw-assistant .ckw-md-block");
    await events(delta(" paragraph, done."));
    await events({ type: "widget.item_done", item_id: "a1" }, { type: "widget.response_end" });
    expect(q(el, ".ckw-assistant")?.textContent).toContain("Third paragraph, done.");
    expect(q(el, ".ckw-assistant .ckw-md-block")).toBe(firstBlock);
    expect(q(el, ".ckw-user-bubble")).toBe(userBubble);
  });

  it("never renders script, handlers or javascript: links from assistant text", async () => {
    const { el, events } = await mount();
    await events({
      type: "thread.item.added",
      item: assistant("a1", '<img src=x onerror="alert(1)"><script>alert(2)</script>[x](javascript:alert(3))'),
    });
    const html = q(el, ".ckw-assistant")?.innerHTML ?? "";
    expect(html).not.toMatch(/onerror|<script|javascript:/i);
  });

  it("lists annotation sources as safe links under the message", async () => {
    const { el, events } = await mount();
    const item = assistant("a1", "Answer.");
    item.content[0]!.annotations = [
      { type: "annotation", source: { type: "url", title: "Docs", url: "https://docs.example.com/x" } },
      { type: "annotation", source: { type: "url", title: "Bad", url: "javascript:alert(1)" } },
    ];
    await events({ type: "thread.item.done", item });
    const links = Array.from(el.querySelectorAll<HTMLAnchorElement>(".ckw-sources a"));
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["https://docs.example.com/x"]);
    expect(links[0]?.rel).toBe("noopener noreferrer");
    expect(q(el, ".ckw-sources")?.textContent).toContain("Bad");
  });

  it("shows progress with its icon while responding and drops it at response end", async () => {
    const { el, events } = await mount();
    await events({ type: "widget.response_start" }, { type: "progress_update", icon: "search", text: "Searching…" });
    expect(q(el, ".ckw-progress")?.textContent).toBe("Searching…");
    expect(q(el, ".ckw-progress svg")).not.toBeNull();
    await events({ type: "widget.response_end" });
    expect(q(el, ".ckw-progress")).toBeNull();
  });

  it("shows a workflow with its duration summary and expands its tasks on click", async () => {
    const { el, events } = await mount();
    await events({
      type: "thread.item.done",
      item: {
        type: "workflow",
        id: "w1",
        thread_id: "thr_1",
        created_at: "",
        workflow: { type: "reasoning", tasks: [{ type: "thought", content: "Consider **X**." }], summary: { duration: 12 } },
      },
    });
    const header = q(el, ".ckw-workflow-header") as HTMLButtonElement;
    expect(header.textContent).toBe("Thought for 12s");
    expect(header.getAttribute("aria-expanded")).toBe("false");
    header.click();
    await tick();
    expect(q(el, ".ckw-task-content strong")?.textContent).toBe("X");
  });

  it("shows a client tool call with a spinner while pending and a check when completed", async () => {
    const { el, events } = await mount();
    const call = { type: "client_tool_call" as const, id: "t1", thread_id: "thr_1", created_at: "", call_id: "c", name: "get_selection", arguments: {} };
    await events({ type: "thread.item.added", item: call });
    expect(q(el, ".ckw-tool")?.dataset.status).toBe("pending");
    expect(q(el, ".ckw-tool .ckw-spinner")).not.toBeNull();
    await events({ type: "thread.item.done", item: { ...call, status: "completed" } });
    expect(q(el, ".ckw-tool")?.dataset.status).toBe("completed");
    expect(q(el, ".ckw-tool .ckw-spinner")).toBeNull();
  });

  it("renders a widget item as UI", async () => {
    const { el, events } = await mount();
    await events({
      type: "thread.item.done",
      item: {
        type: "widget",
        id: "w",
        thread_id: "thr_1",
        created_at: "",
        widget: { type: "Card", children: [{ type: "Text", value: "Total: 42" }] },
        copy_text: "Total",
      },
    });
    expect(q(el, ".ckw-widget .ckw-w-card .ckw-w-text")?.textContent).toBe("Total: 42");
  });

  it("updates a widget in place: thread.item.replaced and widget updates keep the other items' DOM", async () => {
    const { el, events } = await mount();
    const widgetItem = (value: string) => ({
      type: "widget" as const,
      id: "w",
      thread_id: "thr_1",
      created_at: "",
      widget: { type: "Card", children: [{ type: "Text", id: "t", value }, { type: "Input", name: "q", key: "q" }] },
    });
    await events({ type: "thread.item.done", item: user("u1", "hi") }, { type: "thread.item.done", item: widgetItem("Pending") });
    const userNode = q(el, ".ckw-item--user_message");
    const cardNode = q(el, ".ckw-w-card");
    (q(el, ".ckw-w-input") as HTMLInputElement).value = "typed";
    await events({ type: "thread.item.replaced", item: widgetItem("Booked") });
    expect(q(el, ".ckw-w-text")?.textContent).toBe("Booked");
    await events({
      type: "thread.item.updated",
      item_id: "w",
      update: { type: "widget.component.updated", component_id: "t", component: { type: "Text", id: "t", value: "Boarded" } },
    });
    expect(q(el, ".ckw-w-text")?.textContent).toBe("Boarded");
    expect(q(el, ".ckw-item--user_message")).toBe(userNode);
    expect(q(el, ".ckw-w-card")).toBe(cardNode);
    expect((q(el, ".ckw-w-input") as HTMLInputElement).value).toBe("typed");
  });

  it("renders nothing for end-of-turn and hidden items", async () => {
    const { el, events } = await mount();
    await events(
      { type: "thread.item.done", item: { type: "end_of_turn", id: "e", thread_id: "thr_1", created_at: "" } },
      { type: "thread.item.done", item: { type: "sdk_hidden_context", id: "h", thread_id: "thr_1", created_at: "", content: "x" } },
      { type: "thread.item.done", item: user("u1", "hi") },
    );
    expect(el.querySelectorAll(".ckw-item").length).toBe(1);
  });

  it("shows a generated image only from an allowed domain or a data URL", async () => {
    const { el, events } = await mount();
    await events({ type: "thread.created", thread: { ...thread(), allowed_image_domains: ["img.example.com"] } });
    const image = (id: string, url: string) => ({
      type: "generated_image" as const,
      id,
      thread_id: "thr_1",
      created_at: "",
      image: { id, url },
    });
    await events(
      { type: "thread.item.done", item: image("i1", "https://img.example.com/a.png") },
      { type: "thread.item.done", item: image("i2", "https://tracker.example.net/a.png") },
    );
    const images = Array.from(el.querySelectorAll(".ckw-image img")).map((img) => img.getAttribute("src"));
    expect(images).toEqual(["https://img.example.com/a.png"]);
    expect(q(el, ".ckw-image--blocked a")?.getAttribute("href")).toBe("https://tracker.example.net/a.png");
  });
});

describe("errors, notices and retry", () => {
  it("shows the default error message with a Retry that asks for the last message again", async () => {
    const { el, model, events } = await mount();
    await events({ type: "widget.response_start" }, { type: "error", allow_retry: true }, { type: "widget.response_end" });
    expect(q(el, "[role=alert]")?.textContent).toContain("Something went wrong.");
    const retry = Array.from(el.querySelectorAll("button")).find((b) => b.textContent?.trim() === "Retry");
    retry?.click();
    expect(model.sent).toEqual([{ type: "retry", item_id: null }]);
  });

  it("offers no Retry when the error forbids it or the retry option is off", async () => {
    const first = await mount();
    await first.events({ type: "error", message: "Quota exceeded", allow_retry: false });
    expect(q(first.el, "[role=alert]")?.textContent).toContain("Quota exceeded");
    expect(q(first.el, ".ckw-banner button")).toBeNull();
    const second = await mount({ retry: false });
    await second.events({ type: "error", allow_retry: true });
    expect(q(second.el, ".ckw-banner button")).toBeNull();
  });

  it("renders a notice's markdown by level", async () => {
    const { el, events } = await mount();
    await events({ type: "notice", level: "warning", message: "Near your **limit**." });
    expect(q(el, ".ckw-banner--warning strong")?.textContent).toBe("limit");
  });

  it("retries the last turn from its user message", async () => {
    const { el, model, events } = await mount();
    await events({ type: "thread.item.done", item: user("u1", "q") }, { type: "thread.item.done", item: assistant("a1", "answer") });
    q(el, "button[aria-label='Retry']")?.click();
    expect(model.sent).toEqual([{ type: "retry", item_id: "u1" }]);
  });

  it("sends feedback for the turn whose button was pressed", async () => {
    const { el, model, events } = await mount({ feedback: true });
    await events(
      { type: "thread.item.done", item: user("u1", "q1") },
      { type: "thread.item.done", item: assistant("a1", "first") },
      { type: "thread.item.done", item: user("u2", "q2") },
      { type: "thread.item.done", item: assistant("a2", "second") },
    );
    const buttons = el.querySelectorAll<HTMLButtonElement>("button[aria-label='Bad response']");
    expect(buttons.length).toBe(2);
    buttons[0]?.click();
    expect(model.sent).toEqual([{ type: "feedback", item_ids: ["a1"], kind: "negative" }]);
    expect(el.querySelectorAll("button[aria-label='Retry']").length).toBe(1); // the last turn only
  });

  it("sends feedback on a reply when the feedback option is on", async () => {
    const { el, model, events } = await mount({ feedback: true });
    await events({ type: "thread.item.done", item: user("u1", "q") }, { type: "thread.item.done", item: assistant("a1", "answer") });
    q(el, "button[aria-label='Good response']")?.click();
    expect(model.sent).toEqual([{ type: "feedback", item_ids: ["a1"], kind: "positive" }]);
  });
});

/** What anywidget hands each hook: a fresh object whose methods are bound to the model. */
function proxy(model: FakeModel): AnyModel {
  return {
    get: model.get.bind(model),
    set: model.set.bind(model),
    save_changes: model.save_changes.bind(model),
    send: model.send.bind(model),
    on: model.on.bind(model),
    off: model.off.bind(model),
  };
}

describe("a saved notebook (no kernel)", () => {
  it("shows the saved transcript, and a disabled composer once no kernel answers", async () => {
    vi.useFakeTimers();
    try {
      const { el } = render({ ...OPTIONS, _thread: thread("thr_1", "Saved chat"), _transcript: [user("u1", "question"), assistant("a1", "The **answer**.")] });
      await vi.advanceTimersByTimeAsync(10);
      expect(q(el, ".ckw-user-bubble")?.textContent).toBe("question");
      expect(q(el, ".ckw-assistant strong")?.textContent).toBe("answer");
      expect((q(el, "textarea") as HTMLTextAreaElement).disabled).toBe(false);
      expect(el.querySelector("[aria-label='Retry']")).not.toBeNull();
      await vi.advanceTimersByTimeAsync(5_000);
      const area = q(el, "textarea") as HTMLTextAreaElement;
      expect(area.disabled).toBe(true);
      expect(area.placeholder).toBe("Not connected to the kernel");
      expect(q(el, ".ckw-offline")?.textContent).toContain("saved conversation");
      expect(el.querySelector("[aria-label='New chat']")?.hasAttribute("disabled")).toBe(true);
      expect(el.querySelector("[aria-label='Retry']")).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("views of one model", () => {
  it("share one store: one sync, the same state in both", async () => {
    const model = new FakeModel(fresh());
    const cleanupModel = widget.initialize({ model });
    const first = document.createElement("div");
    const second = document.createElement("div");
    document.body.append(first, second);
    const cleanups2 = [widget.render({ model, el: first }), widget.render({ model, el: second })];
    onUnmount(() => {
      for (const c of cleanups2) c();
      cleanupModel();
    });
    expect(model.sent).toEqual([{ type: "sync" }]);
    model.receive({ type: "snapshot", seq: 1, state: snapshotState({ thread: thread(), items: [user("u1", "shared")] }) });
    await tick();
    expect(q(first, ".ckw-user-bubble")?.textContent).toBe("shared");
    expect(q(second, ".ckw-user-bubble")?.textContent).toBe("shared");
  });

  it("share one store when each hook gets its own proxy of the model (as anywidget does)", async () => {
    const model = new FakeModel(fresh());
    const other = new FakeModel(fresh());
    const cleanupModels = [widget.initialize({ model: proxy(model) }), widget.initialize({ model: proxy(other) })];
    const first = document.createElement("div");
    document.body.append(first);
    const views = [widget.render({ model: proxy(model), el: first })];
    onUnmount(() => {
      for (const c of [...views, ...cleanupModels]) c();
    });
    const state = snapshotState({ thread: thread(), items: [user("u1", "shared")] });
    model.receive({ type: "snapshot", seq: 1, state });
    other.receive({ type: "snapshot", seq: 1, state: { ...state, items: [user("o1", "other")] } });
    // The store rewrote _transcript: a view that attaches later still finds it.
    model.receive({ type: "batch", seq: 2, events: [{ type: "thread.item.done", item: assistant("a1", "streamed") }] });
    const second = document.createElement("div");
    document.body.append(second);
    views.push(widget.render({ model: proxy(model), el: second }));
    await tick();
    expect(model.sent).toEqual([{ type: "sync" }]);
    for (const el of [first, second]) {
      expect(q(el, ".ckw-user-bubble")?.textContent).toBe("shared");
      expect(q(el, ".ckw-assistant")?.textContent).toContain("streamed");
    }
  });

  it("re-dispatches client effects as DOM events on the view's root", async () => {
    const { el, events } = await mount();
    const seen: unknown[] = [];
    el.addEventListener(EFFECT_EVENT, (event) => seen.push((event as CustomEvent).detail));
    await events({ type: "client_effect", name: "highlight", data: { row: 3 } });
    expect(seen).toEqual([{ name: "highlight", data: { row: 3 } }]);
  });

  it("announces a finished reply as plain text in a polite live region", async () => {
    const { el, events } = await mount();
    await events({ type: "thread.item.added", item: assistant("a1") });
    await events({ type: "thread.item.done", item: assistant("a1", "All **done**.") });
    expect(q(el, "[aria-live=polite]")?.textContent).toBe("All done.");
  });

  it("unmounts cleanly", async () => {
    const model = new FakeModel(fresh());
    const cleanupModel = widget.initialize({ model });
    const el = document.createElement("div");
    const cleanupView = widget.render({ model, el });
    cleanupView();
    cleanupModel();
    expect(el.childNodes.length).toBe(0);
    expect(model.listenerCount()).toBe(0);
  });
});
