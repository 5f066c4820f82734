// The composer (ChatKit.js's): text, attachments (paperclip, drop, paste), @-mentions,
// tool and model pickers, quoted replies, dictation, and the Python composer API.
// Every feature is off unless its option is set, so a plain chat looks as it always did.

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { Icon, chatkitIcon } from "../icons";
import { type PerfHook, perfHook } from "../perf";
import type { Entity } from "../protocol";
import type { Store } from "../store";
import { Markdown } from "../components/Markdown";
import { ComposerAttachments, type PendingAttachment } from "./Attachments";
import { type Recording, startRecording } from "./dictation";
import { buildContent, insertMention, type MentionQuery, mentionAt } from "./mentions";
import { MentionMenu } from "./MentionMenu";
import { COMPOSER_TRAITS, type ComposerOptions, defaultModel, readComposerOptions } from "./options";
import { ModelPicker, ToolPicker } from "./Pickers";
import { uploadEndpoint } from "./httpUpload";
import { acceptAttribute, checkFiles, uploadFile } from "./uploads";
import "./composer.css";

const MAX_HEIGHT_PX = 200;
const SEARCH_DELAY_MS = 120;

let nextKey = 0;

function useComposerOptions(store: Store): ComposerOptions {
  const model = store.model;
  const [options, setOptions] = useState(() => readComposerOptions(model));
  useEffect(() => {
    const update = () => setOptions(readComposerOptions(model));
    for (const name of COMPOSER_TRAITS) model.on(`change:${name}`, update);
    return () => {
      for (const name of COMPOSER_TRAITS) model.off(`change:${name}`, update);
    };
  }, [model]);
  return options;
}

interface Selection {
  text: string;
  x: number;
  y: number;
}

