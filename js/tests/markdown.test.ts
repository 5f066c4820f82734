import { marked } from "marked";
import { describe, expect, it } from "vitest";
import { closeMarkdown, HIGHLIGHT_PAUSE_MS, morphChildren, renderMarkdown, StreamingMarkdown } from "../src/markdown";

const DOCUMENTS: Record<string, string> = {
  headings: "# Title\n\nIntro with **bold**, *em*, `code` and ~~gone~~.\n\n## Sub\n\nText.\nSetext\n---\n\nEnd.",
  lists:
    "Steps:\n\n1. first\n2. second\n   - nested *a*\n   - nested b\n\n3. third (loose now)\n\n- [x] done\n- [ ] todo\n\nAfter the list.",
  code:
    "Run this:\n\n```python\ndef f(x):\n    return x ** 2  # square\n```\n\nThen `f(3)`.\n\n~~~\nplain ~~~ text\n~~~\n\n    indented code\n\nbye",
  table:
    "| Name | Score | Note |\n|:-----|------:|:----:|\n| Ada | 10 | **top** |\n| Bob | 7 | `x|y` |\n\nA paragraph after the table.\n\n| a |\n|---|\n| 1 |",
  quotes:
    "> A quote\n> over lines\n\nText with a [link](https://example.com/a_(b)) and <https://auto.link>.\n\n---\n\n[ref]: https://example.com/ref\n\nSee [the ref][ref].",
  forwardRef: "See [docs][d] now.\n\nMore text.\n\nAnd more.\n\n[d]: https://example.com/docs",
  crlf: "line one\r\nline two\r\n\r\n* a\r\n* b\r\n",
  report:
    "## 1. Stage one\n\nRead **1,200 rows** in 0.75 s; see [the log](https://example.com/1).\n\nKey points:\n\n" +
    "- Throughput rose.\n- Errors are grouped:\n  - schema (`TypeError`)\n  - missing keys\n\n1. Check out `v1`.\n2. Run it.\n\n" +
    "```python\ndef f(rows):\n    for r in rows:\n        yield r\n```\n\n| step | count |\n| --- | ---: |\n| a | 1 |\n| b | 2 |\n\n" +
    "> Note: tune both.\n\n---\n\nDone.\n",
  math:
    "Euler: $e^{i\\pi} + 1 = 0$, with a thin space $a\\,b$ and \\(x_1 + y_{2}\\).\n\n" +
    "$$\n\\int_0^1 x^2\\,dx = \\frac{1}{3}\n$$\n\n" +
    "It costs $5 and $10, not $x$5.\n\n\\[\n\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}\n\\]\n\n" +
    "- item with $\\alpha_i$ and *em*\n- `$not math$` in code\n\nInline display $$E = mc^2$$ here.\n",
};

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = size; i < text.length; i += size) out.push(text.slice(0, i));
  out.push(text);
  return out;
}

function stream(text: string, size = 4): StreamingMarkdown {
  const renderer = new StreamingMarkdown(document.createElement("div"));
  for (const prefix of chunks(text, size)) renderer.update(prefix, false);
  renderer.update(text, true);
  return renderer;
}

