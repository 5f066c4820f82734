// Everything rendered from model or server output goes through here. Model output is
// untrusted: no scripts, handlers, frames, forms, styles or javascript: URLs; links open
// in a new tab without an opener; remote images only from the thread's allowed domains.

import DOMPurify, { type Config, type DOMPurify as Purifier } from "dompurify";

export interface SanitizeContext {
  /** The thread's `allowed_image_domains`: remote images from elsewhere become links. */
  allowedImageDomains?: readonly string[] | null;
}

const CONFIG: Config = {
  USE_PROFILES: { html: true }, // no SVG or MathML at all
  FORBID_TAGS: [
    "style", "link", "meta", "base", "iframe", "frame", "frameset", "object", "embed", "form",
    "button", "textarea", "select", "option", "dialog", "template", "video", "audio", "source",
    "track", "picture", "canvas",
  ],
  // style could paint over the notebook or the chat (a fake "sign in again" layer); id/name
  // could clobber globals or collide; sizes, focus and popover attributes could cover or
  // hijack the view.
  FORBID_ATTR: [
    "style", "id", "name", "srcset", "formaction", "action", "background", "ping", "autofocus",
    "width", "height", "tabindex", "accesskey", "contenteditable", "popover", "popovertarget",
    "popovertargetaction", "slot", "is",
  ],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: true,
};

/**
 * Class names the highlighter produces; any other class from the stream is dropped. Never
 * the view's own `ckw-*` classes (the renderer adds those itself, after sanitizing): model
 * HTML wearing them could pose as the view's history panel or banners.
 */
const SAFE_CLASS = /^(hljs(-[\w-]+)?|language-[\w+#.-]+)$/;

/** The classes of `value` that the sanitizer keeps. */
export function safeClasses(value: string): string {
  return value
    .split(/\s+/)
    .filter((name) => SAFE_CLASS.test(name))
    .join(" ");
}

/** Would the sanitizer keep `value` as this attribute (URLs: no javascript: and the like)? */
export function isSafeAttribute(tag: string, attr: string, value: string): boolean {
  return getPurifier().isValidAttribute(tag, attr, value);
}

let purifier: Purifier | undefined;

function getPurifier(): Purifier {
  if (purifier) return purifier;
  // A private instance: our hooks must not leak into other code on the page.
  const p = DOMPurify(window);
  p.addHook("uponSanitizeAttribute", (_node, data) => {
    if (data.attrName === "class") {
      data.attrValue = safeClasses(data.attrValue);
      if (!data.attrValue) data.keepAttr = false;
    }
  });
  p.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A" && node.hasAttribute("href")) {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    }
    if (node.tagName === "INPUT") {
      // GFM task lists are the only inputs markdown makes.
      if ((node.getAttribute("type") ?? "").toLowerCase() !== "checkbox") node.remove();
      else node.setAttribute("disabled", "");
    }
  });
  // Parsed once: passing the config to every sanitize() call re-parses it each time.
  p.setConfig({ ...CONFIG, IN_PLACE: true });
  purifier = p;
  return p;
}

/** How many sanitize calls share one parsing document (see `sanitize`). */
const CALLS_PER_DOCUMENT = 32;
let inert: Document | undefined;
let inertCalls = 0;

/**
 * Sanitize HTML into a fragment ready to append (never assign the input to a live
 * element's innerHTML). The HTML is parsed into an element of a document without a
 * browsing context (no scripts run, nothing loads) and cleaned there in place:
 * DOMPurify's own parse makes a new document per call, which costs more than the rest
 * for the small blocks streaming renders. The document is replaced now and then: each
 * call leaves a NodeIterator registered on it until garbage collection, and every node
 * removed from it is reported to all of them.
 */
