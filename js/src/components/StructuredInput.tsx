// Structured input (ChatKit's StructuredInputItem): a pending item's questions take the
// composer's place with Submit and Skip; answered and skipped items show their answers.

import { useMemo, useState } from "preact/hooks";
import type { StructuredInput, StructuredInputItem } from "../chatkit";
import { Icon, Spinner } from "../icons";
import type { Store } from "../store";
import "./StructuredInput.css";

interface Draft {
  /** Chosen options of each multiple-choice question. */
  chosen: Record<string, string[]>;
  /** Typed text: a freeform answer, or a choice question's "other" answer. */
  typed: Record<string, string>;
}

/** The answers to submit: question id → values; unanswered questions are left out (skipped). */
export function collectAnswers(inputs: readonly StructuredInput[], draft: Draft): Record<string, string[]> {
  const answers: Record<string, string[]> = {};
  for (const input of inputs) {
    const typed = (draft.typed[input.id] ?? "").trim();
    const chosen = input.type === "multiple_choice" ? (draft.chosen[input.id] ?? []) : [];
    const values = input.type === "multiple_choice" && !input.multiple ? (typed ? [typed] : chosen.slice(0, 1)) : [...chosen, ...(typed ? [typed] : [])];
    if (values.length) answers[input.id] = values;
  }
  return answers;
}

let nextFormId = 0;

/** The pending structured input in the composer's place. */
export function StructuredInputPanel({ store, item }: { store: Store; item: StructuredInputItem }) {
  const [draft, setDraft] = useState<Draft>({ chosen: {}, typed: {} });
  const [submitting, setSubmitting] = useState<"answer" | "skip" | null>(null);
  const formId = useMemo(() => `ckw-si-${++nextFormId}`, []);
  const inputs = item.inputs;
  const answers = collectAnswers(inputs, draft);
  const answered = Object.keys(answers).length;
  const busy = store.busy() || submitting !== null;

  const choose = (input: StructuredInput, value: string, on: boolean) =>
    setDraft((d) => {
      const multiple = input.type === "multiple_choice" && input.multiple === true;
      const current = d.chosen[input.id] ?? [];
      const chosen = multiple ? (on ? [...current.filter((v) => v !== value), value] : current.filter((v) => v !== value)) : on ? [value] : [];
      // A single choice is either an option or the typed answer, never both.
      const typed = multiple ? d.typed : { ...d.typed, [input.id]: "" };
      return { chosen: { ...d.chosen, [input.id]: chosen }, typed };
    });
  const type = (input: StructuredInput, text: string) =>
    setDraft((d) => {
      const single = input.type === "multiple_choice" && !input.multiple;
      const chosen = single && text.trim() ? { ...d.chosen, [input.id]: [] } : d.chosen;
      return { chosen, typed: { ...d.typed, [input.id]: text } };
    });

  const finish = (kind: "answer" | "skip") => {
    if (busy || (kind === "answer" && answered === 0)) return;
    setSubmitting(kind);
    // Settles when the server's response has ended; the item is replaced before that.
    void store.answer(item.id, kind === "answer" ? answers : {}, kind === "skip").then(() => setSubmitting(null));
  };

  // JupyterLab handles keys at the document: keep typing and Enter inside the panel.
  const onKeyDown = (event: KeyboardEvent) => {
    event.stopPropagation();
    const target = event.target as HTMLElement | null;
    if (event.key === "Enter" && (event.metaKey || event.ctrlKey) && target?.tagName === "TEXTAREA") {
      event.preventDefault();
      finish("answer");
    }
  };
  const stop = (event: Event) => event.stopPropagation();

  return (
    <div class="ckw-si-area">
      <form
        class="ckw-si"
        aria-label="Questions from the assistant"
        aria-busy={submitting !== null}
        onSubmit={(event) => {
          event.preventDefault();
          finish("answer");
        }}
        onKeyDown={onKeyDown}
        onKeyUp={stop}
        onKeyPress={stop}
      >
        <div class="ckw-si-questions">
          {inputs.map((input, index) => (
            <Question
              key={input.id}
              input={input}
              name={`${formId}-${index}`}
              draft={draft}
              onChoose={choose}
              onType={type}
            />
          ))}
        </div>
        <div class="ckw-si-footer">
          <span class="ckw-si-count" aria-live="polite">
            {answered} of {inputs.length} answered
          </span>
          <button type="button" class="ckw-button ckw-si-skip" disabled={busy} onClick={() => finish("skip")}>
            {submitting === "skip" ? <Spinner /> : null}
            Skip
          </button>
          <button type="submit" class="ckw-button ckw-si-submit" disabled={busy || answered === 0}>
            {submitting === "answer" ? <Spinner /> : <Icon name="check" size={14} />}
            Submit
          </button>
        </div>
      </form>
    </div>
  );
}

