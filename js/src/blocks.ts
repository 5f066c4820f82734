// Markdown tokens straight to DOM nodes, safe by construction.
//
// Streamed text is untrusted. Rendering it as marked's HTML, parsing that and sanitizing
// the result costs most of a streaming update; for the markdown models write, this builds
// the same nodes from marked's tokens instead, the way the sanitizer would leave them:
// text only ever becomes text nodes, elements come from a fixed set, and the few
// attributes (href, src, title, align, start, class) pass the sanitizer's own checks.
// Raw HTML, and any token this does not know, is not built here: `buildBlocks` returns
// null and the caller sanitizes marked's HTML instead.

import type { Token, Tokens } from "marked";
import { highlight } from "./highlight";
import { type MathToken, mathNode } from "./math";
import { guardImage, inertDocument, isSafeAttribute, type SanitizeContext, safeClasses } from "./sanitize";

class Unbuildable extends Error {}

/** The nodes for block `tokens`, or null when they need the sanitizer (raw HTML…). */
export function buildBlocks(tokens: Token[], context: SanitizeContext): DocumentFragment | null {
  const fragment = document.createDocumentFragment();
  try {
    blocks(fragment, tokens, context);
  } catch (error) {
    if (error instanceof Unbuildable) return null;
    throw error;
  }
  return fragment;
}

function blocks(parent: Node, tokens: Token[], context: SanitizeContext): void {
  for (const token of tokens) block(parent, token, context);
}

// Each case mirrors marked's HTML renderer (marked 18), newlines included, so the nodes
// equal what parsing its HTML gives.
function block(parent: Node, token: Token, context: SanitizeContext): void {
  switch (token.type) {
    case "space":
    case "def":
      return;
    case "hr":
      parent.appendChild(element("hr"));
      break;
    case "heading": {
      const { depth, tokens } = token as Tokens.Heading;
      parent.appendChild(inline(element(`h${Math.min(Math.max(depth, 1), 6)}`), tokens, context));
      break;
    }
    case "paragraph":
      parent.appendChild(inline(element("p"), (token as Tokens.Paragraph).tokens, context));
      break;
    case "text": {
      // A tight list item's text (block level).
      const text = token as Tokens.Text;
      if (text.tokens) inline(parent, text.tokens, context);
      else appendText(parent, decode(text.text));
      return;
    }
    case "checkbox":
      checkbox(parent, token as Tokens.Checkbox);
      return;
    case "blockquote": {
      const quote = element("blockquote");
      quote.appendChild(newline());
      blocks(quote, (token as Tokens.Blockquote).tokens, context);
      parent.appendChild(quote);
      break;
    }
    case "list": {
      const list = token as Tokens.List;
      const el = element(list.ordered ? "ol" : "ul");
      if (list.ordered && list.start !== 1) attribute(el, "start", String(list.start));
      el.appendChild(newline());
      for (const item of list.items) {
        const li = element("li");
        blocks(li, item.tokens, context);
        el.appendChild(li);
        el.appendChild(newline());
      }
      parent.appendChild(el);
      break;
    }
    case "table":
      parent.appendChild(table(token as Tokens.Table, context));
      break;
    case "code":
      parent.appendChild(code(token as Tokens.Code));
      break;
    case "mathBlock":
      // As math.ts's renderer: the formula's node, then a newline.
      parent.appendChild(mathNode((token as MathToken).text, true));
      break;
    default:
      throw new Unbuildable(token.type); // html, or an extension's token
  }
  appendText(parent, "\n");
}

function inline(parent: Node, tokens: Token[] | undefined, context: SanitizeContext): Node {
  for (const token of tokens ?? []) {
    switch (token.type) {
      case "text": {
        const text = token as Tokens.Text;
        if (text.tokens) inline(parent, text.tokens, context);
        else appendText(parent, decode(text.text));
        break;
      }
      case "escape":
        appendText(parent, (token as Tokens.Escape).text);
        break;
      case "strong":
      case "em":
      case "del":
        parent.appendChild(inline(element(token.type), (token as Tokens.Strong).tokens, context));
        break;
      case "codespan":
        parent.appendChild(element("code", (token as Tokens.Codespan).text));
        break;
      case "br":
        parent.appendChild(element("br"));
        break;
      case "math":
        parent.appendChild(mathNode((token as MathToken).text, (token as MathToken).display));
        break;
      case "checkbox":
        checkbox(parent, token as Tokens.Checkbox);
        break;
      case "link":
        link(parent, token as Tokens.Link, context);
        break;
      case "image":
        image(parent, token as Tokens.Image, context);
        break;
      default:
        throw new Unbuildable(token.type); // inline HTML
    }
  }
  return parent;
}

function link(parent: Node, token: Tokens.Link, context: SanitizeContext): void {
  const href = cleanUrl(token.href);
  const a = href === null ? null : element("a");
  const target = a ?? parent;
  if (token.autolink) appendText(target, token.text);
  else inline(target, token.tokens, context);
  if (!a || href === null) return;
  // Entities in a written URL or title mean what they say (marked leaves them for the
  // HTML parser); an autolink's text is taken literally.
  const url = token.autolink ? href : decode(href);
  if (attribute(a, "href", url)) {
    a.setAttribute("target", "_blank");
    a.setAttribute("rel", "noopener noreferrer");
  }
  if (token.title) attribute(a, "title", decode(token.title));
  parent.appendChild(a);
}