export function sanitize(html: string, context: SanitizeContext = {}): DocumentFragment {
  if (!inert || ++inertCalls > CALLS_PER_DOCUMENT) {
    inert = document.implementation.createHTMLDocument("");
    inertCalls = 0;
  }
  const holder = inert.createElement("div");
  holder.innerHTML = html;
  getPurifier().sanitize(holder);
  // Still in the inert document: an image moved into the page starts loading at once.
  for (const img of Array.from(holder.querySelectorAll("img"))) {
    const shown = guardImage(img, context);
    if (shown !== img) img.replaceWith(shown);
  }
  const fragment = document.createDocumentFragment();
  fragment.append(...Array.from(holder.childNodes));
  return fragment;
}

let quiet: Document | undefined;

/**
 * A document without a browsing context, for parsing that must not run or load anything
 * (entity decoding, highlighter output, images not yet checked).
 */
export function inertDocument(): Document {
  quiet ??= document.implementation.createHTMLDocument("");
  return quiet;
}

/**
 * An image as the view shows it: from an allowed domain (or a data URL) it loads lazily
 * without a referrer; from anywhere else it becomes a link to it. Call while `img` is in
 * an inert document: in the page's document it would start loading.
 */
export function guardImage(img: Element, context: SanitizeContext): Node {
  const src = img.getAttribute("src") ?? "";
  if (!isAllowedImage(src, context.allowedImageDomains)) return imageLink(img, src);
  img.setAttribute("loading", "lazy");
  img.setAttribute("referrerpolicy", "no-referrer");
  return img;
}

/** The sanitized HTML as a string (for tests and one-shot comparisons). */
export function sanitizeToString(html: string, context: SanitizeContext = {}): string {
  const holder = document.createElement("div");
  holder.append(sanitize(html, context));
  return holder.innerHTML;
}

/**
 * A remote image loads only from an allowed domain (that host or a subdomain of it), over
 * http(s). Inline `data:image/…` URLs load anywhere: they reach no server.
 */
export function isAllowedImage(src: string, allowedDomains: readonly string[] | null | undefined): boolean {
  const value = src.trim();
  if (/^data:image\/(png|jpe?g|gif|webp|avif|bmp);/i.test(value)) return true;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false; // relative URLs would hit the notebook server
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return false;
  const host = url.hostname.toLowerCase();
  return (allowedDomains ?? []).some((entry) => {
    const domain = normalizeDomain(entry);
    return domain !== "" && (host === domain || host.endsWith(`.${domain}`));
  });
}

function normalizeDomain(entry: string): string {
  let domain = String(entry).trim().toLowerCase();
  domain = domain.replace(/^[a-z][a-z0-9+.-]*:\/\//, ""); // scheme
  domain = domain.replace(/[/?#].*$/, ""); // path
  domain = domain.replace(/:\d+$/, ""); // port
  return domain.replace(/^\*?\./, ""); // "*.example.com" and ".example.com" mean the same
}

/**
 * What a blocked image says: its alt text, else the host it would have loaded from. Never
 * the whole URL: a long one wraps across its box; a link's title holds it instead.
 */
export function blockedImageLabel(src: string, alt: string | null | undefined): string {
  const text = alt?.trim();
  if (text) return `Image: ${text}`;
  let host = "";
  try {
    const url = new URL(src.trim());
    if (url.protocol === "https:" || url.protocol === "http:") host = url.hostname;
  } catch {
    // not an absolute URL: nothing to name
  }
  if (host.length > 60) host = `${host.slice(0, 59)}…`;
  return host ? `Image blocked (${host})` : "Image blocked";
}

function imageLink(img: Element, src: string): Node {
  // Reuse the purifier for the URL check: only URLs it would keep on a link survive.
  const link = document.createElement("a");
  link.className = "ckw-blocked-image";
  link.textContent = blockedImageLabel(src, img.getAttribute("alt"));
  if (src && getPurifier().isValidAttribute("a", "href", src)) {
    link.setAttribute("href", src);
    link.setAttribute("title", src);
    link.setAttribute("target", "_blank");
    link.setAttribute("rel", "noopener noreferrer");
  }
  return link;
}
