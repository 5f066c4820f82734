// ChatKit widget trees (`chatkit/widgets.py`) rendered as Preact components.
//
// One WidgetRootView per widget item owns the interactive state (pending actions, field
// errors, "show more", the "not connected" note); the tree below it is a pure function of
// the widget JSON, keyed by each node's `key`/`id` so streamed updates patch in place.
// Every string from the server is text (never HTML) except `Markdown`, which goes through
// the assistant-markdown pipeline and its sanitizer; images load only from the thread's
// allowed domains; CSS values are filtered by `cssValue`.

import { Component, type ComponentChildren, createContext, type VNode } from "preact";
import { useContext, useMemo, useRef, useState } from "preact/hooks";
import type { WidgetItem, WidgetNode } from "../chatkit";
import { memo } from "../components/memo";
import { WidgetFallback, widgetText } from "../components/Items";
import { Markdown } from "../components/Markdown";
import { safeHref } from "../components/Messages";
import { blockedImageLabel, isAllowedImage } from "../sanitize";
import { type ActionConfig, type ActionSource, isAction, loadingFor, type OnWidgetAction } from "./actions";
import { Chart } from "./chart";
import { buildPayload, collectValues, controlValue, FIELD_ATTR, type FormValue } from "./payload";
import { boxStyle, block, color, dim, RADIUS, space, type Style, textStyle } from "./style";
import { ICON_SIZE, WidgetIcon } from "./icons";
import "./widgets.css";

type Node = WidgetNode & Record<string, unknown>;

interface Ctx {
  uid: string;
  imageDomains: readonly string[] | null | undefined;
  streaming: boolean;
  pending: ReadonlySet<string>;
  errors: Readonly<Record<string, string>>;
  /** `own`: a changed control's name and value; `bySubmitter`: a submit came from a button. */
  fire: (
    action: ActionConfig,
    key: string,
    source: ActionSource,
    el: Element | null,
    own?: [string, FormValue],
    bySubmitter?: boolean,
  ) => void;
  clearError: (key: string) => void;
  /** Actions of submit buttons by key, read when their form submits. */
  submitActions: Map<string, ActionConfig>;
  /** Inside a <form> already (a Form in an asForm Card renders as a group). */
  inForm: boolean;
}

const WidgetCtx = createContext<Ctx | null>(null);

let nextUid = 0;

function str(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
}

function childList(node: Node): Node[] {
  const c = node.children;
  if (Array.isArray(c)) return c.filter((x): x is Node => !!x && typeof x === "object");
  if (c && typeof c === "object") return [c as Node];
  return [];
}

function childKey(node: Node, index: number): string {
  return typeof node.key === "string" ? `k:${node.key}` : typeof node.id === "string" ? `i:${node.id}` : `n:${index}`;
}

function Children({ node, path }: { node: Node; path: string }) {
  return (
    <>
      {childList(node).map((child, index) => (
        <NodeView key={childKey(child, index)} node={child} path={`${path}.${index}`} />
      ))}
    </>
  );
}

function fieldId(ctx: Ctx, name: string): string {
  return `${ctx.uid}-f-${name.replace(/[^\w.-]/g, "_")}`;
}

// --- layout -------------------------------------------------------------------------------------

function BoxView({ node, path, direction }: { node: Node; path: string; direction: "row" | "col" }) {
  return (
    <div class={`ckw-w-box ckw-w-${direction}`} style={boxStyle(node)}>
      <Children node={node} path={path} />
    </div>
  );
}

function FormView({ node, path }: { node: Node; path: string }) {
  const ctx = useContext(WidgetCtx) as Ctx;
  const direction = node.direction === "row" ? "row" : "col";
  const action = isAction(node.onSubmitAction) ? node.onSubmitAction : null;
  const inner = useMemo(() => ({ ...ctx, inForm: true }), [ctx]);
  const body = (
    <WidgetCtx.Provider value={inner}>
      <Children node={node} path={path} />
    </WidgetCtx.Provider>
  );
  if (ctx.inForm) {
    return (
      <div class={`ckw-w-box ckw-w-${direction}`} role="group" style={boxStyle(node)}>
        {body}
      </div>
    );
  }
  return (
    <form
      class={`ckw-w-box ckw-w-${direction} ckw-w-form`}
      style={boxStyle(node)}
      onSubmit={(event) => {
        event.preventDefault();
        submit(ctx, event, action, path);
      }}
      onInvalidCapture={(event) => markInvalid(ctx, event)}
    >
      {body}
    </form>
  );
}

/** A form passed validation: fire its submitter's action, or the form's own. */
function submit(ctx: Ctx, event: SubmitEvent | Event, formAction: ActionConfig | null, formKey: string): void {
  const submitter = (event as SubmitEvent).submitter ?? null;
  const key = submitter?.getAttribute("data-ckw-key") ?? null;
  const own = key ? ctx.submitActions.get(key) : undefined;
  const action = own ?? formAction;
  if (!action) return;
  const source: ActionSource = key === `${formKey}:confirm` ? "confirm" : "submit";
  ctx.fire(action, key ?? formKey, source, (event.currentTarget as Element) ?? null, undefined, key !== null);
}

