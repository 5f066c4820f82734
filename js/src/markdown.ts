// Markdown for streamed assistant text.
//
// A full re-parse per delta costs 14–21 ms at 11 kB, so the text is split into top-level
// blocks (marked's lexer): finished blocks are rendered and sanitized once and their DOM
// is kept; only the unfinished tail is lexed and rendered again on each update, after
// `closeMarkdown` made it look sensible (open fences, emphasis, half links closed).
// When the stream is done the result equals a one-shot render of the whole text.

import { Marked, type Token, type Tokens, type TokensList } from "marked";
import { buildBlocks } from "./blocks";
import { highlight, withoutHighlighting } from "./highlight";
import { fillMathPlaceholders, mathExtension, mathSpanEnd } from "./math";
import { perfCounters, perfOff } from "./perf";
import "./streaming.css";
import { type SanitizeContext, sanitize } from "./sanitize";

type Links = TokensList["links"];

const md = new Marked({ gfm: true, breaks: false });
md.use({
  renderer: {
    code({ text, lang }: Tokens.Code): string {
      const language = (lang ?? "").match(/^\S*/)?.[0] ?? "";
      const body = highlight(text, language) ?? escapeHtml(text);
      const cls = language ? `hljs language-${escapeHtml(language)}` : "hljs";
      return `<pre><code class="${cls}">${body}\n</code></pre>\n`;
    },
  },
});
md.use(mathExtension());

/** marked's block lexer with the view's options (exported for tests). */
export function lex(src: string, links: Links = {}): TokensList {
  const lexer = new md.Lexer(md.defaults);
  // Reference definitions seen in earlier (frozen) blocks still resolve in the tail.
  Object.assign(lexer.tokens.links, links);
  return lexer.lex(src);
}

/**
 * Render block tokens to safe nodes, with code-block chrome added: built straight from
 * the tokens (blocks.ts), or, for raw HTML, marked's HTML through the sanitizer.
 */
export function renderTokens(tokens: Token[], context: SanitizeContext = {}): DocumentFragment {
  let fragment = buildBlocks(tokens, context);
  if (!fragment) {
    fragment = sanitize(md.parser(tokens), context);
    fillMathPlaceholders(fragment);
  }
  decorateCodeBlocks(fragment);
  return fragment;
}

/** Render block tokens the conventional way: marked's HTML, then the sanitizer. */
export function renderTokensAsHtml(tokens: Token[], context: SanitizeContext = {}): DocumentFragment {
  const fragment = sanitize(md.parser(tokens), context);
  fillMathPlaceholders(fragment);
  decorateCodeBlocks(fragment);
  return fragment;
}

const CLOSED_BY_BLANK_LINE = new Set(["paragraph", "heading", "table", "blockquote", "hr", "mathBlock"]);

