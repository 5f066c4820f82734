// TeX math in markdown: `$…$`, `\(…\)` inline; `$$…$$`, `\[…\]` displayed.
//
// KaTeX renders to MathML only (output "mathml"): Chromium, Firefox and Safari lay out
// MathML Core themselves with the system's math font, so the bundle carries no KaTeX CSS
// and no fonts (anywidget loads the bundle from a Blob URL, where relative font URLs do
// not resolve; inlined fonts would cost ~270 kB gzip against ~70 kB for this).
//
// The TeX is untrusted: KaTeX runs with `trust: false` (no \href, \url, \htmlClass…),
// bounded macro expansion and sizes, and its output still goes through DOMPurify with a
// MathML-only profile. A formula that does not parse shows as its source text.
//
// Streaming: a formula is a token only once its closing delimiter is there, so an
// unfinished one shows as text until it closes. Rendered formulas are cached, so the
// paragraph being written does not typeset its finished formulas again on each update.

import DOMPurify, { type DOMPurify as Purifier } from "dompurify";
import katex from "katex";
import type { MarkedExtension, Tokens } from "marked";
import { inertDocument } from "./sanitize";
import "./math.css";

export interface MathToken extends Tokens.Generic {
  type: "math" | "mathBlock";
  raw: string;
  text: string;
  display: boolean;
}

/** Longer formulas are shown as text: typesetting cost grows with them (long tasks). */
const MAX_TEX_LENGTH = 4000;

// `$…$` follows pandoc's rule, so "$5 and $10" stays text: no space after the opening
// `$`, none before the closing one, and no digit right after it. No blank line inside.
const INLINE_DOLLAR = /^\$(?![\s$])((?:\\[^\n]|[^\\$\n]|\n(?![ \t]*\n))+?)(?<![\s\\])\$(?!\d)/;
const INLINE_DISPLAY = /^\$\$(?!\$)((?:\\[^\n]|[^\\$\n]|\$(?!\$)|\n(?![ \t]*\n))+?)\$\$/;
const INLINE_PAREN = /^\\\(((?:[^\n]|\n(?![ \t]*\n))+?)\\\)/;
const INLINE_BRACKET = /^\\\[((?:[^\n]|\n(?![ \t]*\n))+?)\\\]/;
// Displayed math on lines of its own: `$$` or `\[` opens a line, the closer ends one.
const BLOCK_DOLLAR = /^ {0,3}\$\$((?:[^$\n]|\$(?!\$)|\n(?![ \t]*\n))+?)\$\$[ \t]*(?:\n|$)/;
const BLOCK_BRACKET = /^ {0,3}\\\[((?:[^\n]|\n(?![ \t]*\n))+?)\\\][ \t]*(?:\n|$)/;

