import { describe, expect, it } from "vitest";
import { closeMarkdown, renderMarkdown, StreamingMarkdown } from "../src/markdown";

/** The TeX source of each formula in `root`, in order (KaTeX keeps it in an annotation). */
function formulas(root: Element): string[] {
  return Array.from(root.querySelectorAll(".ckw-math")).map(
    (node) => node.querySelector("annotation")?.textContent ?? `!${node.textContent}`,
  );
}

function streamed(text: string, size = 3): StreamingMarkdown {
  const renderer = new StreamingMarkdown(document.createElement("div"));
  for (let i = size; i < text.length; i += size) renderer.update(text.slice(0, i), false);
  renderer.update(text, true);
  return renderer;
}

describe("math", () => {
  it.each([
    ["$x^2$", "x^2", false],
    ["\\(x^2\\)", "x^2", false],
    ["$$x^2$$", "x^2", true],
    ["\\[x^2\\]", "x^2", true],
    ["$$\n\\frac{a}{b}\n$$", "\\frac{a}{b}", true],
    ["\\[\n\\frac{a}{b}\n\\]", "\\frac{a}{b}", true],
    ["text $$E = mc^2$$ text", "E = mc^2", true],
  ])("renders %j as MathML", (source, tex, display) => {
    const root = renderMarkdown(source);
    const node = root.querySelector(".ckw-math");
    expect(node?.querySelector("math")?.namespaceURI).toBe("http://www.w3.org/1998/Math/MathML");
    expect(formulas(root)).toEqual([tex]);
    expect(node?.classList.contains("ckw-math-display")).toBe(display);
    expect(node?.querySelector("math")?.getAttribute("display") ?? "inline").toBe(display ? "block" : "inline");
  });

  it("keeps TeX escapes intact: \\, \\{ \\_ are not markdown escapes inside math", () => {
    const root = renderMarkdown("A thin space $a\\,b$, braces $\\{x\\}$ and $a\\_b$.");
    expect(formulas(root)).toEqual(["a\\,b", "\\{x\\}", "a\\_b"]);
    expect(root.querySelector("math mspace, math mtext, math mo")).not.toBeNull();
  });

  it("leaves dollar amounts alone", () => {
    for (const text of ["It costs $5 and $10.", "From $5 to $ 10", "$x$5 is not math", "Pay $ 3 $ now", "\\$x\\$ escaped"]) {
      const root = renderMarkdown(text);
      expect([text, root.querySelectorAll(".ckw-math").length]).toEqual([text, 0]);
    }
    expect(renderMarkdown("It costs $5 and $10.").textContent?.trim()).toBe("It costs $5 and $10.");
    expect(renderMarkdown("\\$x\\$ escaped").textContent?.trim()).toBe("$x$ escaped");
  });

  it("does not look for math in code", () => {
    const root = renderMarkdown("`$x$` and\n\n```\n$$y$$\n```");
    expect(root.querySelectorAll(".ckw-math")).toHaveLength(0);
    expect(root.textContent).toContain("$x$");
    expect(root.textContent).toContain("$$y$$");
  });

  it("does not read markdown emphasis inside a formula", () => {
    const root = renderMarkdown("$a_1 * b_2 * c$ and *em*");
    expect(formulas(root)).toEqual(["a_1 * b_2 * c"]);
    expect(root.querySelectorAll("em")).toHaveLength(1);
  });

  it("shows a formula that does not parse as its source, with the error as a tooltip", () => {
    const root = renderMarkdown("Bad: $\\frac{1}{$ end");
    const node = root.querySelector(".ckw-math-error");
    expect(node?.textContent).toBe("$\\frac{1}{$");
    expect(node?.getAttribute("title")).toMatch(/KaTeX parse error|Expected/);
  });

  it("is safe: no links, classes, ids, styles or HTML come out of untrusted TeX", () => {
    const attacks = [
      "$\\href{javascript:alert(1)}{x}$",
      "$\\url{javascript:alert(1)}$",
      "$\\htmlClass{ckw-root}{x}$",
      "$\\htmlId{x}{y}$",
      "$\\htmlStyle{position:fixed}{x}$",
      "$\\htmlData{a=b}{x}$",
      "$\\includegraphics{https://evil.example/x.png}$",
      "$\\text{<img src=x onerror=alert(1)>}$",
      "$\\color{red}{x}\\rule{100em}{100em}$",
    ];
    for (const text of attacks) {
      const root = renderMarkdown(text);
      for (const el of Array.from(root.querySelectorAll("*"))) {
        for (const name of el.getAttributeNames()) {
          expect([text, name]).not.toEqual([text, expect.stringMatching(/^(href|src|style|id|on\w+|data-.*|xlink:href)$/)]);
          if (name === "class") expect(el.getAttribute(name)).toMatch(/^(ckw-[\w-]+ ?)+$/);
        }
      }
      expect(root.querySelector("img, script, a, iframe")).toBeNull();
    }
  });

  it("bounds macro expansion (a self-expanding macro is an error, not a hang)", () => {
    const root = renderMarkdown("$\\def\\a{\\a\\a}\\a$");
    expect(root.querySelector(".ckw-math-error")).not.toBeNull();
  });

  it("renders math next to raw HTML (the sanitizer path)", () => {
    const root = renderMarkdown("Raw <b>bold</b> and $x^2$ and \\(y\\).");
    expect(root.querySelector("b")?.textContent).toBe("bold");
    expect(formulas(root)).toEqual(["x^2", "y"]);
  });

  it("shows an unfinished formula as text until it closes", () => {
    const renderer = new StreamingMarkdown(document.createElement("div"));
    renderer.update("Area is $\\pi r^", false);
    expect(renderer.root.querySelector(".ckw-math")).toBeNull();
    expect(renderer.root.textContent).toContain("$\\pi r^");
    renderer.update("Area is $\\pi r^2$", false);
    expect(formulas(renderer.root)).toEqual(["\\pi r^2"]);

    renderer.update("Area is $\\pi r^2$.\n\n$$\n\\sum_{k", false);
    expect(formulas(renderer.root)).toEqual(["\\pi r^2"]);
    expect(renderer.root.textContent).toContain("\\sum_{k");
    renderer.update("Area is $\\pi r^2$.\n\n$$\n\\sum_{k} a_k\n$$", true);
    expect(formulas(renderer.root)).toEqual(["\\pi r^2", "\\sum_{k} a_k"]);
  });

  it("does not close markdown markers inside a formula while streaming", () => {
    expect(closeMarkdown("Let $x_{1} + y_{2}$ and **bo")).toBe("Let $x_{1} + y_{2}$ and **bo**");
    expect(closeMarkdown("$$\na_{1} * b")).toBe("$$\na_{1} * b");
    expect(closeMarkdown("\\(a_{1} * b")).toBe("\\(a_{1} * b");
  });

  it("streams formulas to exactly the one-shot render", () => {
    const text =
      "Let $f(x) = x^2$ and \\(g(x) = \\sqrt{x}\\).\n\n$$\n\\int_0^1 f(x)\\,dx = \\frac13\n$$\n\n" +
      "Then $5 and $10 stay text; \\[ a_{1} * b_{2} \\] is displayed.\n\n" +
      "| x | $x^2$ |\n| --- | --- |\n| 2 | $4$ |\n\n> quoted $\\alpha$\n\n1. $a$\n2. $$b$$\n";
    for (const size of [1, 3, 7]) {
      expect(streamed(text, size).root.innerHTML).toBe(renderMarkdown(text).innerHTML);
    }
    expect(formulas(renderMarkdown(text))).toEqual([
      "f(x) = x^2",
      "g(x) = \\sqrt{x}",
      "\\int_0^1 f(x)\\,dx = \\frac13",
      "a_{1} * b_{2}",
      "x^2",
      "4",
      "\\alpha",
      "a",
      "b",
    ]);
  });
});
