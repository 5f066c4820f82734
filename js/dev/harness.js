// Dev harness: loads the built bundle with an in-page model that implements anywidget's
// model interface and plays a recorded ChatKit event sequence, like the kernel would.
// window.harness.play(name) plays a scenario at once (for screenshots); typing in the
// composer plays a short scripted reply with delays (to watch the stream).

const params = new URLSearchParams(location.search);
const THREAD_ID = "thr_demo";
let counter = 0;
const id = (prefix) => `${prefix}_${++counter}`;
const stamp = () => new Date(Date.UTC(2025, 5, 1, 12, 0, counter)).toISOString();

// --- a fake kernel ---------------------------------------------------------------------

class DevModel {
  constructor(traits) {
    this.traits = traits;
    this.handlers = new Map();
    this.seq = 0;
    this.state = { thread: null, items: [], has_more: false, responding: false, progress: null, stream_options: null, error: null };
  }
  get(name) {
    return this.traits[name];
  }
  set(name, value) {
    this.traits[name] = value;
    this.emit(`change:${name}`);
  }
  save_changes() {}
  on(name, callback) {
    if (!this.handlers.has(name)) this.handlers.set(name, new Set());
    this.handlers.get(name).add(callback);
  }
  off(name, callback) {
    if (!name) return this.handlers.clear();
    if (!callback) return this.handlers.delete(name);
    this.handlers.get(name)?.delete(callback);
  }
  emit(name, ...args) {
    for (const handler of this.handlers.get(name) ?? []) handler(...args);
  }
  /** The view sent a message to the kernel. */
  send(message) {
    log(`view → kernel ${JSON.stringify(message)}`);
    switch (message.type) {
      case "sync":
        return setTimeout(() => this.snapshot(), 0);
      case "send":
        return this.playLive(message.text);
      case "retry":
        return this.playLive("(retry)");
      case "new_thread":
        this.state = { ...this.state, thread: null, items: [], error: null };
        return this.snapshot();
      case "request":
        return setTimeout(() => this.reply(message), 150);
    }
  }
  snapshot() {
    this.emit("msg:custom", { type: "snapshot", seq: this.seq, state: structuredClone(this.state) }, []);
  }
  reply(message) {
    const threads = [
      { id: THREAD_ID, title: "Pandas groupby help", created_at: new Date().toISOString() },
      { id: "thr_b", title: "Plotting a confusion matrix", created_at: new Date(Date.now() - 86_400_000).toISOString() },
      { id: "thr_c", title: "Why is my kernel slow?", created_at: new Date(Date.now() - 3 * 86_400_000).toISOString() },
      { id: "thr_d", created_at: new Date(Date.now() - 40 * 86_400_000).toISOString() },
    ];
    const result = message.method === "list_threads" ? { data: threads, has_more: false } : {};
    this.emit("msg:custom", { type: "reply", request_id: message.request_id, ok: true, result }, []);
  }
  /** One batch, as the transport sends it (the harness keeps a rough mirror for snapshots). */
  batch(events) {
    this.seq += 1;
    for (const event of events) mirror(this.state, event);
    this.emit("msg:custom", { type: "batch", seq: this.seq, events }, []);
  }
  playNow(events) {
    for (const group of chunkBatches(events)) this.batch(group);
    this.set("_transcript", this.state.items.filter((item) => item.type !== "end_of_turn"));
    this.set("_thread", this.state.thread);
  }
  async playLive(text) {
    this.set("is_responding", true);
    for (const group of chunkBatches(reply(text))) {
      this.batch(group);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    this.set("is_responding", false);
  }
}

/** Group events into batches: consecutive deltas travel together, like the real transport. */
function chunkBatches(events) {
  const batches = [];
  let current = [];
  for (const event of events) {
    current.push(event);
    if (event.type !== "thread.item.updated" || current.length >= 3) {
      batches.push(current);
      current = [];
    }
  }
  if (current.length) batches.push(current);
  return batches;
}

function mirror(state, event) {
  const upsert = (item) => {
    const index = state.items.findIndex((x) => x.id === item.id);
    if (index === -1) state.items.push(item);
    else state.items[index] = item;
  };
  switch (event.type) {
    case "widget.response_start":
      Object.assign(state, { responding: true, error: null, progress: null });
      break;
    case "widget.response_end":
      Object.assign(state, { responding: false, progress: null, stream_options: null });
      break;
    case "thread.created":
    case "thread.updated":
      state.thread = event.thread;
      break;
    case "thread.item.added":
    case "thread.item.done":
    case "thread.item.replaced":
      upsert(structuredClone(event.item));
      break;
    case "progress_update":
      state.progress = event;
      break;
    case "stream_options":
      state.stream_options = event.stream_options;
      break;
    case "error":
      state.error = event;
      break;
    case "thread.item.updated": {
      const item = state.items.find((x) => x.id === event.item_id);
      const u = event.update;
      if (item && u.type === "assistant_message.content_part.text_delta") {
        item.content[u.content_index] ??= { type: "output_text", text: "", annotations: [] };
        item.content[u.content_index].text += u.delta;
      }
      break;
    }
  }
}

// --- recorded events ---------------------------------------------------------------------

const thread = (title) => ({
  id: THREAD_ID,
  created_at: "2025-06-01T12:00:00Z",
  status: { type: "active" },
  allowed_image_domains: ["upload.wikimedia.org"],
  ...(title ? { title } : {}),
});

function userMessage(text, extra = {}) {
  const item = {
    type: "user_message",
    id: id("msg"),
    thread_id: THREAD_ID,
    created_at: stamp(),
    content: [{ type: "input_text", text }],
    attachments: [],
    inference_options: {},
    ...extra,
  };
  return [
    { type: "thread.item.added", item },
    { type: "thread.item.done", item },
  ];
}

function assistantMessage(text, { annotations = [], chunk = 24, finish = true } = {}) {
  const itemId = id("msg");
  const base = { type: "assistant_message", id: itemId, thread_id: THREAD_ID, created_at: stamp() };
  const events = [{ type: "thread.item.added", item: { ...base, content: [] } }];
  events.push({
    type: "thread.item.updated",
    item_id: itemId,
    update: { type: "assistant_message.content_part.added", content_index: 0, content: { type: "output_text", text: "", annotations: [] } },
  });
  for (let i = 0; i < text.length; i += chunk) {
    events.push({
      type: "thread.item.updated",
      item_id: itemId,
      update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: text.slice(i, i + chunk) },
    });
  }
  if (!finish) return events;
  annotations.forEach((annotation, annotation_index) =>
    events.push({
      type: "thread.item.updated",
      item_id: itemId,
      update: { type: "assistant_message.content_part.annotation_added", content_index: 0, annotation_index, annotation },
    }),
  );
  const content = { type: "output_text", text, annotations };
  events.push({ type: "thread.item.updated", item_id: itemId, update: { type: "assistant_message.content_part.done", content_index: 0, content } });
  events.push({ type: "thread.item.done", item: { ...base, content: [content] } });
  return events;
}

