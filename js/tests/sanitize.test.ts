import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../src/markdown";
import { isAllowedImage, sanitize, sanitizeToString } from "../src/sanitize";

const clean = (html: string, allowedImageDomains: string[] | null = null) =>
  sanitizeToString(html, { allowedImageDomains });

describe("sanitizer", () => {
  it("strips <script> elements", () => {
    expect(clean("<p>hi</p><script>alert(1)</script>")).toBe("<p>hi</p>");
  });

  it("strips event handlers such as img onerror", () => {
    const out = clean('<img src="data:image/png;base64,AAAA" onerror="alert(1)">');
    expect(out).not.toContain("onerror");
    expect(out).toContain("<img");
  });

  it("cleans markup that closes its container early or nests tricks", () => {
    const out = clean('</div></template><img src=x onerror=alert(1)><div><svg><script>alert(2)</script></svg></div>');
    expect(out).not.toMatch(/onerror|script|svg|alert\(2\)/);
  });

  it("hands back nodes of the page's document, detached from the parser's", () => {
    const fragment = sanitize("<p>one</p><p>two</p>");
    expect(fragment.ownerDocument).toBe(document);
    expect(Array.from(fragment.childNodes, (node) => node.ownerDocument === document)).toEqual([true, true]);
  });

  it("strips javascript: links", () => {
    const out = clean('<a href="javascript:alert(1)">x</a><a href="JaVaScRiPt:alert(1)">y</a>');
    expect(out).not.toMatch(/javascript:/i);
  });

  it("strips svg and its onload", () => {
    const out = clean('<svg onload="alert(1)"><circle r="1"/></svg><p>ok</p>');
    expect(out).toBe("<p>ok</p>");
  });

  it("strips iframes, objects, embeds and forms", () => {
    const out = clean(
      '<iframe src="https://evil.example"></iframe><object data="x"></object><embed src="x">' +
        '<form action="https://evil.example"><input type="text" name="q"></form><p>ok</p>',
    );
    expect(out).toBe("<p>ok</p>");
  });

  it("strips style tags and style attributes", () => {
    const out = clean('<style>body{display:none}</style><p style="position:fixed;inset:0">x</p>');
    expect(out).toBe("<p>x</p>");
  });

  it("strips classes it does not own, keeps highlight classes", () => {
    expect(clean('<span class="jp-Notebook hljs-keyword">x</span>')).toBe('<span class="hljs-keyword">x</span>');
  });

  it("never keeps the view's own classes, ids or positioning from model HTML", () => {
    const out = clean(
      '<div class="ckw-history ckw-banner--danger ckw-root" id="ckw-app" style="position:fixed;inset:0;z-index:9999">' +
        'Your session expired</div><img src="data:image/png;base64,AAAA" width="4000" height="4000" class="ckw-md">' +
        '<p tabindex="1" accesskey="s" contenteditable="true" popover="manual">p</p>',
    );
    expect(out).toBe('<div>Your session expired</div><img src="data:image/png;base64,AAAA" loading="lazy" referrerpolicy="no-referrer"><p>p</p>');
  });

  it("renders markdown with raw HTML that claims the view's classes without them", () => {
    const holder = document.createElement("div");
    holder.append(renderMarkdown('<div class="ckw-history">fake history</div>\n\n<span class="ckw-banner">x</span> tail'));
    const claimed = Array.from(holder.querySelectorAll("[class]"), (el) => el.getAttribute("class"));
    expect(claimed.filter((c) => /ckw-(history|banner)/.test(c ?? ""))).toEqual([]);
    expect(holder.textContent).toContain("fake history");
  });

  it("opens links in a new tab with rel noopener noreferrer", () => {
    const holder = document.createElement("div");
    holder.innerHTML = clean('<a href="https://example.com" target="_self" rel="opener">x</a>');
    const link = holder.querySelector("a");
    expect(link?.getAttribute("target")).toBe("_blank");
    expect(link?.getAttribute("rel")).toBe("noopener noreferrer");
    expect(link?.getAttribute("href")).toBe("https://example.com");
  });

  it("keeps only disabled checkboxes among inputs", () => {
    expect(clean('<input type="checkbox" checked><input type="password">')).toBe(
      '<input type="checkbox" checked="" disabled="">',
    );
  });

  it("sanitizes raw HTML inside markdown", () => {
    const root = renderMarkdown('Hi <img src=x onerror="alert(1)"> <script>alert(2)</script> [x](javascript:alert(3))');
    expect(root.innerHTML).not.toMatch(/onerror|<script|javascript:/i);
  });
});

describe("image domain rule", () => {
  const domains = ["images.example.com", "cdn.org"];

  it.each([
    ["https://images.example.com/a.png", true],
    ["https://sub.cdn.org/a.png", true],
    ["https://cdn.org/a.png", true],
    ["http://cdn.org:8080/a.png", true],
    ["https://evil.com/a.png", false],
    ["https://cdn.org.evil.com/a.png", false],
    ["https://evilcdn.org/a.png", false],
    ["https://example.com/a.png", false],
    ["/files/a.png", false],
    ["ftp://cdn.org/a.png", false],
    ["data:image/png;base64,AAAA", true],
    ["data:text/html;base64,AAAA", false],
    ["data:image/svg+xml;base64,AAAA", false],
  ])("%s allowed: %s", (src, allowed) => {
    expect(isAllowedImage(src, domains)).toBe(allowed);
  });

  it("accepts domains written with a scheme or a wildcard", () => {
    expect(isAllowedImage("https://a.b.com/x.png", ["https://b.com/"])).toBe(true);
    expect(isAllowedImage("https://a.b.com/x.png", ["*.b.com"])).toBe(true);
  });

  it("allows no remote image when the thread lists no domains", () => {
    expect(isAllowedImage("https://images.example.com/a.png", null)).toBe(false);
  });

  it("keeps an allowed remote image, lazy and without referrer", () => {
    const out = clean('<img src="https://images.example.com/a.png" alt="chart">', domains);
    expect(out).toBe(
      '<img src="https://images.example.com/a.png" alt="chart" loading="lazy" referrerpolicy="no-referrer">',
    );
  });

  it("labels a blocked image without alt text by its host, the full URL only in a title", () => {
    const url = `https://evil.com/${"a/".repeat(60)}track.png?id=1`;
    const root = renderMarkdown(`![](${url})`, { allowedImageDomains: domains });
    const link = root.querySelector("a");
    expect(link?.textContent).toBe("Image blocked (evil.com)");
    expect(link?.getAttribute("title")).toBe(url);
    expect(link?.getAttribute("href")).toBe(url);
  });

  it("replaces a remote image from another domain by a link to it", () => {
    const root = renderMarkdown("![a chart](https://evil.com/track.png)", { allowedImageDomains: domains });
    expect(root.querySelector("img")).toBeNull();
    const link = root.querySelector("a");
    expect(link?.getAttribute("href")).toBe("https://evil.com/track.png");
    expect(link?.textContent).toBe("Image: a chart");
    expect(link?.getAttribute("rel")).toBe("noopener noreferrer");
  });
});