function markInvalid(ctx: Ctx, event: Event): void {
  const el = event.target as HTMLInputElement;
  const key = el?.getAttribute?.("data-ckw-key");
  if (key) (ctx as Ctx & { setError?: (key: string, message: string) => void }).setError?.(key, el.validationMessage || "Invalid value");
}

function Spacer({ node }: { node: Node }) {
  const min = dim(node.minSize);
  return <div class="ckw-w-spacer" style={min ? { "min-width": min, "min-height": min } : undefined} />;
}

function Divider({ node }: { node: Node }) {
  const style: Style = {};
  const c = color(node.color, "border");
  if (c) style["border-top-color"] = c;
  const size = dim(node.size);
  if (size) style["border-top-width"] = size;
  const gap = space(node.spacing);
  if (gap) style["margin-block"] = gap;
  return <hr class={`ckw-w-divider${node.flush ? " ckw-w-flush" : ""}`} style={style} />;
}

function TransitionView({ node, path }: { node: Node; path: string }) {
  const children = childList(node);
  return (
    <div class="ckw-w-transition">
      {children.map((child, index) => (
        // A new child (other key or type) mounts fresh and fades in.
        <div key={`${childKey(child, index)}:${child.type}`} class="ckw-w-transition-child">
          <NodeView node={child} path={`${path}.${index}`} />
        </div>
      ))}
    </div>
  );
}

// --- text ---------------------------------------------------------------------------------------

function TextView({ node, path }: { node: Node; path: string }) {
  const ctx = useContext(WidgetCtx) as Ctx;
  const size = typeof node.size === "string" ? node.size : "md";
  const cls = `ckw-w-text ckw-w-text-${size}${node.truncate ? " ckw-w-truncate" : ""}`;
  const editable = node.editable && typeof node.editable === "object" ? (node.editable as Record<string, unknown>) : null;
  if (editable && typeof editable.name === "string") {
    const name = editable.name;
    return (
      <Field ctx={ctx} path={path}>
        <input
          type="text"
          class={`${cls} ckw-w-text-editable`}
          style={textStyle(node)}
          id={fieldId(ctx, name)}
          {...{ [FIELD_ATTR]: name, "data-ckw-key": path }}
          defaultValue={str(node.value)}
          placeholder={str(editable.placeholder) || undefined}
          required={editable.required === true}
          pattern={str(editable.pattern) || undefined}
          autoComplete={str(editable.autoComplete) || "off"}
          autoFocus={editable.autoFocus === true}
          onFocus={editable.autoSelect ? (e) => (e.currentTarget as HTMLInputElement).select() : undefined}
          onInput={() => ctx.clearError(path)}
        />
      </Field>
    );
  }
  return (
    <div class={cls} style={textStyle(node)}>
      {str(node.value)}
    </div>
  );
}

function TitleView({ node }: { node: Node }) {
  const size = typeof node.size === "string" ? node.size : "md";
  return (
    <div class={`ckw-w-title ckw-w-title-${size}${node.truncate ? " ckw-w-truncate" : ""}`} role="heading" aria-level={3} style={textStyle(node)}>
      {str(node.value)}
    </div>
  );
}

function CaptionView({ node }: { node: Node }) {
  const size = typeof node.size === "string" ? node.size : "md";
  return (
    <div class={`ckw-w-caption ckw-w-caption-${size}${node.truncate ? " ckw-w-truncate" : ""}`} style={textStyle(node)}>
      {str(node.value)}
    </div>
  );
}

function LabelView({ node }: { node: Node }) {
  const ctx = useContext(WidgetCtx) as Ctx;
  const size = typeof node.size === "string" ? node.size : "sm";
  return (
    <label class={`ckw-w-label ckw-w-text-${size}`} for={fieldId(ctx, str(node.fieldName))} style={textStyle(node)}>
      {str(node.value)}
    </label>
  );
}

function MarkdownView({ node }: { node: Node }) {
  const ctx = useContext(WidgetCtx) as Ctx;
  return <Markdown class="ckw-w-markdown" text={str(node.value)} done={!ctx.streaming} imageDomains={ctx.imageDomains} />;
}

// --- content ------------------------------------------------------------------------------------

function Badge({ node }: { node: Node }) {
  const tone = typeof node.color === "string" ? node.color : "secondary";
  const variant = typeof node.variant === "string" ? node.variant : "soft";
  const size = typeof node.size === "string" ? node.size : "sm";
  return <span class={`ckw-w-badge ckw-w-tone-${tone} ckw-w-badge-${variant} ckw-w-badge-${size}${node.pill ? " ckw-w-pill" : ""}`}>{str(node.label)}</span>;
}

function IconView({ node }: { node: Node }) {
  const size = ICON_SIZE[str(node.size)] ?? 16;
  return <WidgetIcon name={node.name} size={size} color={color(node.color, "text")} />;
}

