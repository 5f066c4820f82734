import { useState } from "preact/hooks";
import type { Task, WorkflowItem } from "../chatkit";
import { chatkitIcon, Icon, Spinner } from "../icons";
import { Markdown } from "./Markdown";
import { SourceLink } from "./Messages";

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m}m ${s % 60}s` : `${m}m`;
}

function summaryLabel(item: WorkflowItem, streaming: boolean): string {
  const { summary, type } = item.workflow;
  const reasoning = type === "reasoning";
  if (summary && "title" in summary && summary.title) return summary.title;
  if (summary && "duration" in summary && typeof summary.duration === "number") {
    return `${reasoning ? "Thought" : "Worked"} for ${formatDuration(summary.duration)}`;
  }
  if (streaming) return reasoning ? "Thinking…" : "Working…";
  return reasoning ? "Thought" : "Worked";
}

export function WorkflowView({ item, streaming }: { item: WorkflowItem; streaming: boolean }) {
  const workflow = item.workflow;
  const tasks = Array.isArray(workflow.tasks) ? workflow.tasks : [];
  // Open while it streams (or when the server asks), until the user decides.
  const [toggled, setToggled] = useState<boolean | null>(null);
  const expanded = toggled ?? (streaming || Boolean(workflow.expanded));
  const label = summaryLabel(item, streaming);
  const summaryIcon =
    workflow.summary && "icon" in workflow.summary && workflow.summary.icon ? chatkitIcon(workflow.summary.icon) : null;
  const bodyId = `ckw-wf-${item.id}`;
  return (
    <div class={`ckw-workflow${streaming ? " ckw-workflow--live" : ""}`}>
      <button
        type="button"
        class="ckw-workflow-header"
        aria-expanded={expanded}
        aria-controls={bodyId}
        onClick={() => setToggled(!expanded)}
        disabled={tasks.length === 0}
      >
        {streaming && !workflow.summary ? <Spinner /> : summaryIcon ? <Icon name={summaryIcon} size={14} /> : null}
        <span class={streaming && !workflow.summary ? "ckw-shimmer" : undefined}>{label}</span>
        {tasks.length > 0 ? <Icon name="chevronRight" size={14} class={`ckw-chevron${expanded ? " ckw-open" : ""}`} /> : null}
      </button>
      {expanded && tasks.length > 0 ? (
        <ol class="ckw-tasks" id={bodyId}>
          {tasks.map((task, index) => (
            <li key={index} class="ckw-task-entry">
              <TaskView task={task} streaming={streaming && index === tasks.length - 1} inWorkflow />
            </li>
          ))}
        </ol>
      ) : null}
    </div>
  );
}

function TaskStatus({ task, inWorkflow }: { task: Task; inWorkflow: boolean }) {
  const status = task.status_indicator ?? "none";
  if (inWorkflow && status === "loading") return <Spinner />;
  if (inWorkflow && status === "complete") return <Icon name="check" size={14} class="ckw-task-done" />;
  const icon =
    task.type === "custom"
      ? chatkitIcon(task.icon)
      : task.type === "web_search"
        ? "globe"
        : task.type === "file"
          ? "document"
          : task.type === "image"
            ? "image"
            : task.type === "thought"
              ? "lightbulb"
              : "dot";
  return <Icon name={icon} size={14} />;
}

function taskTitle(task: Task): string {
  switch (task.type) {
    case "web_search":
      return task.title || (task.title_query ? `Searched for “${task.title_query}”` : "Searched the web");
    case "file":
      return task.title || "Read files";
    case "image":
      return task.title || "Image";
    case "thought":
      return task.title || "";
    default:
      return task.title || "";
  }
}

export function TaskView({ task, streaming, inWorkflow = false }: { task: Task; streaming: boolean; inWorkflow?: boolean }) {
  const title = taskTitle(task);
  return (
    <div class={`ckw-task ckw-task--${task.type}`}>
      <span class="ckw-task-status">
        <TaskStatus task={task} inWorkflow={inWorkflow} />
      </span>
      <div class="ckw-task-body">
        {title ? <div class="ckw-task-title">{title}</div> : null}
        {task.type === "thought" || task.type === "custom" ? (
          task.content ? (
            <Markdown text={task.content} done={!streaming} class="ckw-task-content" />
          ) : null
        ) : null}
        {task.type === "web_search" && (task.queries?.length ?? 0) > 0 ? (
          <div class="ckw-task-chips">
            {task.queries?.map((query) => (
              <span key={query} class="ckw-chip">
                <Icon name="search" size={12} />
                {query}
              </span>
            ))}
          </div>
        ) : null}
        {(task.type === "web_search" || task.type === "file") && (task.sources?.length ?? 0) > 0 ? (
          <div class="ckw-task-chips">
            {task.sources?.map((source, index) => (
              <SourceLink key={index} source={source} />
            ))}
          </div>
        ) : null}
      </div>
    </div>
  );
}