/** `tokens[index]` cannot continue: a blank line separates it from the block at `next`. */
function endsAtBlankLine(tokens: Token[], index: number, next: number): boolean {
  const token = tokens[index] as Token;
  const fenced = token.type === "code" && /^ {0,3}(`{3,}|~{3,})/.test(token.raw);
  if (!fenced && !CLOSED_BY_BLANK_LINE.has(token.type)) return false; // lists, indented code, HTML go on
  const between = tokens
    .slice(index + 1, next)
    .map((t) => t.raw)
    .join("");
  return /\n[ \t]*\n/.test(`${token.raw.endsWith("\n") ? "\n" : ""}${between}`);
}

function decorateCodeBlocks(root: DocumentFragment | Element): void {
  for (const pre of Array.from(root.querySelectorAll("pre"))) {
    const code = pre.querySelector("code");
    const language = /(?:^|\s)language-(\S+)/.exec(code?.className ?? "")?.[1] ?? "";
    const wrapper = el("div", "ckw-code");
    const header = codeHeader();
    (header.firstChild as HTMLElement).textContent = language || "text";
    pre.replaceWith(wrapper);
    wrapper.append(header, pre);
  }
}

let headerTemplate: HTMLElement | undefined;

/** A code block's header (language, Copy button): built once, then cloned. */
function codeHeader(): HTMLElement {
  if (!headerTemplate) {
    headerTemplate = el("div", "ckw-code-header");
    headerTemplate.append(el("span", "ckw-code-lang", "text"));
    const button = el("button", "ckw-code-copy");
    button.setAttribute("type", "button");
    button.setAttribute("aria-label", "Copy code");
    button.setAttribute("title", "Copy code");
    button.append(copyIcon(), el("span", "ckw-code-copy-label", "Copy"));
    headerTemplate.append(button);
  }
  return headerTemplate.cloneNode(true) as HTMLElement;
}

export interface RenderStats {
  /** Finished blocks rendered and sanitized (each once, unless the text is rewritten). */
  frozenRenders: number;
  /** Renders of the unfinished tail (one per streaming update). */
  tailRenders: number;
  /** Blocks frozen mid-stream that the final check found different (should stay 0). */
  repairs: number;
}

interface FrozenBlock {
  raw: string;
  /** The block's wrapper, or null for whitespace-only blocks (they render nothing). */
  node: HTMLElement | null;
  /** How many link definitions were known when it rendered (a later one may change it). */
  linkCount: number;
  /** Its token, while its code still waits to be highlighted. */
  unhighlighted?: Token;
}

/** A block that may hold fenced code (the only code that gets highlighted). */
const FENCE = /(^|\n)[ \t>*+\-\d.)]*(```|~~~)/;

type IdleHandle = { cancel(): void };

/** Run `task` when the browser is idle (or within a second); setTimeout where unsupported. */
function whenIdle(task: (deadline: { timeRemaining(): number; didTimeout: boolean }) => void): IdleHandle {
  const w = globalThis as {
    requestIdleCallback?: (cb: typeof task, options?: { timeout: number }) => number;
    cancelIdleCallback?: (handle: number) => void;
  };
  if (w.requestIdleCallback && w.cancelIdleCallback) {
    const handle = w.requestIdleCallback(task, { timeout: 1000 });
    const cancel = w.cancelIdleCallback;
    return { cancel: () => cancel(handle) };
  }
  const timer = setTimeout(() => task({ timeRemaining: () => 8, didTimeout: true }), 50);
  return { cancel: () => clearTimeout(timer) };
}

/**
 * How long a finished block's highlighting waits for the next update to carry it before an
 * idle callback does it: longer than streamed text's pacing (transport.py's
 * DEFAULT_TEXT_INTERVAL, 400 ms), so while a reply streams it lands in a frame the page
 * renders anyway instead of a frame of its own (~5 ms of JupyterLab's main thread each).
 */
export const HIGHLIGHT_PAUSE_MS = 500;

/** `whenIdle(task)` once `delay` ms have passed. */
function afterPause(delay: number, task: Parameters<typeof whenIdle>[0]): IdleHandle {
  let idle: IdleHandle | null = null;
  const timer = setTimeout(() => {
    idle = whenIdle(task);
  }, delay);
  return {
    cancel: () => {
      clearTimeout(timer);
      idle?.cancel();
    },
  };
}

/**
 * Renders markdown into `root` incrementally. Call `update(text, done)` with the whole
 * text so far on every change: append-only growth reuses the finished blocks.
 */
export class StreamingMarkdown {
  readonly stats: RenderStats = { frozenRenders: 0, tailRenders: 0, repairs: 0 };
  private text = "";
  private done = false;
  private frozen: FrozenBlock[] = [];
  private frozenLength = 0;
  private links: Links = {};
  /** The unfinished blocks after the frozen ones, one element per top-level token. */
  private tail: { raw: string; node: HTMLElement }[] = [];
  /** Frozen blocks whose code renders plain until the browser is idle (off the hot path). */
  private toHighlight: FrozenBlock[] = [];
  private idle: IdleHandle | null = null;

  constructor(
    readonly root: HTMLElement,
    private readonly context: () => SanitizeContext = () => ({}),
  ) {
    root.addEventListener("click", onCopyClick);
  }

  update(input: string, done: boolean): void {
    const text = normalize(input);
    if (text === this.text && done === this.done) return;
    // Not a continuation of what is shown (or a finished text changed): start over.
    if (this.done || !text.startsWith(this.text.slice(0, this.frozenLength))) this.reset();
    this.text = text;
    this.done = done;
    if (done) this.finish();
    else this.advance();
  }

  /** Forget everything (the sanitize context changed, e.g. new image domains). */
  reset(): void {
    this.cancelHighlighting();
    this.frozen = [];
    this.frozenLength = 0;
    this.links = {};
    this.tail = [];
    this.root.replaceChildren();
    this.text = "";
    this.done = false;
  }

  dispose(): void {
    this.cancelHighlighting();
    this.root.removeEventListener("click", onCopyClick);
  }

  /** Highlight the frozen blocks still waiting for it, now (the final render does). */
  flushHighlighting(): void {
    this.highlightPending(() => true);
  }

  private cancelHighlighting(): void {
    this.cancelIdle();
    this.toHighlight = [];
  }

  private cancelIdle(): void {
    this.idle?.cancel();
    this.idle = null;
  }

  private highlightPending(more: () => boolean): void {
    while (this.toHighlight.length && more()) {
      const block = this.toHighlight.shift() as FrozenBlock;
      const token = block.unhighlighted;
      block.unhighlighted = undefined;
      if (!token || !block.node || !this.frozen.includes(block)) continue;
      morphChildren(block.node, renderTokens([token], this.context()));
    }
  }

  private scheduleHighlighting(): void {
    if (this.idle || !this.toHighlight.length) return;
    this.idle = afterPause(HIGHLIGHT_PAUSE_MS, (deadline) => {
      this.idle = null;
      // Within the idle period, leaving room for the next frame; at least one block.
      let first = true;
      this.highlightPending(() => {
        const go = first || deadline.timeRemaining() > 4;
        first = false;
        return go;
      });
      this.scheduleHighlighting();
    });
  }

  private advance(): void {
    // Highlighting (fenced code) is off the hot path: the block being written renders its
    // code plain, and a finished block is highlighted by the next update (a few ms at most
    // here, in the frame that update costs anyway) or after a pause when the browser is idle.
    if (this.toHighlight.length && !perfOff("piggyback-highlight")) {
      const until = performance.now() + 3;
      let first = true;
      this.highlightPending(() => {
        const go = first || performance.now() < until;
        first = false;
        return go;
      });
      if (!this.toHighlight.length) this.cancelIdle();
    }
    if (perfOff("lazy-highlight")) this.advanceNow();
    else withoutHighlighting(() => this.advanceNow());
    this.scheduleHighlighting();
  }

  private advanceNow(): void {
    const counters = perfCounters();
    const began = counters ? performance.now() : 0;
    const tokens = lex(this.text.slice(this.frozenLength), this.links);
    Object.assign(this.links, tokens.links);
    // A block is finished once two more non-blank blocks follow it: the block right
    // after it may still merge into it ("1. a\n\n2" may become "2. b" of the same list).
    const solid = tokens.map((token, index) => (token.type === "space" ? -1 : index)).filter((i) => i >= 0);
    let firstOpen = solid.length > 2 ? (solid[solid.length - 2] as number) : 0;
    // Most blocks cannot go on past a blank line, though: one that a blank line and a new
    // block follow is finished already (so it is not lexed again on every update).
    const [previous, last] = solid.slice(-2);
    if (previous !== undefined && last !== undefined && endsAtBlankLine(tokens, previous, last)) firstOpen = last;
    const tail = this.closeTail(tokens.slice(firstOpen));
    const parsed = counters ? performance.now() : 0;
    for (const token of tokens.slice(0, firstOpen)) this.freeze(token);
    this.renderTail(tail);
    if (counters) {
      counters.parse += parsed - began;
      counters.dom += performance.now() - parsed;
    }
  }

  private finish(): void {
    // One full lex at the end (cheap, once): frozen blocks that differ from it, or that
    // rendered before a reference definition they might use, render again.
    const tokens = lex(this.text, {});
    const allLinks = Object.keys(tokens.links).length;
    let keep = 0;
    while (keep < this.frozen.length && keep < tokens.length) {
      const block = this.frozen[keep] as FrozenBlock;
      const token = tokens[keep] as Token;
      if (block.raw !== token.raw) {
        this.stats.repairs += this.frozen.slice(keep).filter((b) => b.node).length;
        break;
      }
      const mayUseNewRef = block.linkCount < allLinks && token.type !== "def" && block.raw.includes("[");
      if (mayUseNewRef) break;
      keep++;
    }
    for (const block of this.frozen.slice(keep)) block.node?.remove();
    this.frozen = this.frozen.slice(0, keep);
    // What stays is final: its code gets highlighted now, as a one-shot render has it.
    this.flushHighlighting();
    this.frozenLength = this.frozen.reduce((sum, block) => sum + block.raw.length, 0);
    this.links = tokens.links;
    this.dropTail(0);
    for (const token of tokens.slice(keep)) this.freeze(token);
  }

  private freeze(token: Token): void {
    let node: HTMLElement | null = null;
    const shown = this.tail[0];
    if (shown && shown.raw === token.raw) {
      // The block is on screen already, rendered from the same text: keep that node.
      this.tail.shift();
      node = shown.node;
      node.classList.remove("ckw-md-tail");
    } else if (token.type !== "space") {
      node = el("div", "ckw-md-block");
      node.append(renderTokens([token], this.context()));
      this.stats.frozenRenders++;
      this.root.insertBefore(node, this.tail[0]?.node ?? null);
    }
    const block: FrozenBlock = { raw: token.raw, node, linkCount: Object.keys(this.links).length };
    if (node && !this.done && !perfOff("lazy-highlight") && FENCE.test(token.raw)) {
      block.unhighlighted = token;
      this.toHighlight.push(block);
    }
    this.frozen.push(block);
    this.frozenLength += token.raw.length;
  }


  /** The unfinished blocks' tokens, as they show: the block being written closed. */
  private closeTail(open: Token[]): Token[] {
    // Only the block being written needs closing (an open fence is one code token, and the
    // paragraph being written is in the last block): lex just that block again, closed.
    let last = open.length - 1;
    while (last >= 0 && (open[last] as Token).type === "space") last--;
    const tokens = open.slice(0, Math.max(last, 0)).filter((token) => token.type !== "space");
    if (last >= 0) {
      const writing = open[last] as Token;
      const closed = closeMarkdown(writing.raw);
      // Usually nothing needed closing: the token lexed above serves as it is.
      if (closed === writing.raw) tokens.push(writing);
      else if (closed.trim()) tokens.push(...lex(closed, this.links).filter((token) => token.type !== "space"));
    }
    return tokens;
  }

  private renderTail(tokens: Token[]): void {
    // Only the blocks whose text changed render again (usually just the last one), and
    // they are patched rather than replaced: most of a growing block is what it was a
    // moment ago, and every new element costs a style recalculation against JupyterLab's
    // stylesheets.
    tokens.forEach((token, index) => {
      const block = this.tail[index];
      if (block?.raw === token.raw) return;
      const fragment = renderTokens([token], this.context());
      if (block) {
        morphChildren(block.node, fragment);
        block.raw = token.raw;
      } else {
        const node = el("div", "ckw-md-block ckw-md-tail");
        node.append(fragment);
        this.root.append(node);
        this.tail.push({ raw: token.raw, node });
      }
    });
    this.dropTail(tokens.length);
    if (tokens.length) this.stats.tailRenders++;
  }

  private dropTail(keep: number): void {
    for (const block of this.tail.splice(keep)) block.node.remove();
  }
}

/**
 * The naive way, for comparison (benchmarks): close, parse and sanitize the whole text
 * at once, as a view that re-renders the full message on every update would.
 */
export function renderWhole(text: string, context: SanitizeContext = {}): DocumentFragment {
  return renderTokensAsHtml(lex(closeMarkdown(normalize(text)), {}), context);
}

/** The same with the view's own block builder instead of HTML and the sanitizer. */
export function renderWholeBuilt(text: string, context: SanitizeContext = {}): DocumentFragment {
  return renderTokens(lex(closeMarkdown(normalize(text)), {}), context);
}

/** One-shot render of finished markdown into a fresh element (notices, disclaimers, tests). */
export function renderMarkdown(text: string, context: SanitizeContext = {}): HTMLElement {
  const root = el("div", "ckw-md");
  new StreamingMarkdown(root, () => context).update(text, true);
  return root;
}

// --- closing unfinished markdown ------------------------------------------------------------

/**
 * Make an unfinished tail of markdown render sensibly: close an open code fence, inline
 * code, emphasis and strikethrough; drop a half-typed link target, image or HTML tag; hold
 * back a table until its delimiter row is there. Only for display while streaming.
 */
export function closeMarkdown(src: string): string {
  const fence = openFence(src);
  if (fence) return `${src}${src.endsWith("\n") ? "" : "\n"}${fence}`;

  let text = src;
  // The paragraph being written is what follows the last blank line or closed fence.
  const boundary = /\n[ \t]*\n|^ {0,3}(`{3,}|~{3,})[ \t]*(\n|$)/gm;
  let start = 0;
  for (let match = boundary.exec(text); match; match = boundary.exec(text)) {
    start = match.index + match[0].length;
    if (match[0].length === 0) boundary.lastIndex++;
  }
  let head = text.slice(0, start);
  let para = text.slice(start);

  const lines = para.split("\n");
  const last = lines[lines.length - 1] ?? "";
  // A lone list marker or "-" could still become a list, a rule or a setext underline.
  if (/^\s*([-*+_=]{1,2}|\d{1,9}[.)]?)\s*$/.test(last) && lines.length > 1) {
    lines.pop();
    para = lines.join("\n");
  }
  // Tables: show nothing of a lone header row; complete a half-typed delimiter row.
  const isTableLine = (line: string) => /^\s*\|/.test(line);
  if (lines.length === 1 && isTableLine(lines[0] ?? "")) return head.trimEnd();
  if (lines.length === 2 && isTableLine(lines[0] ?? "") && /^\s*\|?[\s:|-]*$/.test(lines[1] ?? "")) {
    const cells = splitRow(lines[0] ?? "").length;
    para = `${lines[0]}\n|${" --- |".repeat(Math.max(cells, 1))}`;
    return head + para;
  }
  const inTable = lines.length > 2 && /^\s*\|?\s*:?-+/.test(lines[1] ?? "") && isTableLine(lines[0] ?? "");

  // Half-written images would load a truncated URL: drop them. Half links show their text.
  para = para.replace(/!\[[^\]\n]*(\](\([^)\n]*)?)?$/, "");
  para = para.replace(/\[([^\]\n]*)\]\([^)\s]*$/, "$1");
  para = para.replace(/<\/?[A-Za-z][^<>\n]*$/, "");

  const scanFrom = inTable ? para.lastIndexOf("\n") + 1 : 0;
  para = para.slice(0, scanFrom) + closeInline(para.slice(scanFrom));
  head = head.length && !para ? head.trimEnd() : head;
  return head + para;
}

/** The fence that would close an open fenced code block in `src` (same indent), or "". */
function openFence(src: string): string {
  let open: { indent: string; marker: string } | null = null;
  for (const line of src.split("\n")) {
    const match = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(line);
    if (!match) continue;
    const [, indent = "", marker = "", rest = ""] = match;
    if (!open) {
      if (marker[0] === "`" && rest.includes("`")) continue; // not a fence: inline code
      open = { indent, marker };
    } else if (marker[0] === open.marker[0] && marker.length >= open.marker.length && !rest.trim()) {
      open = null;
    }
  }
  return open ? `${open.indent}${open.marker}` : "";
}

interface OpenMarker {
  marker: string;
  at: number;
}

/** Close inline code spans and emphasis/strikethrough opened but not closed in `text`. */
function closeInline(text: string): string {
  const stack: OpenMarker[] = [];
  let i = 0;
  let code: OpenMarker | null = null;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === "$" || (ch === "\\" && (text[i + 1] === "(" || text[i + 1] === "["))) {
      // Math: markers inside a closed formula are TeX, not markdown. An unfinished one
      // shows as text; past an unfinished `$$`, `\(` or `\[` nothing is closed either.
      const end = mathSpanEnd(text, i);
      if (end !== -1) {
        i = end;
        continue;
      }
      if (ch === "\\" || text[i + 1] === "$") break;
    }
    if (ch === "\\") {
      i += 2;
      continue;
    }
    let run = 1;
    while (text[i + run] === ch) run++;
    if (ch === "`") {
      const marker = "`".repeat(run);
      const close = findRun(text, marker, i + run);
      if (close === -1) {
        code = { marker, at: i };
        break;
      }
      i = close + run;
      continue;
    }
    if (ch === "*" || ch === "_" || ch === "~") {
      const before = text[i - 1] ?? "\n";
      const after = text[i + run] ?? "\n";
      const atLineStart = /^\s*$/.test(text.slice(text.lastIndexOf("\n", i - 1) + 1, i));
      const bullet = atLineStart && run === 1 && ch !== "~" && /\s/.test(after);
      const intraword = ch === "_" && /\w/.test(before) && /\w/.test(after);
      const tilde = ch === "~" && run !== 2;
      if (!bullet && !intraword && !tilde) {
        const marker = ch.repeat(Math.min(run, 3));
        const top = stack[stack.length - 1];
        const canClose = !/\s/.test(before);
        const canOpen = !/\s/.test(after);
        if (top && top.marker === marker && canClose) stack.pop();
        else if (canOpen || i + run === text.length) stack.push({ marker, at: i }); // may open once text follows
      }
      i += run;
      continue;
    }
    i++;
  }
  let out = text;
  if (code) {
    // Nothing after the backticks yet: drop them rather than render an empty span.
    out = out.slice(code.at + code.marker.length).trim() ? `${out}${code.marker}` : out.slice(0, code.at);
  }
  for (let k = stack.length - 1; k >= 0; k--) {
    const open = stack[k] as OpenMarker;
    if (code && open.at > code.at) continue;
    const inside = out.slice(open.at + open.marker.length);
    if (!inside.trim()) out = out.slice(0, open.at);
    else out = `${out.trimEnd()}${open.marker}`;
  }
  return out;
}

function findRun(text: string, marker: string, from: number): number {
  let i = text.indexOf(marker, from);
  while (i !== -1) {
    const exact = text[i - 1] !== "`" && text[i + marker.length] !== "`";
    if (exact) return i;
    i = text.indexOf(marker, i + 1);
  }
  return -1;
}

function splitRow(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split("|");
}

// --- DOM helpers ---------------------------------------------------------------------------------

/** Make `target`'s children equal to `source`'s (which it consumes), keeping unchanged nodes. */
export function morphChildren(target: Node, source: Node): void {
  let current = target.firstChild;
  for (let next = source.firstChild; next; ) {
    const following = next.nextSibling;
    if (!current) {
      target.appendChild(next);
    } else {
      if (!current.isEqualNode(next)) {
        if (current.nodeName === next.nodeName && current.nodeType === next.nodeType) morphNode(current, next);
        else {
          target.replaceChild(next, current);
          current = next;
        }
      }
      current = current.nextSibling;
    }
    next = following;
  }
  while (current) {
    const extra = current;
    current = current.nextSibling;
    extra.remove();
  }
}

function morphNode(node: Node, like: Node): void {
  if (node.nodeType !== Node.ELEMENT_NODE) {
    node.nodeValue = like.nodeValue;
    return;
  }
  const el = node as Element;
  const model = like as Element;
  for (const name of el.getAttributeNames()) if (!model.hasAttribute(name)) el.removeAttribute(name);
  for (const name of model.getAttributeNames()) {
    const value = model.getAttribute(name) as string;
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }
  morphChildren(el, model);
}

function normalize(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function el(tag: string, className: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

function copyIcon(): SVGElement {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "14");
  svg.setAttribute("height", "14");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "ckw-icon");
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "2");
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  for (const [tag, attrs] of [
    ["rect", { x: "9", y: "9", width: "12", height: "12", rx: "2" }],
    ["path", { d: "M5 15H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v1" }],
  ] as const) {
    const child = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs)) child.setAttribute(name, value);
    svg.append(child);
  }
  return svg;
}

function onCopyClick(event: Event): void {
  const target = event.target as Element | null;
  const button = target?.closest?.(".ckw-code-copy");
  if (!button) return;
  const code = button.closest(".ckw-code")?.querySelector("pre code");
  const text = code?.textContent ?? "";
  const label = button.querySelector(".ckw-code-copy-label");
  void copyText(text).then((ok) => {
    if (!label) return;
    label.textContent = ok ? "Copied" : "Copy failed";
    setTimeout(() => (label.textContent = "Copy"), 1500);
  });
}

/** Copy to the clipboard; false when the browser refuses (insecure context, no focus). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