export function Composer({ store, onSent, inputId }: { store: Store; onSent: () => void; inputId: string }) {
  const options = store.options.value;
  const composer = useComposerOptions(store);
  const [text, setText] = useState("");
  const [pending, setPending] = useState<PendingAttachment[]>([]);
  const [tags, setTags] = useState<Entity[]>([]);
  const [quote, setQuote] = useState<string | null>(null);
  const [tool, setTool] = useState<string | null>(null);
  const [model, setModel] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [mention, setMention] = useState<MentionQuery | null>(null);
  const [results, setResults] = useState<Entity[]>([]);
  const [active, setActive] = useState(0);
  const [recording, setRecording] = useState<Recording | null>(null);
  const [transcribing, setTranscribing] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [selection, setSelection] = useState<Selection | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  const areaRef = useRef<HTMLDivElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const pendingRef = useRef(pending);
  pendingRef.current = pending;

  const busy = store.busy();
  const canCancel = store.canCancel.value;
  const status = store.thread.value?.status;
  const offline = store.offline();
  const locked = (status !== undefined && status.type !== "active") || offline;
  const uploading = pending.some((p) => p.status === "uploading");
  const failed = pending.some((p) => p.status === "error");
  const ready = pending.filter((p) => p.status === "done" && p.attachment);
  const canSend = !busy && !locked && !uploading && !failed && (text.trim().length > 0 || ready.length > 0);
  const attachOptions = composer.attachments;
  const chosenTool = composer.tools.find((t) => t.id === tool) ?? null;
  const chosenModel = model ?? defaultModel(composer.models);

  const lockedReason = offline
    ? "Not connected to the kernel."
    : locked
      ? status?.reason || (status?.type === "closed" ? "This conversation is closed." : "This conversation is locked.")
      : null;
  const placeholder = offline ? "Not connected to the kernel" : (lockedReason ?? chosenTool?.placeholder_override ?? options.placeholder);

  // Grow with the text (or the placeholder) up to a limit, then scroll inside.
  const fit = () => {
    const area = ref.current;
    if (!area) return;
    area.style.height = "auto";
    area.style.height = `${Math.min(area.scrollHeight, MAX_HEIGHT_PX)}px`;
  };
  useLayoutEffect(fit, [text, placeholder]);
  // And again when the width changes: the first measure may come before the chat has its
  // final width (e.g. in an HBox), which cut a wrapped placeholder off.
  useLayoutEffect(() => {
    const area = ref.current;
    if (!area || typeof ResizeObserver === "undefined") return;
    let width = area.clientWidth;
    const observer = new ResizeObserver(() => {
      if (area.clientWidth === width) return;
      width = area.clientWidth;
      fit();
    });
    observer.observe(area);
    return () => observer.disconnect();
  }, []);

  // Local thumbnails are blob: URLs: free them when the composer goes.
  useEffect(() => () => pendingRef.current.forEach((p) => p.localUrl && URL.revokeObjectURL(p.localUrl)), []);

  // Look the upload endpoint up before the first file, not while it waits (one GET).
  const attaches = Boolean(attachOptions);
  useEffect(() => {
    if (attaches) void uploadEndpoint(store);
  }, [attaches, store]);

  // Benchmarks (bench_attachments.py) time uploads and round trips through the view.
  useEffect(() => {
    const perf = perfHook() as (PerfHook & { upload?: unknown; request?: unknown }) | undefined;
    if (!perf) return;
    perf.upload = (file: File) => uploadFile(store, file, () => undefined);
    perf.request = (query: string, buffers?: ArrayBuffer[]) => store.request("tag_search", { query }, buffers);
  }, [store]);

  // The Python composer API.
  useEffect(
    () =>
      store.onComposer((message) => {
        if (message.command === "focus") {
          ref.current?.focus();
          return;
        }
        setText(message.text ?? "");
        setTags([]);
        if (Array.isArray(message.attachments)) {
          setPending(
            message.attachments.map((attachment) => ({
              key: `k${++nextKey}`,
              name: attachment.name,
              size: 0,
              mime: attachment.mime_type,
              progress: 1,
              status: "done" as const,
              attachment,
            })),
          );
        }
        if (message.tool !== undefined) setTool(message.tool ?? null);
        if (message.model) setModel(message.model);
      }),
    [store],
  );

  // @-mention search, debounced; only the newest query's answer is shown.
  useEffect(() => {
    if (!mention || !composer.mentions) {
      setResults([]);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      store
        .request("tag_search", { query: mention.query })
        .then((result) => {
          if (!live) return;
          setResults(Array.isArray(result?.entities) ? result.entities.filter((e) => e && typeof e.id === "string") : []);
          setActive(0);
        })
        .catch(() => live && setResults([]));
    }, SEARCH_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [mention?.query, mention?.start, composer.mentions]);

  // Drop files anywhere on the chat; offer "Reply" on text selected in an answer.
  useEffect(() => {
    const root = areaRef.current?.closest(".ckw-root");
    if (!root) return;
    const hasFiles = (event: DragEvent) => Array.from(event.dataTransfer?.types ?? []).includes("Files");
    // A locked composer still takes the drop, to say why nothing was attached.
    const over = (event: Event) => {
      const drag = event as DragEvent;
      if (!attachOptions || !hasFiles(drag)) return;
      drag.preventDefault();
      if (drag.dataTransfer && lockedReason) drag.dataTransfer.dropEffect = "none";
      setDragging(true);
    };
    const leave = (event: Event) => {
      if (!root.contains((event as DragEvent).relatedTarget as Node | null)) setDragging(false);
    };
    const drop = (event: Event) => {
      const drag = event as DragEvent;
      setDragging(false);
      if (!attachOptions || !hasFiles(drag)) return;
      drag.preventDefault();
      const files = Array.from(drag.dataTransfer?.files ?? []);
      if (lockedReason) {
        const what = files.length === 1 ? files[0]!.name : `${files.length} files`;
        setNotice(`Cannot attach ${what}: ${lockedReason}`);
        return;
      }
      addFiles(files);
    };
    const select = () => {
      // After the browser has settled the selection.
      setTimeout(() => {
        const sel = root.ownerDocument.getSelection();
        const picked = sel && !sel.isCollapsed ? sel.toString().trim() : "";
        const anchor = sel?.anchorNode ? (sel.anchorNode.nodeType === 1 ? (sel.anchorNode as Element) : sel.anchorNode.parentElement) : null;
        const area = areaRef.current;
        if (!picked || !anchor?.closest(".ckw-assistant") || !root.contains(anchor) || !area || !sel) {
          setSelection(null);
          return;
        }
        const rect = sel.getRangeAt(0).getBoundingClientRect();
        const base = area.getBoundingClientRect();
        setSelection({ text: picked.slice(0, 2000), x: rect.left + rect.width / 2 - base.left, y: rect.top - base.top });
      }, 0);
    };
    root.addEventListener("dragover", over);
    root.addEventListener("dragleave", leave);
    root.addEventListener("drop", drop);
    root.addEventListener("mouseup", select);
    root.addEventListener("keyup", select);
    return () => {
      root.removeEventListener("dragover", over);
      root.removeEventListener("dragleave", leave);
      root.removeEventListener("drop", drop);
      root.removeEventListener("mouseup", select);
      root.removeEventListener("keyup", select);
    };
  });

  function update(key: string, change: Partial<PendingAttachment>) {
    setPending((items) => items.map((item) => (item.key === key ? { ...item, ...change } : item)));
  }

  function addFiles(files: File[]) {
    if (!attachOptions || files.length === 0) return;
    const problem = checkFiles(files, pendingRef.current.length, attachOptions);
    if (problem) {
      setNotice(problem);
      return;
    }
    setNotice(null);
    const added = files.map((file) => ({
      file,
      item: {
        key: `k${++nextKey}`,
        name: file.name,
        size: file.size,
        mime: file.type,
        progress: 0,
        status: "uploading" as const,
        localUrl: file.type.startsWith("image/") ? URL.createObjectURL(file) : undefined,
      },
    }));
    setPending((items) => [...items, ...added.map((a) => a.item)]);
    for (const { file, item } of added) {
      uploadFile(store, file, (progress) => update(item.key, { progress })).then(
        (attachment) => {
          // Removed while uploading: drop it in the kernel too.
          if (!pendingRef.current.some((p) => p.key === item.key)) {
            void store.request("attachment_delete", { attachment_id: attachment.id }).catch(() => undefined);
            return;
          }
          update(item.key, { status: "done", progress: 1, attachment });
        },
        (error: Error) => update(item.key, { status: "error", error: cleanError(error) }),
      );
    }
  }

  function remove(key: string) {
    const item = pending.find((p) => p.key === key);
    if (!item) return;
    if (item.localUrl) URL.revokeObjectURL(item.localUrl);
    if (item.attachment) void store.request("attachment_delete", { attachment_id: item.attachment.id }).catch(() => undefined);
    setPending((items) => items.filter((p) => p.key !== key));
    setNotice(null);
  }

  const submit = () => {
    if (!canSend) return;
    const trimmed = text.trim();
    const content = buildContent(trimmed, tags);
    const sent = store.sendMessage({
      text: trimmed,
      ...(content ? { content } : {}),
      ...(ready.length ? { attachments: ready.map((p) => p.attachment!.id) } : {}),
      ...(quote ? { quoted_text: quote } : {}),
      ...(tool ? { tool_choice: tool } : {}),
      ...(chosenModel ? { model: chosenModel } : {}),
    });
    if (!sent) return;
    for (const item of pending) if (item.localUrl) URL.revokeObjectURL(item.localUrl);
    setText("");
    setPending([]);
    setTags([]);
    setQuote(null);
    setNotice(null);
    setMention(null);
    if (!chosenTool?.persistent) setTool(null);
    onSent();
  };

  const follow = (value: string, caret: number) => {
    setMention(composer.mentions ? mentionAt(value, caret) : null);
  };

  const choose = (entity: Entity) => {
    const area = ref.current;
    if (!mention || !area) return;
    const next = insertMention(text, mention, area.selectionStart ?? text.length, entity);
    setText(next.text);
    setTags((known) => [...known.filter((t) => t.id !== entity.id), entity]);
    setMention(null);
    requestAnimationFrame(() => {
      area.focus();
      area.setSelectionRange(next.caret, next.caret);
    });
  };

  const menuOpen = mention !== null && results.length > 0;

  const onKeyDown = (event: KeyboardEvent) => {
    // JupyterLab handles keys at the document: without this, Enter runs the cell and
    // letters trigger notebook shortcuts.
    event.stopPropagation();
    if (menuOpen) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        setActive((index) => (index + step + results.length) % results.length);
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && !event.isComposing) {
        event.preventDefault();
        const entity = results[Math.min(active, results.length - 1)];
        if (entity) choose(entity);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        setMention(null);
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    }
  };
  const stop = (event: Event) => event.stopPropagation();

  const onPaste = (event: ClipboardEvent) => {
    if (!attachOptions) return;
    const files = Array.from(event.clipboardData?.files ?? []);
    if (files.length === 0) return;
    event.preventDefault();
    addFiles(files.map((file, i) => (file.name && file.name !== "image.png" ? file : renamePasted(file, i))));
  };

  const toggleDictation = async () => {
    if (recording) {
      setRecording(null);
      setTranscribing(true);
      try {
        const audio = await recording.stop();
        const result = await store.request("transcribe", { mime_type: audio.mimeType }, [audio.data]);
        const spoken = typeof result?.text === "string" ? result.text.trim() : "";
        if (spoken) setText((current) => (current.trim() ? `${current.replace(/\s+$/, "")} ${spoken}` : spoken));
        ref.current?.focus();
      } catch (error) {
        setNotice(`Dictation failed: ${cleanError(error as Error)}`);
      } finally {
        setTranscribing(false);
      }
      return;
    }
    try {
      setNotice(null);
      setRecording(await startRecording());
    } catch (error) {
      setNotice(`Cannot record: ${cleanError(error as Error)}`);
    }
  };

  const rich = pending.length > 0 || quote !== null || notice !== null;
  const menuTools = useMemo(() => composer.tools.filter((t) => !t.pinned), [composer.tools]);
  // A class, not a CSS `:has()`: Chromium answered that rule's changes (Send turning into
  // Stop) by restyling every element of the output area, the whole thread (issue 14).
  const pickers = menuTools.length > 0 || (chosenTool !== null && !chosenTool.pinned) || composer.models.length > 0;
  const pinnedTools = useMemo(() => composer.tools.filter((t) => t.pinned), [composer.tools]);

  return (
    <div class="ckw-composer-area" ref={areaRef}>
      {dragging ? (
        <div class={`ckw-drop-overlay${lockedReason ? " ckw-drop-overlay--refused" : ""}`} aria-hidden="true">
          <Icon name={lockedReason ? "warning" : "paperclip"} size={20} />
          {lockedReason ? `Cannot attach files: ${lockedReason}` : "Drop files to attach"}
        </div>
      ) : null}
      {selection && !locked ? (
        <button
          type="button"
          class="ckw-quote-button"
          style={{ left: `${selection.x}px`, top: `${selection.y}px` }}
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => {
            setQuote(selection.text);
            setSelection(null);
            areaRef.current?.ownerDocument.getSelection()?.removeAllRanges();
            ref.current?.focus();
          }}
        >
          <Icon name="quote" size={12} />
          Reply
        </button>
      ) : null}
      {menuOpen ? <MentionMenu entities={results} active={active} onChoose={choose} onHover={setActive} /> : null}
      <form
        class={`ckw-composer${locked ? " ckw-composer--locked" : ""}${rich ? " ckw-composer--rich" : ""}${pickers ? " ckw-composer--pickers" : ""}`}
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        {quote !== null ? (
          <div class="ckw-composer-quote">
            <Icon name="quote" size={12} />
            <span class="ckw-composer-quote-text">{quote}</span>
            <button type="button" class="ckw-attachment-remove" aria-label="Remove quote" title="Remove quote" onClick={() => setQuote(null)}>
              <Icon name="close" size={12} />
            </button>
          </div>
        ) : null}
        {pending.length > 0 ? <ComposerAttachments items={pending} onRemove={remove} /> : null}
        {notice ? (
          <div class="ckw-composer-notice" role="alert">
            <Icon name="warning" size={14} />
            <span>{notice}</span>
            <button type="button" class="ckw-attachment-remove" aria-label="Dismiss" onClick={() => setNotice(null)}>
              <Icon name="close" size={12} />
            </button>
          </div>
        ) : null}
        <div class={`ckw-composer-row${pickers ? " ckw-composer-row--pickers" : ""}`}>
          {attachOptions ? (
            <>
              <button
                type="button"
                class="ckw-icon-button ckw-composer-button"
                aria-label="Attach files"
                title="Attach files"
                disabled={locked}
                onClick={() => fileRef.current?.click()}
              >
                <Icon name="paperclip" size={18} />
              </button>
              <input
                ref={fileRef}
                type="file"
                multiple
                class="ckw-sr-only"
                tabIndex={-1}
                aria-hidden="true"
                accept={acceptAttribute(attachOptions.accept)}
                onChange={(event) => {
                  const input = event.currentTarget as HTMLInputElement;
                  addFiles(Array.from(input.files ?? []));
                  input.value = "";
                }}
              />
            </>
          ) : null}
          {pinnedTools.map((t) => (
            <button
              key={t.id}
              type="button"
              class={`ckw-icon-button ckw-composer-button${tool === t.id ? " ckw-selected" : ""}`}
              aria-pressed={tool === t.id}
              aria-label={t.label}
              title={t.label}
              disabled={locked}
              onClick={() => setTool(tool === t.id ? null : t.id)}
            >
              <Icon name={chatkitIcon(t.icon ?? "tool")} size={18} />
            </button>
          ))}
          {menuTools.length > 0 ? <ToolPicker tools={menuTools} value={tool} onChange={setTool} disabled={locked} /> : null}
          {chosenTool && !chosenTool.pinned ? (
            <span class="ckw-tool-chip">
              <Icon name={chatkitIcon(chosenTool.icon ?? "tool")} size={12} />
              {chosenTool.short_label ?? chosenTool.label}
              <button type="button" class="ckw-attachment-remove" aria-label={`Remove ${chosenTool.label}`} onClick={() => setTool(null)}>
                <Icon name="close" size={10} />
              </button>
            </span>
          ) : null}
          <label class="ckw-sr-only" for={inputId}>
            Message
          </label>
          <textarea
            id={inputId}
            ref={ref}
            class="ckw-input"
            rows={1}
            value={text}
            placeholder={placeholder}
            disabled={locked}
            aria-label="Message"
            aria-autocomplete={composer.mentions ? "list" : undefined}
            aria-expanded={composer.mentions ? menuOpen : undefined}
            onInput={(event) => {
              const area = event.currentTarget as HTMLTextAreaElement;
              setText(area.value);
              follow(area.value, area.selectionStart ?? area.value.length);
            }}
            onClick={(event) => {
              const area = event.currentTarget as HTMLTextAreaElement;
              follow(area.value, area.selectionStart ?? area.value.length);
            }}
            onBlur={() => setTimeout(() => setMention(null), 150)}
            onKeyDown={onKeyDown}
            onKeyUp={stop}
            onKeyPress={stop}
            onPaste={onPaste}
          />
          {composer.models.length > 0 ? (
            <ModelPicker models={composer.models} value={chosenModel} onChange={setModel} disabled={locked} />
          ) : null}
          {composer.dictation ? (
            <button
              type="button"
              class={`ckw-icon-button ckw-composer-button${recording ? " ckw-recording" : ""}`}
              aria-label={recording ? "Stop dictation" : "Dictate"}
              aria-pressed={recording !== null}
              title={recording ? "Stop and transcribe" : "Dictate"}
              disabled={locked || transcribing}
              onClick={() => void toggleDictation()}
            >
              {recording ? <Icon name="stop" size={16} /> : <Icon name="mic" size={18} />}
            </button>
          ) : null}
          {canCancel ? (
            <button type="button" class="ckw-send ckw-stop" aria-label="Stop" title="Stop" onClick={() => store.cancel()}>
              <Icon name="stop" size={16} />
            </button>
          ) : (
            <button
              type="submit"
              class="ckw-send"
              aria-label="Send message"
              title={busy ? "Waiting for the response" : uploading ? "Waiting for uploads" : "Send (Enter)"}
              disabled={!canSend}
            >
              <Icon name="arrowUp" size={16} />
            </button>
          )}
        </div>
      </form>
      {offline ? (
        <div class="ckw-offline" role="status">
          <Icon name="info" size={14} />
          Not connected to the kernel. If a cell is still running, the chat catches up when it
          finishes; otherwise this is the saved conversation: run the cell again to chat.
        </div>
      ) : null}
      {options.disclaimer ? <Markdown text={options.disclaimer} class="ckw-disclaimer" /> : null}
    </div>
  );
}

/** Pasted screenshots are all called "image.png": give each its own name. */
function renamePasted(file: File, index: number): File {
  const ext = file.type.split("/")[1]?.replace("jpeg", "jpg") || "png";
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  return new File([file], `pasted-${stamp}${index ? `-${index}` : ""}.${ext}`, { type: file.type });
}

function cleanError(error: Error): string {
  return (error?.message || String(error)).replace(/^(ValueError|RuntimeError|NotFoundError): /, "");
}