function image(parent: Node, token: Tokens.Image, context: SanitizeContext): void {
  const alt = decode(token.tokens ? plain(token.tokens) : token.text);
  const src = cleanUrl(token.href);
  if (src === null) {
    appendText(parent, alt);
    return;
  }
  // Made in the inert document: an image in the page's document would start loading
  // before the domain check.
  const img = inertDocument().createElement("img");
  attribute(img, "src", decode(src));
  img.setAttribute("alt", alt);
  if (token.title) attribute(img, "title", decode(token.title));
  parent.appendChild(document.adoptNode(guardImage(img, context)));
}

function checkbox(parent: Node, token: Tokens.Checkbox): void {
  const input = element("input");
  if (token.checked) input.setAttribute("checked", "");
  input.setAttribute("disabled", "");
  input.setAttribute("type", "checkbox");
  parent.appendChild(input);
  appendText(parent, " ");
}

function table(token: Tokens.Table, context: SanitizeContext): HTMLElement {
  const row = (cells: Tokens.TableCell[], tag: "th" | "td") => {
    const tr = element("tr");
    tr.appendChild(newline());
    for (const cell of cells) {
      const el = inline(element(tag), cell.tokens, context) as HTMLElement;
      if (cell.align) el.setAttribute("align", cell.align);
      tr.appendChild(el);
      tr.appendChild(newline());
    }
    return tr;
  };
  const el = element("table");
  el.appendChild(newline());
  const head = element("thead");
  head.append(newline(), row(token.header, "th"), newline());
  el.append(head, newline());
  if (token.rows.length) {
    const body = element("tbody");
    for (const cells of token.rows) body.append(row(cells, "td"), newline());
    el.appendChild(body);
  }
  return el;
}

function code(token: Tokens.Code): HTMLElement {
  // As markdown.ts's code renderer: highlighted when the language is known.
  const language = (token.lang ?? "").match(/^\S*/)?.[0] ?? "";
  const pre = element("pre");
  const el = element("code");
  const classes = safeClasses(language ? `hljs language-${language}` : "hljs");
  if (classes) el.setAttribute("class", classes);
  const highlighted = highlight(token.text, language);
  if (highlighted === null) appendText(el, token.text);
  else el.appendChild(highlighterNodes(highlighted));
  appendText(el, "\n");
  pre.appendChild(el);
  return pre;
}

/** highlight.js's HTML (escaped text in classed spans), checked to be exactly that. */
function highlighterNodes(html: string): DocumentFragment {
  const holder = inertDocument().createElement("div");
  holder.innerHTML = html;
  for (const el of Array.from(holder.querySelectorAll("*"))) {
    if (el.tagName !== "SPAN" || el.getAttributeNames().some((name) => name !== "class")) {
      throw new Unbuildable("highlighter output");
    }
    const classes = safeClasses(el.getAttribute("class") ?? "");
    if (classes) el.setAttribute("class", classes);
    else el.removeAttribute("class");
  }
  const fragment = document.createDocumentFragment();
  fragment.append(...Array.from(holder.childNodes));
  return fragment;
}

// --- helpers --------------------------------------------------------------------------------

function element(tag: string, text?: string): HTMLElement {
  const el = document.createElement(tag);
  if (text !== undefined) el.textContent = text;
  return el;
}

function newline(): Text {
  return document.createTextNode("\n");
}

/** Add text the way the HTML parser would: one text node for adjacent text. */
function appendText(parent: Node, text: string): void {
  if (!text) return;
  const last = parent.lastChild;
  if (last && last.nodeType === Node.TEXT_NODE) (last as Text).appendData(text);
  else parent.appendChild(document.createTextNode(text));
}

/** Set the attribute if the sanitizer would keep it; true if set. */
function attribute(el: Element, name: string, value: string): boolean {
  if (!isSafeAttribute(el.tagName.toLowerCase(), name, value)) return false;
  el.setAttribute(name, value);
  return true;
}

let decoder: HTMLTextAreaElement | undefined;

/** Decode HTML character references (`&amp;`, `&#169;`, `&copy;`) the way the parser does. */
function decode(text: string): string {
  if (!text.includes("&")) return text;
  // A textarea's content is text: references decode, tags do not parse.
  decoder ??= inertDocument().createElement("textarea");
  decoder.innerHTML = text.replace(/</g, "&lt;");
  return decoder.textContent ?? "";
}

/** An image's alt text: its inline tokens as plain text (marked's TextRenderer). */
function plain(tokens: Token[]): string {
  let out = "";
  for (const token of tokens) {
    const t = token as Tokens.Generic;
    if (t.type === "br") out += "\n";
    else if (t.type === "checkbox") out += t.raw;
    else if (["strong", "em", "del", "link", "image"].includes(t.type) && Array.isArray(t.tokens)) out += plain(t.tokens);
    else out += typeof t.text === "string" ? t.text : "";
  }
  return out;
}

/** marked's cleanUrl: percent-encode, or null when the URL cannot be encoded. */
function cleanUrl(href: string): string | null {
  try {
    return encodeURI(href).replace(/%25/g, "%");
  } catch {
    return null;
  }
}