function ImageView({ node }: { node: Node }) {
  const ctx = useContext(WidgetCtx) as Ctx;
  const src = str(node.src);
  const style: Style = {};
  block(style, node);
  const bg = color(node.background, "bg");
  if (bg) style.background = bg;
  if (typeof node.fit === "string" && /^[a-z-]+$/.test(node.fit)) style["object-fit"] = node.fit;
  if (typeof node.position === "string" && /^[a-z ]+$/.test(node.position)) style["object-position"] = node.position;
  const cls = `ckw-w-image${node.frame ? " ckw-w-frame" : ""}${node.flush ? " ckw-w-flush" : ""}`;
  if (isAllowedImage(src, ctx.imageDomains)) {
    return <img class={cls} src={src} alt={str(node.alt)} loading="lazy" referrerpolicy="no-referrer" style={style} />;
  }
  const href = safeHref(src);
  const label = blockedImageLabel(src, str(node.alt));
  // A sized image keeps its box (size, frame, radius, flex) so the layout around it holds;
  // the label is clipped inside. Its fit, position and background are for pixels only.
  const box: Style = {};
  block(box, node);
  const sized = Object.keys(box).some((key) => key !== "margin" && !key.startsWith("margin-"));
  const blockedCls = `ckw-w-image-blocked${sized ? " ckw-w-image-blocked--sized" : ""}${node.frame ? " ckw-w-frame" : ""}`;
  return (
    <span class={blockedCls} title="Image not from an allowed domain" style={box}>
      <WidgetIcon name="lucide:image" size={14} />
      {href ? (
        <a href={href} target="_blank" rel="noopener noreferrer" title={href}>
          {label}
        </a>
      ) : (
        <span>{label}</span>
      )}
    </span>
  );
}

// --- controls -----------------------------------------------------------------------------------