interface QuestionProps {
  input: StructuredInput;
  name: string;
  draft: Draft;
  onChoose: (input: StructuredInput, value: string, on: boolean) => void;
  onType: (input: StructuredInput, text: string) => void;
}

function Question({ input, name, draft, onChoose, onType }: QuestionProps) {
  const typed = draft.typed[input.id] ?? "";
  const hintId = `${name}-hint`;
  if (input.type !== "multiple_choice") {
    return (
      <div class="ckw-si-question">
        <label class="ckw-si-legend" for={`${name}-text`}>
          {input.question}
        </label>
        {input.description ? (
          <div class="ckw-si-hint" id={hintId}>
            {input.description}
          </div>
        ) : null}
        <textarea
          id={`${name}-text`}
          class="ckw-si-text"
          rows={2}
          value={typed}
          aria-describedby={input.description ? hintId : undefined}
          onInput={(event) => onType(input, (event.currentTarget as HTMLTextAreaElement).value)}
        />
      </div>
    );
  }
  const multiple = input.multiple === true;
  const chosen = draft.chosen[input.id] ?? [];
  return (
    <fieldset class="ckw-si-question">
      <legend class="ckw-si-legend">{input.question}</legend>
      {multiple ? <div class="ckw-si-hint">Choose any that apply.</div> : null}
      <div class="ckw-si-options">
        {(input.options ?? []).map((option) => (
          <label key={option.value} class="ckw-si-option">
            <input
              type={multiple ? "checkbox" : "radio"}
              name={name}
              value={option.value}
              checked={chosen.includes(option.value)}
              onChange={(event) => onChoose(input, option.value, (event.currentTarget as HTMLInputElement).checked)}
            />
            <span>{option.value}</span>
          </label>
        ))}
      </div>
      <input
        type="text"
        class="ckw-si-other"
        placeholder="Other answer…"
        aria-label={`${input.question} Other answer`}
        value={typed}
        onInput={(event) => onType(input, (event.currentTarget as HTMLInputElement).value)}
      />
    </fieldset>
  );
}

/** The item in the thread: its questions while pending, then what was answered. */
export function StructuredInputItemView({ item }: { item: StructuredInputItem }) {
  const inputs = Array.isArray(item.inputs) ? item.inputs : [];
  const status = item.status ?? "pending";
  return (
    <div class="ckw-si-item" data-status={status}>
      <div class="ckw-si-item-head">
        <Icon name={status === "pending" ? "info" : "check"} size={14} />
        {status === "pending"
          ? `${inputs.length === 1 ? "A question" : `${inputs.length} questions`} for you: answer below`
          : status === "skipped"
          ? "Questions skipped"
          : "Your answers"}
      </div>
      {/* While pending, the questions are in the panel below: no need to list them twice. */}
      {status === "pending" ? null : (
      <dl class="ckw-si-item-list">
        {inputs.map((input) => {
          const values = input.answer?.values ?? [];
          const skipped = status === "skipped" || input.answer?.skipped === true || (status === "answered" && values.length === 0);
          return (
            <div key={input.id} class="ckw-si-item-row">
              <dt>{input.question}</dt>
              <dd>
                {skipped ? (
                  <span class="ckw-si-muted">Skipped</span>
                ) : (
                  values.map((value, index) => (
                    <span key={index} class="ckw-si-answer">
                      {value}
                    </span>
                  ))
                )}
              </dd>
            </div>
          );
        })}
      </dl>
      )}
    </div>
  );
}