function workflow({ thoughts, duration, finish = true }) {
  const itemId = id("wf");
  const base = { type: "workflow", id: itemId, thread_id: THREAD_ID, created_at: stamp() };
  const events = [{ type: "thread.item.added", item: { ...base, workflow: { type: "reasoning", tasks: [], expanded: false } } }];
  thoughts.forEach((content, task_index) => {
    events.push({
      type: "thread.item.updated",
      item_id: itemId,
      update: { type: "workflow.task.added", task_index, task: { type: "thought", content, status_indicator: "loading" } },
    });
    events.push({
      type: "thread.item.updated",
      item_id: itemId,
      update: { type: "workflow.task.updated", task_index, task: { type: "thought", content, status_indicator: finish || task_index < thoughts.length - 1 ? "complete" : "loading" } },
    });
  });
  if (finish) {
    const tasks = thoughts.map((content) => ({ type: "thought", content, status_indicator: "complete" }));
    events.push({ type: "thread.item.done", item: { ...base, workflow: { type: "reasoning", tasks, summary: { duration }, expanded: false } } });
  }
  return events;
}

const ANSWER = `Here's how to **group and aggregate** a DataFrame in pandas:

1. Call \`groupby\` with the key column.
2. Pick an aggregation — \`sum\`, \`mean\`, or several at once with \`agg\`.

\`\`\`python
import pandas as pd

df = pd.DataFrame({"team": ["a", "b", "a"], "score": [3, 5, 4]})
summary = df.groupby("team")["score"].agg(["mean", "max"])  # one row per team
print(summary)
\`\`\`

| team | mean | max |
|------|-----:|----:|
| a    | 3.5  | 4   |
| b    | 5.0  | 5   |

> **Tip:** pass \`as_index=False\` to keep \`team\` as a regular column.`;

const SOURCES = [
  { type: "annotation", source: { type: "url", title: "Group by: split-apply-combine", url: "https://pandas.pydata.org/docs/user_guide/groupby.html" } },
  { type: "annotation", source: { type: "file", title: "analysis_notes.md", filename: "analysis_notes.md" } },
];