/** marked extension: math tokens ("math" inline, "mathBlock" for display on its own lines). */
export function mathExtension(): MarkedExtension {
  return {
    extensions: [
      {
        name: "mathBlock",
        level: "block",
        start(src: string) {
          const match = /(?:^|\n) {0,3}(?:\$\$|\\\[)/.exec(src);
          return match ? match.index + (match[0].startsWith("\n") ? 1 : 0) : undefined;
        },
        tokenizer(src: string): MathToken | undefined {
          const match = BLOCK_DOLLAR.exec(src) ?? BLOCK_BRACKET.exec(src);
          if (!match) return undefined;
          const text = (match[1] ?? "").trim();
          if (!text) return undefined;
          return { type: "mathBlock", raw: match[0], text, display: true };
        },
        renderer(token) {
          return `${placeholder((token as MathToken).text, true)}\n`;
        },
      },
      {
        name: "math",
        level: "inline",
        start(src: string) {
          const match = /\$|\\[([]/.exec(src);
          return match ? match.index : undefined;
        },
        tokenizer(src: string): MathToken | undefined {
          for (const [pattern, display] of [
            [INLINE_DISPLAY, true],
            [INLINE_DOLLAR, false],
            [INLINE_PAREN, false],
            [INLINE_BRACKET, true],
          ] as const) {
            const match = pattern.exec(src);
            const text = match?.[1]?.trim();
            if (match && text) return { type: "math", raw: match[0], text, display };
          }
          return undefined;
        },
        renderer(token) {
          const math = token as MathToken;
          return placeholder(math.text, math.display);
        },
      },
    ],
  };
}

// The HTML path (raw HTML in the same block) renders a placeholder with the TeX as text;
// `fillMathPlaceholders` swaps in the typeset math after the sanitizer ran. Its class is
// one the sanitizer keeps (`language-…`); model HTML wearing it only gets its text typeset
// as math, which `$…$` does anyway.
const PLACEHOLDER = "language-ckw-math";
const DISPLAY = "language-ckw-math-display";

function placeholder(tex: string, display: boolean): string {
  const escaped = tex.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<span class="${display ? DISPLAY : PLACEHOLDER}">${escaped}</span>`;
}

/** Replace the HTML path's math placeholders in `root` (after sanitizing) with math. */
export function fillMathPlaceholders(root: DocumentFragment | Element): void {
  for (const span of Array.from(root.querySelectorAll(`span.${PLACEHOLDER}, span.${DISPLAY}`))) {
    span.replaceWith(mathNode(span.textContent ?? "", span.classList.contains(DISPLAY)));
  }
}

const cache = new Map<string, Element>();
const CACHE_SIZE = 256;

/** The typeset formula: a `span.ckw-math` holding sanitized MathML (or the source, on error). */
export function mathNode(tex: string, display: boolean): Element {
  const key = `${display ? "D" : "I"}${tex}`;
  let node = cache.get(key);
  if (node) {
    // Most recently used last: the Map's order is the eviction order.
    cache.delete(key);
  } else {
    node = typeset(tex, display);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  cache.set(key, node);
  return document.importNode(node, true);
}

function typeset(tex: string, display: boolean): Element {
  const doc = inertDocument();
  const wrapper = doc.createElement("span");
  wrapper.className = display ? "ckw-math ckw-math-display" : "ckw-math";
  let html: string | null = null;
  let error = "";
  if (tex.length > MAX_TEX_LENGTH) error = "formula too long";
  else {
    try {
      html = katex.renderToString(tex, {
        output: "mathml",
        displayMode: display,
        throwOnError: true,
        trust: false,
        strict: "ignore",
        maxExpand: 200,
        maxSize: 20,
        globalGroup: false,
      });
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
  }
  const math = html === null ? null : sanitizeMath(html, doc);
  if (!math) {
    // Shown as written, delimiters and all, so nothing is lost.
    wrapper.classList.add("ckw-math-error");
    wrapper.textContent = display ? `$$${tex}$$` : `$${tex}$`;
    if (error) wrapper.setAttribute("title", error.slice(0, 300));
    return wrapper;
  }
  wrapper.appendChild(math);
  return wrapper;
}

let purifier: Purifier | undefined;

function getPurifier(): Purifier {
  if (purifier) return purifier;
  const p = DOMPurify(window);
  p.setConfig({
    USE_PROFILES: { mathMl: true },
    // KaTeX's <semantics> keeps the TeX source in an <annotation> (not shown, but copied).
    ADD_TAGS: ["semantics", "annotation"],
    ADD_ATTR: ["columnalign", "rowspacing", "columnspacing", "encoding"],
    FORBID_ATTR: ["style", "id", "name", "href", "xlink:href", "class", "src", "action"],
    FORBID_TAGS: ["annotation-xml", "maction", "mglyph", "style", "script"],
    ALLOW_DATA_ATTR: false,
    IN_PLACE: true,
  });
  purifier = p;
  return p;
}

/** KaTeX's `<math>` element, sanitized (MathML only), or null when nothing is left. */
function sanitizeMath(html: string, doc: Document): Element | null {
  const holder = doc.createElement("div");
  holder.innerHTML = html;
  // KaTeX wraps the <math> in <span class="katex">: keep only the <math>.
  const math = holder.querySelector("math");
  if (!math) return null;
  holder.replaceChildren(math);
  // In place, from the <math> itself (the profile allows no HTML, not even the holder).
  getPurifier().sanitize(math);
  const clean = holder.firstElementChild;
  return clean && clean.localName === "math" ? clean : null;
}

/** Where inline math opened by a delimiter at `at` in `text` closes (index after it), or -1. */
export function mathSpanEnd(text: string, at: number): number {
  const rest = text.slice(at);
  for (const pattern of [INLINE_DISPLAY, INLINE_DOLLAR, INLINE_PAREN, INLINE_BRACKET]) {
    const match = pattern.exec(rest);
    if (match?.[1]?.trim()) return at + match[0].length;
  }
  return -1;
}