function Field({ ctx, path, children, block: isBlock = false }: { ctx: Ctx; path: string; children: ComponentChildren; block?: boolean }) {
  const error = ctx.errors[path];
  return (
    <span class={`ckw-w-field${isBlock ? " ckw-w-block" : ""}`} data-invalid={error ? "true" : undefined}>
      {children}
      {error ? (
        <span class="ckw-w-field-error" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}

function ButtonView({ node, path }: { node: Node; path: string }) {
  const ctx = useContext(WidgetCtx) as Ctx;
  const action = isAction(node.onClickAction) ? node.onClickAction : null;
  const isSubmit = node.submit === true && ctx.inForm;
  if (isSubmit && action) ctx.submitActions.set(path, action);
  else ctx.submitActions.delete(path);
  const busy = ctx.pending.has(path);
  return (
    <WidgetButton
      node={node}
      keyName={path}
      busy={busy}
      type={isSubmit ? "submit" : "button"}
      onClick={
        isSubmit
          ? undefined
          : (event) => {
              if (action) ctx.fire(action, path, "click", event.currentTarget as Element);
            }
      }
    />
  );
}

export function WidgetButton({
  node,
  keyName,
  busy,
  type,
  onClick,
}: {
  node: Record<string, unknown>;
  keyName: string;
  busy: boolean;
  type: "button" | "submit";
  onClick?: (event: MouseEvent) => void;
}) {
  // Defaults as documented for ChatKit's Button: color "secondary", variant "solid", size
  // "md"; `style` is a preset for the colour.
  const preset = node.style === "primary" || node.style === "secondary" ? node.style : null;
  const tone = typeof node.color === "string" ? node.color : (preset ?? "secondary");
  const variant = typeof node.variant === "string" ? node.variant : "solid";
  const size = typeof node.size === "string" ? node.size : "md";
  const iconSize = ICON_SIZE[str(node.iconSize)] ?? (size === "lg" || size === "xl" || size.startsWith("2") || size.startsWith("3") ? 18 : 16);
  const label = str(node.label);
  const cls = [
    "ckw-w-button",
    `ckw-w-tone-${tone}`,
    `ckw-w-button-${variant}`,
    `ckw-w-size-${size}`,
    node.pill ? "ckw-w-pill" : "",
    node.block ? "ckw-w-block" : "",
    node.uniform || (!label && (node.iconStart || node.iconEnd)) ? "ckw-w-uniform" : "",
    busy ? "ckw-w-busy" : "",
  ]
    .filter(Boolean)
    .join(" ");
  return (
    <button
      type={type}
      class={cls}
      disabled={node.disabled === true}
      aria-busy={busy ? "true" : undefined}
      aria-label={!label ? str(node.iconStart || node.iconEnd) || undefined : undefined}
      data-ckw-key={keyName}
      onClick={(event) => {
        // A pending action: further clicks do nothing (and do not submit the form again).
        if (busy) {
          event.preventDefault();
          return;
        }
        onClick?.(event);
      }}
    >
      {node.iconStart ? <WidgetIcon name={node.iconStart} size={iconSize} /> : null}
      {label ? <span class="ckw-w-button-label">{label}</span> : null}
      {node.iconEnd ? <WidgetIcon name={node.iconEnd} size={iconSize} /> : null}
      {busy ? <span class="ckw-w-spinner" aria-hidden="true" /> : null}
    </button>
  );
}

function controlClass(node: Node, base: string): string {
  const variant = typeof node.variant === "string" ? node.variant : "outline";
  const size = typeof node.size === "string" ? node.size : "md";
  return `${base} ckw-w-control ckw-w-control-${variant} ckw-w-size-${size}${node.pill ? " ckw-w-pill" : ""}${node.block ? " ckw-w-block" : ""}`;
}

function onChangeFor(ctx: Ctx, node: Node, path: string) {
  const action = isAction(node.onChangeAction) ? node.onChangeAction : null;
  return (event: Event) => {
    ctx.clearError(path);
    const el = event.currentTarget as Element;
    if (!action) return;
    const value = controlValue(el);
    ctx.fire(action, path, "change", el, [str(node.name), value === undefined ? null : value]);
  };
}

function InputView({ node, path }: { node: Node; path: string }) {
  const ctx = useContext(WidgetCtx) as Ctx;
  const type = (["number", "email", "text", "password", "tel", "url"] as const).find((t) => t === node.inputType) ?? "text";
  const name = str(node.name);
  const gutter = typeof node.gutterSize === "string" ? ` ckw-w-gutter-${node.gutterSize}` : "";
  return (
    <Field ctx={ctx} path={path} block>
      <input
        type={type as "text"}
        class={controlClass(node, "ckw-w-input") + gutter}
        id={fieldId(ctx, name)}
        {...{ [FIELD_ATTR]: name, "data-ckw-key": path }}
        defaultValue={str(node.defaultValue)}
        placeholder={str(node.placeholder) || undefined}
        required={node.required === true}
        pattern={str(node.pattern) || undefined}
        disabled={node.disabled === true}
        autoFocus={node.autoFocus === true}
        autoComplete={node.allowAutofillExtensions ? undefined : "off"}
        data-1p-ignore={node.allowAutofillExtensions ? undefined : "true"}
        onFocus={node.autoSelect ? (e) => (e.currentTarget as HTMLInputElement).select() : undefined}
        onInput={() => ctx.clearError(path)}
      />
    </Field>
  );
}

function TextareaView({ node, path }: { node: Node; path: string }) {
  const ctx = useContext(WidgetCtx) as Ctx;
  const name = str(node.name);
  const rows = typeof node.rows === "number" ? node.rows : 3;
  const style: Style = {};
  if (node.autoResize && typeof node.maxRows === "number") style["max-height"] = `${node.maxRows * 1.5 + 1}em`;
  return (
    <Field ctx={ctx} path={path} block>
      <textarea
        class={controlClass(node, "ckw-w-textarea") + (node.autoResize ? " ckw-w-autoresize" : "")}
        id={fieldId(ctx, name)}
        {...{ [FIELD_ATTR]: name, "data-ckw-key": path }}
        rows={rows}
        style={style}
        defaultValue={str(node.defaultValue)}
        placeholder={str(node.placeholder) || undefined}
        required={node.required === true}
        disabled={node.disabled === true}
        autoFocus={node.autoFocus === true}
        onFocus={node.autoSelect ? (e) => (e.currentTarget as HTMLTextAreaElement).select() : undefined}
        onInput={(e) => {
          ctx.clearError(path);
          // `pattern` is not a textarea attribute: check it by hand, as a native message.
          const el = e.currentTarget as HTMLTextAreaElement;
          const pattern = str(node.pattern);
          if (pattern) el.setCustomValidity(matchesPattern(el.value, pattern) ? "" : "Please match the requested format.");
        }}
      />
    </Field>
  );
}

function matchesPattern(value: string, pattern: string): boolean {
  if (!value) return true;
  try {
    return new RegExp(`^(?:${pattern})$`, "v").test(value);
  } catch {
    return true;
  }
}

function SelectView({ node, path }: { node: Node; path: string }) {
  const ctx = useContext(WidgetCtx) as Ctx;
  const name = str(node.name);
  const options = (Array.isArray(node.options) ? node.options : []) as Record<string, unknown>[];
  const value = str(node.defaultValue);
  const busy = ctx.pending.has(path);
  return (
    <Field ctx={ctx} path={path} block={node.block === true}>
      <select
        class={controlClass(node, "ckw-w-select")}
        id={fieldId(ctx, name)}
        {...{ [FIELD_ATTR]: name, "data-ckw-key": path }}
        disabled={node.disabled === true || busy}
        aria-busy={busy ? "true" : undefined}
        onChange={onChangeFor(ctx, node, path)}
      >
        <option value="" disabled={!node.clearable} selected={!value} hidden={!node.clearable}>
          {str(node.placeholder) || "Select…"}
        </option>
        {options.map((option) => (
          <option key={str(option.value)} value={str(option.value)} disabled={option.disabled === true} selected={str(option.value) === value} title={str(option.description) || undefined}>
            {str(option.label) || str(option.value)}
          </option>
        ))}
      </select>
    </Field>
  );
}

function DatePickerView({ node, path }: { node: Node; path: string }) {
  const ctx = useContext(WidgetCtx) as Ctx;
  const name = str(node.name);
  const day = (value: unknown) => (/^\d{4}-\d{2}-\d{2}/.exec(str(value))?.[0] ?? undefined);
  const busy = ctx.pending.has(path);
  const placeholder = str(node.placeholder);
  // A native date input shows the browser's "mm/dd/yyyy" when empty; ChatKit.js shows the
  // placeholder there. The wrapper hides the native text (CSS) and lays the placeholder over.
  const [empty, setEmpty] = useState(day(node.defaultValue) === undefined);
  const track = (event: Event) => setEmpty(!(event.currentTarget as HTMLInputElement).value);
  const changed = onChangeFor(ctx, node, path);
  const showPlaceholder = empty && placeholder !== "";
  return (
    <Field ctx={ctx} path={path} block={node.block === true}>
      <span class={`ckw-w-date-wrap${node.block ? " ckw-w-block" : ""}`} data-empty={showPlaceholder ? "" : undefined}>
        <input
          type="date"
          class={controlClass(node, "ckw-w-date")}
          id={fieldId(ctx, name)}
          {...{ [FIELD_ATTR]: name, "data-ckw-key": path }}
          defaultValue={day(node.defaultValue)}
          min={day(node.min)}
          max={day(node.max)}
          aria-label={placeholder || undefined}
          disabled={node.disabled === true || busy}
          onInput={track}
          onChange={(event) => {
            track(event);
            changed(event);
          }}
        />
        {showPlaceholder ? (
          <span class="ckw-w-date-placeholder" aria-hidden="true">
            {placeholder}
          </span>
        ) : null}
      </span>
    </Field>
  );
}

function CheckboxView({ node, path }: { node: Node; path: string }) {
  const ctx = useContext(WidgetCtx) as Ctx;
  const name = str(node.name);
  const busy = ctx.pending.has(path);
  return (
    <Field ctx={ctx} path={path}>
      <label class="ckw-w-check">
        <input
          type="checkbox"
          id={fieldId(ctx, name)}
          {...{ [FIELD_ATTR]: name, "data-ckw-key": path }}
          defaultChecked={node.defaultChecked === true}
          required={node.required === true}
          disabled={node.disabled === true || busy}
          onChange={onChangeFor(ctx, node, path)}
        />
        {node.label ? <span>{str(node.label)}</span> : null}
      </label>
    </Field>
  );
}

function RadioGroupView({ node, path }: { node: Node; path: string }) {
  const ctx = useContext(WidgetCtx) as Ctx;
  const name = str(node.name);
  const options = (Array.isArray(node.options) ? node.options : []) as Record<string, unknown>[];
  const busy = ctx.pending.has(path);
  // The native name is private to this widget: radio groups outside a form share one
  // namespace per page, and two widgets may use the same ChatKit name.
  const nativeName = `${ctx.uid}-${path}`;
  const onChange = onChangeFor(ctx, node, path);
  return (
    <Field ctx={ctx} path={path}>
      <span class={`ckw-w-radios ckw-w-${node.direction === "row" ? "row" : "col"}`} role="radiogroup" aria-label={str(node.ariaLabel) || name} id={fieldId(ctx, name)}>
        {options.map((option, index) => (
          <label key={str(option.value)} class="ckw-w-check">
            <input
              type="radio"
              name={nativeName}
              value={str(option.value)}
              {...{ [FIELD_ATTR]: name, "data-ckw-key": path }}
              defaultChecked={str(option.value) === str(node.defaultValue)}
              required={node.required === true && index === 0}
              disabled={node.disabled === true || option.disabled === true || busy}
              onChange={onChange}
            />
            <span>{str(option.label) || str(option.value)}</span>
          </label>
        ))}
      </span>
    </Field>
  );
}

// --- tables (ChatKit.js also has these) --------------------------------------------------------

function TableView({ node, path }: { node: Node; path: string }) {
  return (
    <table class="ckw-w-table">
      <tbody>
        <Children node={node} path={path} />
      </tbody>
    </table>
  );
}

function TableRowView({ node, path }: { node: Node; path: string }) {
  return (
    <tr class={node.header ? "ckw-w-table-header" : undefined}>
      {childList(node).map((cell, index) => {
        const style: Style = {};
        const width = dim(cell.width);
        if (width) style.width = width;
        if (typeof cell.align === "string") style["text-align"] = cell.align;
        const Tag = node.header ? "th" : "td";
        return (
          <Tag key={childKey(cell, index)} style={style} colSpan={typeof cell.colSpan === "number" ? cell.colSpan : undefined} rowSpan={typeof cell.rowSpan === "number" ? cell.rowSpan : undefined}>
            <Children node={cell} path={`${path}.${index}`} />
          </Tag>
        );
      })}
    </tr>
  );
}

// --- roots --------------------------------------------------------------------------------------

function Status({ status }: { status: unknown }) {
  const ctx = useContext(WidgetCtx) as Ctx;
  if (!status || typeof status !== "object") return null;
  const s = status as Record<string, unknown>;
  const favicon = str(s.favicon);
  return (
    <div class="ckw-w-status">
      {favicon && isAllowedImage(favicon, ctx.imageDomains) ? (
        <img class={`ckw-w-favicon${s.frame ? " ckw-w-frame" : ""}`} src={favicon} alt="" loading="lazy" referrerpolicy="no-referrer" />
      ) : s.icon ? (
        <WidgetIcon name={s.icon} size={14} />
      ) : null}
      <span>{str(s.text)}</span>
    </div>
  );
}

const CARD_WIDTH: Record<string, string> = { sm: "360px", md: "480px", lg: "640px", full: "100%" };

function CardView({ node, path }: { node: Node; path: string }) {
  const ctx = useContext(WidgetCtx) as Ctx;
  const [expanded, setExpanded] = useState(false);
  const style: Style = {};
  const size = typeof node.size === "string" ? node.size : "md";
  style["max-width"] = CARD_WIDTH[size] ?? CARD_WIDTH.md as string;
  const padding: Style = {};
  if (node.padding !== undefined) {
    const pad = boxStyle({ padding: node.padding });
    Object.assign(padding, pad);
    if (pad.padding) padding["--ckw-w-pad"] = pad.padding;
  }
  const bg = color(node.background, "bg");
  if (bg) style.background = bg;
  const confirm = node.confirm && typeof node.confirm === "object" ? (node.confirm as { label?: unknown; action?: unknown }) : null;
  const cancel = node.cancel && typeof node.cancel === "object" ? (node.cancel as { label?: unknown; action?: unknown }) : null;
  const asForm = node.asForm === true && !ctx.inForm;
  const collapsed = node.collapsed === true && !expanded;
  const confirmKey = `${path}:confirm`;
  const cancelKey = `${path}:cancel`;
  const formCtx = useMemo(() => ({ ...ctx, inForm: true }), [ctx]);
  if (asForm && confirm && isAction(confirm.action)) ctx.submitActions.set(confirmKey, confirm.action);
  else ctx.submitActions.delete(confirmKey);
  const footer =
    (confirm || cancel) && !collapsed ? (
      <div class="ckw-w-card-footer">
        {cancel ? (
          <WidgetButton
            node={{ label: cancel.label, color: "secondary", variant: "outline" }}
            keyName={cancelKey}
            busy={ctx.pending.has(cancelKey)}
            type="button"
            onClick={(event) => isAction(cancel.action) && ctx.fire(cancel.action, cancelKey, "cancel", event.currentTarget as Element)}
          />
        ) : null}
        {confirm ? (
          <WidgetButton
            node={{ label: confirm.label, color: "primary" }}
            keyName={confirmKey}
            busy={ctx.pending.has(confirmKey)}
            type={asForm ? "submit" : "button"}
            onClick={asForm ? undefined : (event) => isAction(confirm.action) && ctx.fire(confirm.action, confirmKey, "confirm", event.currentTarget as Element)}
          />
        ) : null}
      </div>
    ) : null;
  const inner = (
    <>
      {collapsed ? (
        <button type="button" class="ckw-w-card-expand" onClick={() => setExpanded(true)} aria-expanded="false">
          <WidgetIcon name="chevron-right" size={14} />
          Show details
        </button>
      ) : (
        <div class="ckw-w-card-body" style={padding}>
          <Children node={node} path={path} />
        </div>
      )}
      {footer}
    </>
  );
  const themed = node.theme === "light" || node.theme === "dark" ? node.theme : undefined;
  return (
    <div class="ckw-w-card-wrap" style={{ "max-width": style["max-width"] as string }}>
      <Status status={node.status} />
      {asForm ? (
        <form
          class="ckw-w-card ckw-w-form"
          data-ckw-theme={themed}
          style={style}
          onSubmit={(event) => {
            event.preventDefault();
            const confirmAction = confirm && isAction(confirm.action) ? confirm.action : null;
            const submitter = (event as SubmitEvent).submitter;
            if (!submitter) {
              if (confirmAction) ctx.fire(confirmAction, confirmKey, "confirm", event.currentTarget as Element);
              return;
            }
            submit(ctx, event, confirmAction, path);
          }}
          onInvalidCapture={(event) => markInvalid(ctx, event)}
        >
          <WidgetCtx.Provider value={formCtx}>{inner}</WidgetCtx.Provider>
        </form>
      ) : (
        <div class="ckw-w-card" data-ckw-theme={themed} style={style}>
          {inner}
        </div>
      )}
    </div>
  );
}

function ListViewItemView({ node, path }: { node: Node; path: string }) {
  const ctx = useContext(WidgetCtx) as Ctx;
  const action = isAction(node.onClickAction) ? node.onClickAction : null;
  const busy = ctx.pending.has(path);
  const style = boxStyle({ gap: node.gap ?? 3, align: node.align ?? "center" });
  const fire = (event: Event) => {
    if (!action || busy) return;
    // A click on a control inside the row is that control's, not the row's.
    const target = event.target as Element | null;
    if (target?.closest?.("button, a, input, select, textarea, label") && target.closest(".ckw-w-list-item") === event.currentTarget && target !== event.currentTarget) return;
    ctx.fire(action, path, "click", event.currentTarget as Element);
  };
  return (
    <div
      class={`ckw-w-list-item${action ? " ckw-w-clickable" : ""}${busy ? " ckw-w-busy" : ""}`}
      style={style}
      role={action ? "button" : undefined}
      tabIndex={action ? 0 : undefined}
      aria-busy={busy ? "true" : undefined}
      data-ckw-key={path}
      onClick={action ? fire : undefined}
      onKeyDown={
        action
          ? (event) => {
              if (event.key === "Enter" || event.key === " ") {
                event.preventDefault();
                fire(event);
              }
            }
          : undefined
      }
    >
      <Children node={node} path={path} />
      {busy ? <span class="ckw-w-spinner" aria-hidden="true" /> : null}
    </div>
  );
}

const AUTO_LIMIT = 5;

function ListViewView({ node, path }: { node: Node; path: string }) {
  const [shown, setShown] = useState<number | null>(null);
  const items = childList(node);
  const limit = node.limit === "auto" ? AUTO_LIMIT : typeof node.limit === "number" && node.limit > 0 ? Math.floor(node.limit) : items.length;
  const visible = shown ?? limit;
  const themed = node.theme === "light" || node.theme === "dark" ? node.theme : undefined;
  return (
    <div class="ckw-w-card-wrap">
      <Status status={node.status} />
      <div class="ckw-w-card ckw-w-listview" data-ckw-theme={themed}>
        {items.slice(0, visible).map((child, index) => (
          <NodeView key={childKey(child, index)} node={child} path={`${path}.${index}`} />
        ))}
        {items.length > visible ? (
          <button type="button" class="ckw-w-show-more" onClick={() => setShown(visible + limit)}>
            Show more
            <span class="ckw-w-muted">({items.length - visible})</span>
          </button>
        ) : null}
      </div>
    </div>
  );
}

function BasicView({ node, path }: { node: Node; path: string }) {
  const direction = node.direction === "row" ? "row" : "col";
  const themed = node.theme === "light" || node.theme === "dark" ? node.theme : undefined;
  return (
    <div class={`ckw-w-basic ckw-w-box ckw-w-${direction}`} data-ckw-theme={themed} style={boxStyle(node)}>
      <Children node={node} path={path} />
    </div>
  );
}

function Unknown({ node }: { node: Node }) {
  const text = widgetText(node).join("\n");
  return <div class="ckw-w-unknown">{text || `[${str(node.type) || "widget"}]`}</div>;
}

/** One node; skipped on re-render while its JSON object (and path) is the same. */
const NodeView = memo<{ node: Node; path: string }>(function NodeView({ node, path }) {
  switch (node.type) {
    case "Card":
      return <CardView node={node} path={path} />;
    case "ListView":
      return <ListViewView node={node} path={path} />;
    case "ListViewItem":
      return <ListViewItemView node={node} path={path} />;
    case "Basic":
      return <BasicView node={node} path={path} />;
    case "Box":
      return <BoxView node={node} path={path} direction={node.direction === "row" ? "row" : "col"} />;
    case "Row":
      return <BoxView node={node} path={path} direction="row" />;
    case "Col":
      return <BoxView node={node} path={path} direction="col" />;
    case "Form":
      return <FormView node={node} path={path} />;
    case "Spacer":
      return <Spacer node={node} />;
    case "Divider":
      return <Divider node={node} />;
    case "Transition":
      return <TransitionView node={node} path={path} />;
    case "Text":
      return <TextView node={node} path={path} />;
    case "Title":
      return <TitleView node={node} />;
    case "Caption":
      return <CaptionView node={node} />;
    case "Label":
      return <LabelView node={node} />;
    case "Markdown":
      return <MarkdownView node={node} />;
    case "Badge":
      return <Badge node={node} />;
    case "Icon":
      return <IconView node={node} />;
    case "Image":
      return <ImageView node={node} />;
    case "Button":
      return <ButtonView node={node} path={path} />;
    case "Input":
      return <InputView node={node} path={path} />;
    case "Textarea":
      return <TextareaView node={node} path={path} />;
    case "Select":
      return <SelectView node={node} path={path} />;
    case "DatePicker":
      return <DatePickerView node={node} path={path} />;
    case "Checkbox":
      return <CheckboxView node={node} path={path} />;
    case "RadioGroup":
      return <RadioGroupView node={node} path={path} />;
    case "Chart":
      return <Chart node={node} />;
    case "Table":
      return <TableView node={node} path={path} />;
    case "Table.Row":
      return <TableRowView node={node} path={path} />;
    default:
      return <Unknown node={node} />;
  }
});

// --- the root: state and actions ----------------------------------------------------------------

export interface WidgetRootProps {
  widget: WidgetNode;
  itemId?: string;
  imageDomains?: readonly string[] | null;
  onAction?: OnWidgetAction;
  /** The item still streams: Markdown keeps its unfinished tail open. */
  streaming?: boolean;
}

/** A bare widget root (Basic/Card/ListView) not inside a thread item, e.g. an entity preview. */
export function WidgetRootView({ widget, itemId = "", imageDomains, onAction, streaming = false }: WidgetRootProps) {
  const uid = useMemo(() => `ckw-w${++nextUid}`, []);
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());
  const [containerBusy, setContainerBusy] = useState(0);
  const [errors, setErrors] = useState<Readonly<Record<string, string>>>({});
  const [note, setNote] = useState<string | null>(null);
  const pendingRef = useRef(new Set<string>());
  const onActionRef = useRef(onAction);
  onActionRef.current = onAction;
  const submitActions = useMemo(() => new Map<string, ActionConfig>(), []);

  const fire: Ctx["fire"] = (action, key, source, el, own, bySubmitter = true) => {
    if (pendingRef.current.has(key)) return; // a repeat while the first is pending
    const form = el?.closest?.("form.ckw-w-form") ?? null;
    let values: [string, FormValue][] = form ? collectValues(form) : [];
    if (own && own[0]) values = [...values.filter(([name]) => name !== own[0]), own];
    const built = buildPayload(action.payload, values);
    if (built.collisions.length) {
      console.warn(`chatkit-widget: form values left out of action "${action.type}": the payload already has ${built.collisions.join(", ")}`);
    }
    const sent: ActionConfig = { ...action };
    if (built.payload !== null || action.payload !== undefined) sent.payload = built.payload;
    const handler = onActionRef.current;
    if (!handler) {
      setNote("Widget actions are not connected in this view.");
      return;
    }
    setNote(null);
    const loading = loadingFor(action, source, bySubmitter);
    // Repeats are ignored until the response ends (a change action is never held back
    // unless it shows a loading state: the control's new value must not be lost).
    const gate = loading !== "none" || source !== "change";
    if (gate) pendingRef.current.add(key);
    if (loading === "self") setPending((current) => new Set(current).add(key));
    if (loading === "container") setContainerBusy((n) => n + 1);
    const done = () => {
      pendingRef.current.delete(key);
      if (loading === "self") {
        setPending((current) => {
          const next = new Set(current);
          next.delete(key);
          return next;
        });
      }
      if (loading === "container") setContainerBusy((n) => Math.max(n - 1, 0));
    };
    let result: Promise<void> | void;
    try {
      result = handler(sent, itemId);
    } catch (error) {
      result = Promise.reject(error);
    }
    Promise.resolve(result).then(done, (error: unknown) => {
      done();
      setNote(`The action failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  };

  const fireRef = useRef(fire);
  fireRef.current = fire;
  // One context object while nothing it carries changes: memoized nodes whose JSON did not
  // change then skip re-rendering when the widget streams or another part updates.
  const ctx = useMemo<Ctx & { setError: (key: string, message: string) => void }>(
    () => ({
      uid,
      imageDomains,
      streaming,
      pending,
      errors,
      fire: (...args) => fireRef.current(...args),
      submitActions,
      inForm: false,
      clearError: (key) =>
        setErrors((current) => {
          if (current[key] === undefined) return current;
          const { [key]: _gone, ...rest } = current;
          return rest;
        }),
      setError: (key, message) => setErrors((current) => (current[key] === message ? current : { ...current, [key]: message })),
    }),
    [uid, imageDomains, streaming, pending, errors, submitActions],
  );
  const busy = containerBusy > 0;
  return (
    <WidgetCtx.Provider value={ctx}>
      <div class={`ckw-w${busy ? " ckw-w--loading" : ""}`} aria-busy={busy ? "true" : undefined} {...(busy ? { inert: true } : {})}>
        {widget && typeof widget === "object" ? <NodeView node={widget as Node} path="r" /> : null}
        {note ? (
          <div class="ckw-w-note" role="status">
            {note}
          </div>
        ) : null}
      </div>
    </WidgetCtx.Provider>
  );
}

// --- the thread item ----------------------------------------------------------------------------

interface ViewProps {
  item: WidgetItem;
  imageDomains?: readonly string[] | null;
  onAction?: OnWidgetAction;
  streaming?: boolean;
}

/** Any error while rendering one widget shows that widget as text; the thread goes on. */
class WidgetBoundary extends Component<ViewProps, { failed: WidgetNode | null }> {
  override state = { failed: null as WidgetNode | null };
  override componentDidCatch(error: unknown): void {
    console.error("chatkit-widget: a widget failed to render", error);
    this.setState({ failed: this.props.item.widget });
  }
  override render(props: ViewProps) {
    const { item } = props;
    const widget = item.widget;
    if (!widget || typeof widget !== "object" || (this.state.failed && this.state.failed === widget)) {
      return <WidgetFallback item={item} />;
    }
    return (
      <div class="ckw-widget ckw-widget--rich" aria-label="Widget">
        <WidgetRootView widget={widget} itemId={item.id} imageDomains={props.imageDomains} onAction={props.onAction} streaming={props.streaming} />
      </div>
    );
  }
}

export function WidgetView(props: ViewProps) {
  return <WidgetBoundary {...props} />;
}