function conversation() {
  const toolId = id("tool");
  const toolBase = { type: "client_tool_call", id: toolId, thread_id: THREAD_ID, created_at: stamp(), call_id: "call_1", name: "get_selected_cells", arguments: {} };
  return [
    { type: "widget.response_start" },
    { type: "thread.created", thread: thread() },
    ...userMessage("How do I get the mean and max score per team from my DataFrame?"),
    { type: "stream_options", stream_options: { allow_cancel: true } },
    ...workflow({
      thoughts: [
        "The user has a DataFrame with a **team** column and a score column. A `groupby` with `agg` gives both statistics in one call.",
        "Show a short example with its output, then mention `as_index`.",
      ],
      duration: 7,
    }),
    ...assistantMessage(ANSWER, { annotations: SOURCES }),
    { type: "thread.updated", thread: thread("Pandas groupby help") },
    { type: "widget.response_end" },
    { type: "widget.response_start" },
    ...userMessage("Can you plot it for the cell I selected?", {
      quoted_text: "summary = df.groupby(\"team\")[\"score\"].agg([\"mean\", \"max\"])",
      content: [
        { type: "input_text", text: "Can you plot it for " },
        { type: "input_tag", id: "cell-3", text: "cell 3", data: {}, interactive: false },
      ],
    }),
    { type: "thread.item.added", item: toolBase },
    { type: "thread.item.done", item: { ...toolBase, status: "completed", output: { cells: 1 } } },
    ...assistantMessage(
      "Cell 3 defines `summary`. Run `summary.plot.bar(rot=0)` in the next cell: each team gets two bars, **mean** and **max**.",
    ),
    { type: "widget.response_end" },
  ];
}

function streaming() {
  return [
    ...conversation(),
    { type: "widget.response_start" },
    ...userMessage("Now fit a linear model of score against games played and show the coefficients."),
    { type: "stream_options", stream_options: { allow_cancel: true } },
    ...workflow({ thoughts: ["Use `statsmodels` OLS: it prints a full summary table with the coefficients."], finish: false }),
    { type: "progress_update", icon: "square-code", text: "Running the regression…" },
    ...assistantMessage(
      "I'll use **statsmodels** for this:\n\n```python\nimport statsmodels.formula.api as smf\n\nmodel = smf.ols(\"score ~ games\", data=df).fit()\nprint(model.params",
      { finish: false },
    ),
  ];
}

function failure() {
  return [
    ...conversation(),
    { type: "widget.response_start" },
    ...userMessage("And the median?"),
    { type: "notice", level: "warning", title: "Usage limit", message: "You have used **90%** of today's requests. [See plans](https://example.com/plans)." },
    { type: "error", code: "stream.error", allow_retry: true },
    { type: "widget.response_end" },
  ];
}

function reply(text) {
  return [
    { type: "widget.response_start" },
    ...userMessage(text),
    { type: "stream_options", stream_options: { allow_cancel: true } },
    { type: "progress_update", icon: "search", text: "Looking things up…" },
    ...assistantMessage(ANSWER, { annotations: SOURCES, chunk: 6 }),
    { type: "widget.response_end" },
  ];
}

const SCENARIOS = { start: () => [], conversation, streaming, failure };

// --- boot -------------------------------------------------------------------------------

function log(line) {
  const el = document.getElementById("log");
  if (el && params.get("log") !== "0") el.textContent = `${line}\n${el.textContent}`.slice(0, 4000);
}

const theme = params.get("theme") ?? "light";
// theme=jp: JupyterLab's own theme variables, from a CSS file the caller points at.
const jpCss = params.get("jpcss");
if (jpCss) {
  const link = Object.assign(document.createElement("link"), { rel: "stylesheet", href: jpCss });
  await new Promise((resolve) => {
    link.onload = link.onerror = resolve;
    document.head.append(link);
  });
}
if (params.get("jpdark") === "1") document.body.dataset.jpThemeLight = "false";
if (theme === "dark") document.body.classList.add("dark");

const model = new DevModel({
  _protocol_version: Number(params.get("protocol") ?? 1),
  thread_id: null,
  is_responding: false,
  _thread: null,
  _transcript: [],
  title: null,
  greeting: "What can I help you analyze today?",
  prompts: [
    { label: "Summarize this notebook", prompt: "Summarize what this notebook does.", icon: "notebook" },
    { label: "Explain the last error", prompt: "Explain the last error and how to fix it.", icon: "bug" },
    { label: "Plot a column", prompt: "Plot the score column as a histogram.", icon: "chart" },
  ],
  placeholder: "Ask about your data…",
  disclaimer: "Answers can be wrong. Check important results. [Privacy](https://example.com/privacy)",
  theme: theme === "jp" ? "auto" : theme,
  height: params.get("height") ?? "620px",
  history: true,
  history_delete: true,
  history_rename: true,
  retry: true,
  feedback: true,
});

const widget = (await import("../../chatkit_widget/static/widget.js")).default;
const cleanupModel = await widget.initialize?.({ model });
const el = document.getElementById("cell");
const cleanupView = await widget.render({ model, el });
el.addEventListener("chatkit-widget:effect", (event) => log(`effect ${JSON.stringify(event.detail)}`));

window.harness = {
  model,
  play(name) {
    model.playNow(SCENARIOS[name]());
  },
  cleanup() {
    cleanupView?.();
    cleanupModel?.();
  },
};
const scenario = params.get("scenario");
if (scenario && scenario in SCENARIOS) setTimeout(() => window.harness.play(scenario), 50);
document.body.dataset.ready = "true";