describe("streaming markdown", () => {
  for (const [name, text] of Object.entries(DOCUMENTS)) {
    it(`renders "${name}" fed in 4-char chunks exactly as a one-shot render`, () => {
      expect(stream(text).root.innerHTML).toBe(renderMarkdown(text).innerHTML);
    });
  }

  it("never freezes a block that the finished text renders differently", { timeout: 60_000 }, () => {
    const { forwardRef: _needsTheEnd, ...documents } = DOCUMENTS;
    for (const text of Object.values(documents)) {
      expect([text.slice(0, 20), stream(text, 1).stats.repairs]).toEqual([text.slice(0, 20), 0]);
    }
  });

  it("renders each document like marked does on the whole text", () => {
    // Block-by-block rendering must not change what marked produces (code chrome aside).
    for (const text of [DOCUMENTS.headings, DOCUMENTS.lists, DOCUMENTS.table] as string[]) {
      const ours = renderMarkdown(text);
      const theirs = document.createElement("div");
      theirs.append(document.createRange().createContextualFragment(marked.parse(text, { async: false })));
      expect(ours.textContent?.replace(/\s+/g, " ").trim()).toBe(theirs.textContent?.replace(/\s+/g, " ").trim());
      expect(ours.querySelectorAll("li, table, td, th, h1, h2, strong, em").length).toBe(
        theirs.querySelectorAll("li, table, td, th, h1, h2, strong, em").length,
      );
    }
  });

  it("renders each finished block once and keeps its DOM node", () => {
    const paragraphs = Array.from({ length: 30 }, (_, i) => `Paragraph ${i} with some words in it.`);
    const text = paragraphs.join("\n\n");
    const renderer = new StreamingMarkdown(document.createElement("div"));
    const updates = chunks(text, 4);
    let firstBlock: Element | null = null;
    for (const [index, prefix] of updates.entries()) {
      renderer.update(prefix, false);
      if (index === Math.floor(updates.length / 2)) firstBlock = renderer.root.firstElementChild;
    }
    renderer.update(text, true);
    // A block that was on screen as the tail keeps its node when it freezes: no render at all.
    expect(renderer.stats.frozenRenders).toBeLessThanOrEqual(paragraphs.length);
    expect(renderer.stats.tailRenders).toBeLessThanOrEqual(updates.length);
    expect(firstBlock?.textContent?.trim()).toBe("Paragraph 0 with some words in it.");
    expect(renderer.root.firstElementChild).toBe(firstBlock);
  });

  it("re-renders only the tail: a long finished prefix is not parsed again", () => {
    const prefix = Array.from({ length: 200 }, (_, i) => `- item ${i}`).join("\n") + "\n\nPara.\n\nOther para.\n\n";
    const renderer = new StreamingMarkdown(document.createElement("div"));
    renderer.update(prefix, false);
    const frozenBefore = renderer.stats.frozenRenders;
    const list = renderer.root.querySelector("ul");
    for (const next of chunks("The tail paragraph grows word by word.", 3)) renderer.update(prefix + next, false);
    expect(renderer.stats.frozenRenders).toBeLessThanOrEqual(frozenBefore + 1); // "Para." froze, nothing else
    expect(renderer.root.querySelector("ul")).toBe(list);
  });

  it("patches the growing block in place: its finished parts keep their nodes", () => {
    const rows = Array.from({ length: 6 }, (_, i) => `| r${i} | ${i} |`).join("\n");
    const table = `| name | value |\n| --- | --- |\n${rows}`;
    const renderer = new StreamingMarkdown(document.createElement("div"));
    renderer.update(`Intro.\n\n${table}`, false);
    const firstRow = renderer.root.querySelector("tbody tr");
    const paragraph = renderer.root.querySelector("p");
    renderer.update(`Intro.\n\n${table}\n| r6 | 6`, false);
    expect(renderer.root.querySelectorAll("tbody tr")).toHaveLength(7);
    expect(renderer.root.querySelector("tbody tr")).toBe(firstRow);
    expect(renderer.root.querySelector("p")).toBe(paragraph);
    renderer.update(`Intro.\n\n${table}\n| r6 | 6 |\n\nDone.`, true);
    expect(renderer.root.innerHTML).toBe(renderMarkdown(`Intro.\n\n${table}\n| r6 | 6 |\n\nDone.`).innerHTML);
  });

  it("morphs children to equal the new ones and keeps the equal nodes", () => {
    const target = document.createElement("div");
    target.innerHTML = "<p>same</p><ul><li>a</li><li>b</li></ul><p>gone</p>";
    const [same, list] = [target.children[0], target.children[1]];
    const item = list?.firstElementChild;
    const source = document.createElement("div");
    source.innerHTML = '<p>same</p><ul class="x"><li>a</li><li>b!</li><li>c</li></ul>';
    const expected = source.innerHTML;
    morphChildren(target, source);
    expect(target.innerHTML).toBe(expected);
    expect(target.children[0]).toBe(same);
    expect(target.children[1]).toBe(list);
    expect(target.children[1]?.firstElementChild).toBe(item);
  });

  it("shows an unterminated code fence as a code block mid-stream", () => {
    const renderer = new StreamingMarkdown(document.createElement("div"));
    renderer.update("Look:\n\n```python\nprint('hi')\nx = 1", false);
    const code = renderer.root.querySelector("pre code");
    expect(code?.textContent).toBe("print('hi')\nx = 1\n");
    expect(renderer.root.textContent).not.toContain("```");
  });

  it("shows unterminated bold mid-stream as bold, without stray asterisks", () => {
    const renderer = new StreamingMarkdown(document.createElement("div"));
    renderer.update("This is **very imp", false);
    expect(renderer.root.querySelector("strong")?.textContent).toBe("very imp");
    expect(renderer.root.textContent).not.toContain("*");
  });

  it("keeps a list whose next item has not arrived yet open", () => {
    const renderer = new StreamingMarkdown(document.createElement("div"));
    renderer.update("1. a\n\n2", false);
    renderer.update("1. a\n\n2. b\n\nEnd\n\nMore", false);
    renderer.update("1. a\n\n2. b\n\nEnd\n\nMore", true);
    expect(renderer.root.querySelectorAll("ol").length).toBe(1);
    expect(renderer.root.querySelectorAll("ol > li").length).toBe(2);
  });

  it("starts over when the text is not a continuation", () => {
    const renderer = new StreamingMarkdown(document.createElement("div"));
    renderer.update("First paragraph.\n\nSecond.\n\nThird.\n\nFourth", false);
    renderer.update("Something else entirely.", true);
    expect(renderer.root.innerHTML).toBe(renderMarkdown("Something else entirely.").innerHTML);
  });

  it("resolves a reference defined after its use once the stream is done", () => {
    const rendered = stream(DOCUMENTS.forwardRef as string).root;
    expect(rendered.querySelector("a")?.getAttribute("href")).toBe("https://example.com/docs");
  });

  it("highlights a finished block in the next update, in that update's task", () => {
    const code = "```python\ndef f(x):\n    return x + 1\n```";
    const renderer = new StreamingMarkdown(document.createElement("div"));
    renderer.update(`Intro.\n\n${code}\n\nNext paragraph.\n\nAnd one`, false);
    expect(renderer.root.querySelector("code .hljs-keyword")).toBeNull(); // just finished: plain
    const shown = renderer.root.querySelector("pre code");
    renderer.update(`Intro.\n\n${code}\n\nNext paragraph.\n\nAnd one more`, false);
    expect(renderer.root.querySelector("code .hljs-keyword")?.textContent).toBe("def");
    expect(renderer.root.querySelector("pre code")).toBe(shown); // patched in place
    renderer.dispose();
  });

  it("keeps highlighting off the hot path: plain while streaming, highlighted once idle", async () => {
    const code = "```python\ndef f(x):\n    return x + 1\n```";
    const renderer = new StreamingMarkdown(document.createElement("div"));
    renderer.update(`Intro.\n\n${code.slice(0, 30)}`, false);
    expect(renderer.root.querySelector("pre code")?.textContent).toContain("def f(x)");
    expect(renderer.root.querySelector("code .hljs-keyword")).toBeNull(); // being written: plain
    renderer.update(`Intro.\n\n${code}\n\nNext paragraph.\n\nAnd one more`, false);
    expect(renderer.root.querySelector("code .hljs-keyword")).toBeNull(); // finished, not yet idle
    const shown = renderer.root.querySelector("pre code");
    // No further update (the stream paused): an idle callback after the pause does it.
    await new Promise((resolve) => setTimeout(resolve, HIGHLIGHT_PAUSE_MS / 2));
    expect(renderer.root.querySelector("code .hljs-keyword")).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, HIGHLIGHT_PAUSE_MS + 200));
    expect(renderer.root.querySelector("code .hljs-keyword")?.textContent).toBe("def");
    expect(renderer.root.querySelector("pre code")).toBe(shown); // patched in place
    const text = `Intro.\n\n${code}\n\nNext paragraph.\n\nAnd one more.`;
    renderer.update(text, true);
    expect(renderer.root.innerHTML).toBe(renderMarkdown(text).innerHTML);
  });

  it("highlights on the final render what the idle time did not reach", () => {
    const code = "```python\nx = 1\n```";
    const text = `${code}\n\nA.\n\nB.\n\n${code}\n\nC.`;
    const renderer = stream(text, 3); // synchronous: no idle time in between
    expect(renderer.root.querySelectorAll("code .hljs-number")).toHaveLength(2);
    expect(renderer.root.innerHTML).toBe(renderMarkdown(text).innerHTML);
  });

  it("wraps fenced code with a language label and a copy button", () => {
    const root = renderMarkdown("```python\nx = 1\n```");
    expect(root.querySelector(".ckw-code-lang")?.textContent).toBe("python");
    expect(root.querySelector("button.ckw-code-copy")?.getAttribute("aria-label")).toBe("Copy code");
    expect(root.querySelector("code .hljs-number")?.textContent).toBe("1");
  });
});

