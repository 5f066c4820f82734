// The token-to-DOM builder must give exactly the nodes the sanitizer leaves from marked's
// HTML (attribute order aside), and never anything the sanitizer would not keep.

import { describe, expect, it } from "vitest";
import { buildBlocks } from "../src/blocks";
import { lex, renderTokens, renderTokensAsHtml } from "../src/markdown";
import type { SanitizeContext } from "../src/sanitize";

const CORPUS: Record<string, string> = {
  headings: "# One\n## Two *em*\n### Three `code`\n#### Four\n##### Five\n###### Six\n\nSetext\n===\n\n---\n",
  inline: "Some **bold**, *em*, ***both***, ~~gone~~, `a < b && c`, a hard  \nbreak and a\\\nbackslash break.",
  entities: "Fish &amp; chips &copy; &#169; &#x41; &nosuchentity; 5 < 6 > 4 \"q\" 'a' & done.",
  escapes: "\\*not em\\* \\<tag\\> \\_x\\_ \\# \\` \\& \\\\",
  links:
    '[plain](https://example.com) [titled](https://example.com/a "T &amp; U") [query](http://x.test/?a=1&amp;b=2)\n\n' +
    "<https://auto.link/x?y=1&z=2> www.example.org/path and mail@example.com and [rel](/relative) [frag](#top)",
  hostileLinks: "[js](javascript:alert(1)) [js2](JaVaScRiPt:alert(2)) [data](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:x)",
  images:
    '![allowed](https://img.example.com/a.png "Title") ![other](https://evil.test/p.gif) ![**bold** alt](https://img.example.com/b.png)\n\n' +
    "![data](data:image/png;base64,iVBORw0KGgo=) ![js](javascript:alert(1)) ![rel](/files/x.png)",
  lists:
    "1. one\n2. two\n   - nested *a*\n   - nested b\n\n3. three (loose)\n\n- [x] done\n- [ ] todo\n\n5. five\n6. six\n\n* a\n\n  para in item\n* b",
  tasksLoose: "- [x] done\n\n- [ ] todo\n\n  more",
  tables:
    "| Name | Score | Note |\n|:-----|------:|:----:|\n| Ada | 10 | **top** |\n| Bob | 7 | `x\\|y` |\n\n| a |\n|---|\n\n| h1 | h2 |\n| -- | -- |\n| [l](https://x.test) | ![i](https://img.example.com/i.png) |",
  code:
    "```python\ndef f(x):\n    return x ** 2  # square < 3 & \"q\"\n```\n\n```\nno language <b>\n```\n\n```x\"onclick=alert(1)\nweird language\n```\n\n```klingon\nunknown\n```\n\n    indented <i>code</i>\n",
  quotes: "> A quote\n> over lines\n>\n> > nested **quote**\n\n> - list in quote\n\n[ref]: https://example.com/ref\n\nSee [the ref][ref].",
  html: "<div onclick=alert(1)>raw block</div>\n\nInline <b>html</b> and <img src=x onerror=alert(1)> here.",
};

const CONTEXT: SanitizeContext = { allowedImageDomains: ["img.example.com"] };

/** Serialize with attributes sorted: the sanitizer re-adds attributes in its own order. */
function canonical(node: Node): string {
  if (node.nodeType === Node.TEXT_NODE) return JSON.stringify(node.nodeValue);
  if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return `#${node.nodeType}`;
  const children = Array.from(node.childNodes, canonical).join(",");
  if (node.nodeType === Node.DOCUMENT_FRAGMENT_NODE) return `[${children}]`;
  const el = node as Element;
  const attrs = el
    .getAttributeNames()
    .sort()
    .map((name) => `${name}=${JSON.stringify(el.getAttribute(name))}`)
    .join(" ");
  return `<${el.tagName.toLowerCase()} ${attrs}>[${children}]`;
}

describe("building blocks from tokens", () => {
  for (const [name, text] of Object.entries(CORPUS)) {
    it(`builds "${name}" exactly as sanitizing marked's HTML does`, () => {
      const tokens = lex(text);
      for (const token of tokens) {
        const built = canonical(renderTokens([token], CONTEXT));
        const sanitized = canonical(renderTokensAsHtml([token], CONTEXT));
        expect([token.raw, built]).toEqual([token.raw, sanitized]);
      }
    });
  }

  it("leaves raw HTML to the sanitizer", () => {
    const tokens = lex(CORPUS.html as string).filter((token) => token.type !== "space");
    for (const token of tokens) expect(buildBlocks([token], CONTEXT)).toBeNull();
  });

  it("builds everything else itself", () => {
    for (const [name, text] of Object.entries(CORPUS)) {
      if (name === "html") continue;
      for (const token of lex(text)) expect([name, token.raw, buildBlocks([token], CONTEXT) !== null]).toEqual([name, token.raw, true]);
    }
  });

  it("never builds script, handlers or unsafe URLs", () => {
    const root = document.createElement("div");
    for (const text of [CORPUS.hostileLinks, CORPUS.images, CORPUS.code] as string[]) root.append(renderTokens(lex(text), CONTEXT));
    expect(root.innerHTML).not.toMatch(/javascript:|vbscript:|data:text|onclick|onerror|<script/i);
    expect(root.querySelector("img[src*='evil']")).toBeNull();
    expect(root.querySelector("a.ckw-blocked-image")?.getAttribute("href")).toBe("https://evil.test/p.gif");
  });
});