describe("closeMarkdown", () => {
  it.each([
    ["```js\nlet a", "```js\nlet a\n```"],
    ["  ```\n  code\n", "  ```\n  code\n  ```"],
    ["some `code", "some `code`"],
    ["some `", "some "],
    ["**bold", "**bold**"],
    ["**bold *and em", "**bold *and em***"],
    ["_under", "_under_"],
    ["snake_case_name", "snake_case_name"],
    ["~~strike", "~~strike~~"],
    ["* item one\n* item **two", "* item one\n* item **two**"],
    ["ends with **", "ends with "],
    ["a [link](https://exa", "a link"],
    ["an ![image](https://exa", "an "],
    ["text <di", "text "],
    ["| a | b |", ""],
    ["| a | b |\n|--", "| a | b |\n| --- | --- |"],
    ["Heading\n-", "Heading"],
    ["2 * 3 = 6", "2 * 3 = 6"],
    ["```\na\n\nb\n```\ntext **x", "```\na\n\nb\n```\ntext **x**"],
  ])("closes %j as %j", (input, expected) => {
    expect(closeMarkdown(input)).toBe(expected);
  });

  it("leaves closed markdown alone", () => {
    const text = "Done **bold** and `code` and [link](https://x.y).";
    expect(closeMarkdown(text)).toBe(text);
  });
});
