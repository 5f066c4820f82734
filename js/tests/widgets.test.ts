// Widget trees rendered as UI: one behaviour per test, read from the DOM.

import { h, render } from "preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { WidgetItem, WidgetNode } from "../src/chatkit";
import { applyUpdate } from "../src/state";
import { type ActionConfig, WidgetRootView, WidgetView } from "../src/widgets";
import { CHATKIT_ICON, iconNode } from "../src/widgets/icons";
import { cssValue } from "../src/widgets/style";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  render(null, document.body);
  document.body.replaceChildren();
});

function item(widget: WidgetNode, extra: Partial<WidgetItem> = {}): WidgetItem {
  return { id: "w1", thread_id: "t", created_at: "2025-01-01T00:00:00", type: "widget", widget, ...extra };
}

function show(widget: WidgetNode, props: Record<string, unknown> = {}): HTMLElement {
  const host = document.createElement("div");
  document.body.append(host);
  render(h(WidgetView, { item: item(widget), ...props }), host);
  return host;
}

const card = (...children: WidgetNode[]): WidgetNode => ({ type: "Card", children });

/** ChatKit's icon names (chatkit/icons.py, IconName). */
const CHATKIT_ICON_NAMES = `agent analytics atom batch bolt book-open book-closed book-clock bug calendar chart check
check-circle check-circle-filled chevron-left chevron-right circle-question clock compass confetti cube desktop document
dot dots-horizontal dots-vertical empty-circle external-link globe keys lab images info lifesaver lightbulb mail map-pin
maps mobile name notebook notebook-pencil page-blank phone play plus profile profile-card reload star star-filled search
sparkle sparkle-double square-code square-image square-text suitcase settings-slider user wreath write write-alt
write-alt2`.split(/\s+/);

describe("layout and text", () => {
  it("renders a card's children as UI, not as lines of text", () => {
    const host = show(
      card(
        { type: "Title", value: "Order #42", size: "lg" },
        { type: "Text", value: "Two items", color: "secondary", weight: "semibold" },
        { type: "Caption", value: "Shipped" },
        { type: "Badge", label: "New", color: "success", pill: true },
      ),
    );
    expect(host.querySelector(".ckw-w-card")).not.toBeNull();
    expect(host.querySelector(".ckw-w-title-lg")?.textContent).toBe("Order #42");
    const text = host.querySelector<HTMLElement>(".ckw-w-text");
    expect(text?.textContent).toBe("Two items");
    expect(text?.style.color).toBe("var(--ckw-w-text-secondary)");
    expect(text?.style.fontWeight).toBe("600");
    expect(host.querySelector(".ckw-w-caption")?.textContent).toBe("Shipped");
    const badge = host.querySelector(".ckw-w-badge");
    expect(badge?.className).toContain("ckw-w-tone-success");
    expect(badge?.className).toContain("ckw-w-pill");
  });

  it("maps spacing units, sizes, radius, background and borders onto styles", () => {
    const host = show(
      card({
        type: "Row",
        gap: 3,
        padding: { x: 2, top: 1 },
        margin: "4px",
        align: "center",
        justify: "between",
        wrap: "wrap",
        width: 120,
        radius: "full",
        background: { light: "blue-100", dark: "#112233" },
        border: { size: 2, color: "subtle", style: "dashed" },
        children: [{ type: "Text", value: "x" }],
      }),
    );
    const row = host.querySelector<HTMLElement>(".ckw-w-row") as HTMLElement;
    expect(row.style.gap).toBe("12px");
    expect(row.style.paddingLeft).toBe("8px");
    expect(row.style.paddingTop).toBe("4px");
    expect(row.style.margin).toBe("4px");
    expect(row.style.alignItems).toBe("center");
    expect(row.style.justifyContent).toBe("space-between");
    expect(row.style.flexWrap).toBe("wrap");
    expect(row.style.width).toBe("120px");
    expect(row.style.borderRadius).toBe("9999px");
    // A theme pair: the light primitive's light shade, the dark CSS colour as given.
    expect(row.style.background).toMatch(/^light-dark\(rgb\(227, 237, 253\), rgb\(17, 34, 51\)\)$/);
    expect(row.style.border).toContain("dashed");
  });

  it("honours text props: size, italic, line-through, truncate, line clamp, alignment", () => {
    const host = show(
      card(
        { type: "Text", value: "a", size: "xs", italic: true, lineThrough: true, textAlign: "center" },
        { type: "Text", value: "b", truncate: true },
        { type: "Text", value: "c", maxLines: 2 },
      ),
    );
    const [a, b, c] = Array.from(host.querySelectorAll<HTMLElement>(".ckw-w-text"));
    expect(a?.className).toContain("ckw-w-text-xs");
    expect(a?.style.fontStyle).toBe("italic");
    expect(a?.style.textDecoration).toBe("line-through");
    expect(a?.style.textAlign).toBe("center");
    expect(b?.className).toContain("ckw-w-truncate");
    expect(c?.getAttribute("style")).toContain("-webkit-line-clamp: 2");
  });

  it("maps surface, border, alpha and primitive colour tokens", () => {
    const host = show(
      card(
        { type: "Box", background: "surface-secondary", border: { size: 1, color: "strong" }, children: [] },
        { type: "Box", background: "alpha-10", children: [] },
        { type: "Box", background: "gray-900", children: [] },
        { type: "Text", value: "t", color: "discovery" },
      ),
    );
    const [surface, alpha, gray] = Array.from(host.querySelectorAll<HTMLElement>(".ckw-w-box"));
    expect(surface?.style.background).toBe("var(--ckw-w-surface-secondary)");
    expect(surface?.style.border).toContain("var(--ckw-w-border-strong)");
    expect(alpha?.style.background).toContain("color-mix(in srgb, var(--ckw-w-ink) 10%, transparent)");
    // Grays flip in dark mode (gray-900 text stays readable on a dark surface).
    expect(gray?.style.background).toMatch(/^light-dark\(rgb\(\d+, \d+, \d+\), rgb\(\d+, \d+, \d+\)\)$/);
    expect(host.querySelector<HTMLElement>(".ckw-w-text")?.style.color).toBe("var(--ckw-w-text-discovery)");
  });

  it("refuses CSS values that could load or inject anything", () => {
    expect(cssValue("url(https://evil.example/x.png)")).toBeUndefined();
    expect(cssValue("red; background: url(x)")).toBeUndefined();
    expect(cssValue("image-set('x.png' 1x)")).toBeUndefined();
    expect(cssValue("calc(100% - 8px)")).toBe("calc(100% - 8px)");
    const host = show(card({ type: "Box", background: "url(https://evil.example/a.png)", width: "url(x)", children: [] }));
    expect(host.querySelector<HTMLElement>(".ckw-w-box")?.getAttribute("style") ?? "").not.toContain("url(");
  });

  it("renders Spacer, Divider and Transition", () => {
    const host = show(
      card(
        { type: "Spacer", minSize: 10 },
        { type: "Divider", spacing: 2, size: 2, flush: true },
        { type: "Transition", children: { type: "Text", value: "inside", key: "k" } as unknown as WidgetNode[] },
      ),
    );
    expect(host.querySelector<HTMLElement>(".ckw-w-spacer")?.style.minWidth).toBe("10px");
    const divider = host.querySelector<HTMLElement>(".ckw-w-divider");
    expect(divider?.style.marginBlock).toBe("8px");
    expect(divider?.className).toContain("ckw-w-flush");
    expect(host.querySelector(".ckw-w-transition .ckw-w-text")?.textContent).toBe("inside");
  });

  it("shows an unknown component as readable text, ignores unknown props, never crashes", () => {
    const host = show(
      card(
        { type: "Hologram", title: "Beam me up", children: [{ type: "Text", value: "Scotty", sparkle: 11 }] },
        { type: "Text", value: "after", blink: true },
      ),
    );
    expect(host.querySelector(".ckw-w-unknown")?.textContent).toContain("Beam me up");
    expect(host.querySelector(".ckw-w-unknown")?.textContent).toContain("Scotty");
    expect(host.textContent).toContain("after");
  });

  it("falls back to the item's text when a widget fails to render, without breaking the page", () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const boom = {
      type: "Card",
      get children(): WidgetNode[] {
        throw new Error("boom");
      },
    } as unknown as WidgetNode;
    const host = document.createElement("div");
    document.body.append(host);
    render(h(WidgetView, { item: item(boom, { copy_text: "Copy of the card" }) }), host);
    return tick().then(() => {
      expect(host.textContent).toContain("Copy of the card");
      expect(spy).toHaveBeenCalled();
      spy.mockRestore();
    });
  });
});

describe("recovery", () => {
  it("renders a widget again once a new version of it arrives after a failure", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const boom = { type: "Card", get children(): WidgetNode[] { throw new Error("boom"); } } as unknown as WidgetNode;
    const host = document.createElement("div");
    document.body.append(host);
    render(h(WidgetView, { item: item(boom, { copy_text: "fallback" }) }), host);
    await tick();
    expect(host.textContent).toContain("fallback");
    render(h(WidgetView, { item: item(card({ type: "Text", value: "fixed" })) }), host);
    await tick();
    expect(host.querySelector(".ckw-w-text")?.textContent).toBe("fixed");
    spy.mockRestore();
  });

  it("renders nothing (and does not throw) for a bare root that is not an object", () => {
    const host = document.createElement("div");
    document.body.append(host);
    render(h(WidgetRootView, { widget: null as unknown as WidgetNode }), host);
    expect(host.querySelector(".ckw-w")?.childElementCount).toBe(0);
  });

  it("renders ChatKit.js tables", () => {
    const host = show(
      card({
        type: "Table",
        children: [
          { type: "Table.Row", header: true, children: [{ type: "Table.Cell", children: [{ type: "Text", value: "Name" }] }] },
          { type: "Table.Row", children: [{ type: "Table.Cell", align: "end", children: [{ type: "Text", value: "Ann" }] }] },
        ],
      }),
    );
    expect(host.querySelector("table th")?.textContent).toBe("Name");
    expect(host.querySelector<HTMLElement>("table td")?.style.textAlign).toBe("end");
  });
});

describe("roots", () => {
  it("renders a Card's status, size and confirm/cancel footer", () => {
    const host = show({
      type: "Card",
      size: "sm",
      status: { text: "Draft", icon: "write" },
      confirm: { label: "Send", action: { type: "send" } },
      cancel: { label: "Discard", action: { type: "discard" } },
      children: [{ type: "Text", value: "Body" }],
    });
    expect(host.querySelector(".ckw-w-status")?.textContent).toBe("Draft");
    expect(host.querySelector<HTMLElement>(".ckw-w-card")?.style.maxWidth).toBe("360px");
    const labels = Array.from(host.querySelectorAll(".ckw-w-card-footer button")).map((b) => b.textContent);
    expect(labels).toEqual(["Discard", "Send"]);
  });

  it("collapses a collapsed Card's body until asked", () => {
    const host = show({ type: "Card", collapsed: true, children: [{ type: "Text", value: "Hidden body" }] });
    expect(host.textContent).not.toContain("Hidden body");
    (host.querySelector(".ckw-w-card-expand") as HTMLButtonElement).click();
    return tick().then(() => expect(host.textContent).toContain("Hidden body"));
  });

  it("limits a ListView and shows more on request", async () => {
    const rows = Array.from({ length: 7 }, (_, i) => ({ type: "ListViewItem", key: `r${i}`, children: [{ type: "Text", value: `Row ${i}` }] }));
    const host = show({ type: "ListView", limit: 3, status: { text: "Results" }, children: rows });
    expect(host.querySelectorAll(".ckw-w-list-item")).toHaveLength(3);
    expect(host.querySelector(".ckw-w-status")?.textContent).toBe("Results");
    (host.querySelector(".ckw-w-show-more") as HTMLButtonElement).click();
    await tick();
    expect(host.querySelectorAll(".ckw-w-list-item")).toHaveLength(6);
    (host.querySelector(".ckw-w-show-more") as HTMLButtonElement).click();
    await tick();
    expect(host.querySelectorAll(".ckw-w-list-item")).toHaveLength(7);
    expect(host.querySelector(".ckw-w-show-more")).toBeNull();
  });

  it("renders a Basic root (entity previews) with nested roots", () => {
    const host = document.createElement("div");
    document.body.append(host);
    render(
      h(WidgetRootView, {
        widget: { type: "Basic", direction: "row", gap: 2, children: [{ type: "Card", children: [{ type: "Text", value: "nested" }] }] },
      }),
      host,
    );
    expect(host.querySelector<HTMLElement>(".ckw-w-basic")?.style.gap).toBe("8px");
    expect(host.querySelector(".ckw-w-basic .ckw-w-card")?.textContent).toBe("nested");
  });
});

describe("content", () => {
  it("draws every ChatKit icon name with a glyph, and lucide names of the subset", () => {
    // "dot" is drawn as a filled dot of its own; every other name maps to a glyph.
    for (const name of CHATKIT_ICON_NAMES.filter((n) => n !== "dot")) expect(iconNode(name), name).not.toBeNull();
    expect(Object.keys(CHATKIT_ICON).sort()).toEqual(CHATKIT_ICON_NAMES.filter((n) => n !== "dot").sort());
    expect(iconNode("lucide:arrow-right")).not.toBeNull();
    expect(iconNode("lucide:no-such-icon")).toBeNull();
    const host = show(card({ type: "Icon", name: "lucide:no-such-icon", size: "xl", color: "danger" }, { type: "Icon", name: "calendar" }));
    const [unknown, known] = Array.from(host.querySelectorAll<SVGElement>("svg.ckw-w-icon"));
    expect(unknown?.getAttribute("width")).toBe("20");
    expect(unknown?.querySelector("circle")).not.toBeNull();
    expect(known?.querySelectorAll("path, rect").length).toBeGreaterThan(1);
  });

  it("loads images only from allowed domains or data: URLs", () => {
    const host = show(
      card(
        { type: "Image", src: "https://img.example.com/a.png", alt: "ok", fit: "contain", radius: "lg", frame: true, height: 80 },
        { type: "Image", src: "https://elsewhere.test/b.png", alt: "remote" },
        { type: "Image", src: "javascript:alert(1)", alt: "evil" },
      ),
      { imageDomains: ["example.com"] },
    );
    const imgs = host.querySelectorAll<HTMLImageElement>("img");
    expect(imgs).toHaveLength(1);
    expect(imgs[0]?.style.objectFit).toBe("contain");
    expect(imgs[0]?.className).toContain("ckw-w-frame");
    const links = host.querySelectorAll<HTMLAnchorElement>(".ckw-w-image-blocked a");
    expect(links).toHaveLength(1);
    expect(links[0]?.rel).toBe("noopener noreferrer");
    expect(links[0]?.target).toBe("_blank");
    expect(host.innerHTML).not.toContain("javascript:");
  });

  it("labels a blocked image without alt text by its host, the full URL only in a title", () => {
    const url = `https://cdn.elsewhere.test/${"very-long-path/".repeat(12)}photo.jpg?size=large&token=abc`;
    const host = show(card({ type: "Image", src: url, width: 160, height: 120 }));
    const link = host.querySelector<HTMLAnchorElement>(".ckw-w-image-blocked a") as HTMLAnchorElement;
    expect(link.textContent).toBe("Image blocked (cdn.elsewhere.test)");
    expect(link.title).toBe(url);
    expect(link.getAttribute("href")).toBe(url);
    expect(host.textContent).not.toContain("very-long-path");
    // Not a web URL: no host to name, and nothing of it in the view.
    const odd = show(card({ type: "Image", src: "javascript:alert(1)" }));
    expect(odd.querySelector(".ckw-w-image-blocked")?.textContent).toBe("Image blocked");
    expect(odd.innerHTML).not.toContain("javascript:");
  });

  it("keeps a blocked image's box: its size, frame and radius, the label clipped inside", () => {
    // OpenAI's news-guide sample lays out a 160 x 200 remote image beside a column: as an
    // unsized link the placeholder took the row's width and squeezed the column to a letter.
    const host = show(card({ type: "Image", src: "https://elsewhere.test/hero.jpg", alt: "A long headline for the hero image", width: 160, height: 200, radius: "md", frame: true, flex: "none" }));
    const blocked = host.querySelector<HTMLElement>(".ckw-w-image-blocked");
    expect(blocked?.style.width).toBe("160px");
    expect(blocked?.style.height).toBe("200px");
    expect(blocked?.style.borderRadius).not.toBe("");
    expect(["none", "0 0 auto"]).toContain(blocked?.style.flex);
    expect(blocked?.className).toContain("ckw-w-frame");
    expect(blocked?.className).toContain("ckw-w-image-blocked--sized");
    expect(blocked?.querySelector("a")?.textContent).toBe("Image: A long headline for the hero image");
    // Without a size it stays an inline link.
    const plain = show(card({ type: "Image", src: "https://elsewhere.test/b.png", alt: "remote" })).querySelector<HTMLElement>(".ckw-w-image-blocked");
    expect(plain?.className).not.toContain("ckw-w-image-blocked--sized");
    expect(plain?.getAttribute("style") ?? "").toBe("");
  });

  it("renders Markdown through the sanitizing markdown pipeline", () => {
    const host = show(card({ type: "Markdown", value: "**bold** [x](https://a.example) [y](javascript:alert(1)) <img src=x onerror=alert(1)>" }));
    const md = host.querySelector(".ckw-w-markdown") as HTMLElement;
    expect(md.querySelector("strong")?.textContent).toBe("bold");
    const link = md.querySelector<HTMLAnchorElement>("a[href^='https']");
    expect(link?.rel).toBe("noopener noreferrer");
    expect(md.innerHTML).not.toContain("javascript:");
    expect(md.innerHTML).not.toContain("onerror");
  });

  it("draws bar, line and area series with axes and a legend", () => {
    const host = show(
      card({
        type: "Chart",
        height: 160,
        data: [
          { m: "Jan", a: 3, b: 1, c: 2 },
          { m: "Feb", a: 5, b: 2, c: 1 },
          { m: "Mar", a: 4, b: 3, c: 4 },
        ],
        series: [
          { type: "bar", dataKey: "a", label: "Apples", stack: "s" },
          { type: "bar", dataKey: "b", label: "Bananas", stack: "s", color: "purple" },
          { type: "line", dataKey: "c", label: "Cherries", curveType: "monotone" },
          { type: "area", dataKey: "b", label: "Area", color: { light: "red-500", dark: "red-300" } },
        ],
        xAxis: { dataKey: "m", labels: { Jan: "January" } },
        showLegend: true,
      }),
    );
    expect(host.querySelectorAll(".ckw-w-chart-bar")).toHaveLength(6);
    expect(host.querySelectorAll(".ckw-w-chart-line")).toHaveLength(2);
    expect(host.querySelectorAll(".ckw-w-chart-area")).toHaveLength(1);
    expect(host.querySelector("svg")?.getAttribute("height")).toBe("160");
    expect(Array.from(host.querySelectorAll(".ckw-w-chart-xlabel")).map((t) => t.textContent)).toEqual(["January", "Feb", "Mar"]);
    expect(host.querySelector(".ckw-w-chart-legend")?.textContent).toContain("Bananas");
    // Stacked: the second bar of a category sits on top of the first.
    const bars = Array.from(host.querySelectorAll(".ckw-w-chart-bar"));
    const first = Number(bars[0]?.getAttribute("y"));
    const stacked = Number(bars[3]?.getAttribute("y"));
    expect(stacked).toBeLessThan(first);
  });
});

describe("chart sizing", () => {
  it("takes its height from aspectRatio when no height is given, and hides axes on request", () => {
    const host = show(
      card({ type: "Chart", aspectRatio: 2, showYAxis: false, data: [{ x: "a", y: 1 }], xAxis: { dataKey: "x", hide: true }, series: [{ type: "line", dataKey: "y", label: "Y" }] }),
    );
    const svg = host.querySelector("svg") as SVGElement;
    // jsdom has no layout: the chart assumes its default width (480 px).
    expect(svg.getAttribute("height")).toBe("240");
    expect(host.querySelectorAll(".ckw-w-chart-tick, .ckw-w-chart-xlabel")).toHaveLength(0);
    expect(host.querySelector(".ckw-w-chart-legend")).toBeNull();
  });
});

describe("controls", () => {
  it("renders form controls with their names, defaults and options", () => {
    const host = show(
      card(
        { type: "Label", value: "Email", fieldName: "email" },
        { type: "Input", name: "email", inputType: "email", placeholder: "you@x", required: true, pattern: ".+@.+" },
        { type: "Textarea", name: "notes", defaultValue: "hi", rows: 4 },
        { type: "Select", name: "size", defaultValue: "m", options: [{ value: "s", label: "Small" }, { value: "m", label: "Medium" }] },
        { type: "DatePicker", name: "when", defaultValue: "2025-02-03T00:00:00", min: "2025-01-01T00:00:00" },
        { type: "Checkbox", name: "agree", label: "I agree", defaultChecked: true },
        { type: "RadioGroup", name: "color", defaultValue: "b", options: [{ value: "a", label: "A" }, { value: "b", label: "B" }] },
      ),
    );
    const input = host.querySelector<HTMLInputElement>("input[data-ckw-name='email']") as HTMLInputElement;
    expect(input.type).toBe("email");
    expect(input.required).toBe(true);
    expect(host.querySelector<HTMLLabelElement>(".ckw-w-label")?.htmlFor).toBe(input.id);
    expect(host.querySelector<HTMLTextAreaElement>("textarea")?.value).toBe("hi");
    expect(host.querySelector<HTMLSelectElement>("select")?.value).toBe("m");
    const date = host.querySelector<HTMLInputElement>("input[type='date']") as HTMLInputElement;
    expect(date.value).toBe("2025-02-03");
    expect(date.min).toBe("2025-01-01");
    expect(host.querySelector<HTMLInputElement>("input[type='checkbox']")?.checked).toBe(true);
    expect(host.querySelector<HTMLInputElement>("input[type='radio'][value='b']")?.checked).toBe(true);
  });

  it("shows a DatePicker's placeholder while it is empty, not the browser's mm/dd/yyyy", () => {
    const host = show(card({ type: "DatePicker", name: "when", placeholder: "Pick a day" }));
    const date = host.querySelector<HTMLInputElement>("input[type='date']") as HTMLInputElement;
    const shown = () => host.querySelector(".ckw-w-date-placeholder");
    // ChatKit.js shows the placeholder in the empty control; the native format text is hidden.
    expect(shown()?.textContent).toBe("Pick a day");
    expect(date.closest("[data-empty]")).not.toBeNull();
    expect(date.getAttribute("aria-label")).toBe("Pick a day");
    date.value = "2025-05-06";
    date.dispatchEvent(new Event("input", { bubbles: true }));
    return tick().then(() => {
      expect(shown()).toBeNull();
      expect(date.closest("[data-empty]")).toBeNull();
      date.value = "";
      date.dispatchEvent(new Event("input", { bubbles: true }));
      return tick();
    }).then(() => expect(shown()?.textContent).toBe("Pick a day"));
  });

  it("shows no placeholder over a DatePicker with a value", () => {
    const host = show(card({ type: "DatePicker", name: "when", placeholder: "Pick a day", defaultValue: "2025-02-03" }));
    expect(host.querySelector(".ckw-w-date-placeholder")).toBeNull();
    expect(host.querySelector("[data-empty]")).toBeNull();
  });

  it("renders a Button's label, icons and style props", () => {
    const host = show(
      card({ type: "Button", label: "Go", iconStart: "sparkle", iconEnd: "lucide:arrow-right", color: "discovery", variant: "outline", size: "lg", pill: true, block: true }),
    );
    const button = host.querySelector("button.ckw-w-button") as HTMLButtonElement;
    expect(button.textContent).toBe("Go");
    expect(button.querySelectorAll("svg")).toHaveLength(2);
    for (const cls of ["ckw-w-tone-discovery", "ckw-w-button-outline", "ckw-w-size-lg", "ckw-w-pill", "ckw-w-block"]) {
      expect(button.className).toContain(cls);
    }
  });
});

describe("button defaults", () => {
  it("defaults to a secondary solid md button; style is a colour preset", () => {
    const host = show(card({ type: "Button", label: "Plain" }, { type: "Button", label: "Main", style: "primary" }));
    const [plain, main] = Array.from(host.querySelectorAll("button.ckw-w-button"));
    for (const cls of ["ckw-w-tone-secondary", "ckw-w-button-solid", "ckw-w-size-md"]) expect(plain?.className).toContain(cls);
    expect(main?.className).toContain("ckw-w-tone-primary");
  });
});

describe("actions", () => {
  function deferred() {
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  }

  it("fires a Button's action with the item id, shows it loading and ignores repeat clicks", async () => {
    const pending = deferred();
    const onAction = vi.fn((_action: ActionConfig, _id: string) => pending.promise);
    const host = show(card({ type: "Button", label: "Buy", onClickAction: { type: "buy", payload: { sku: 1 } } }), { onAction });
    const button = () => host.querySelector("button.ckw-w-button") as HTMLButtonElement;
    button().click();
    await tick();
    expect(onAction).toHaveBeenCalledWith({ type: "buy", payload: { sku: 1 } }, "w1");
    expect(button().getAttribute("aria-busy")).toBe("true");
    button().click();
    button().click();
    await tick();
    expect(onAction).toHaveBeenCalledTimes(1);
    pending.resolve();
    await tick();
    await tick();
    expect(button().getAttribute("aria-busy")).toBeNull();
    button().click();
    expect(onAction).toHaveBeenCalledTimes(2);
  });

  it("greys out the whole widget for loadingBehavior container", async () => {
    const pending = deferred();
    const host = show(card({ type: "Button", label: "Go", onClickAction: { type: "go", loadingBehavior: "container" } }), {
      onAction: () => pending.promise,
    });
    (host.querySelector("button.ckw-w-button") as HTMLButtonElement).click();
    await tick();
    const root = host.querySelector(".ckw-w") as HTMLElement;
    expect(root.className).toContain("ckw-w--loading");
    expect(root.hasAttribute("inert")).toBe(true);
    pending.resolve();
    await tick();
    await tick();
    expect(root.className).not.toContain("ckw-w--loading");
  });

  it("shows no loading state for loadingBehavior none", async () => {
    const pending = deferred();
    const host = show(card({ type: "Button", label: "Go", onClickAction: { type: "go", loadingBehavior: "none" } }), {
      onAction: () => pending.promise,
    });
    (host.querySelector("button.ckw-w-button") as HTMLButtonElement).click();
    await tick();
    expect(host.querySelector("[aria-busy]")).toBeNull();
  });

  it("says so when actions are not connected, and when an action fails", async () => {
    const host = show(card({ type: "Button", label: "Go", onClickAction: { type: "go" } }));
    (host.querySelector("button.ckw-w-button") as HTMLButtonElement).click();
    await tick();
    expect(host.querySelector(".ckw-w-note")?.textContent).toContain("not connected");

    const other = show(card({ type: "Button", label: "Go", onClickAction: { type: "go" } }), {
      onAction: () => Promise.reject(new Error("kernel gone")),
    });
    (other.querySelector("button.ckw-w-button") as HTMLButtonElement).click();
    await tick();
    await tick();
    expect(other.querySelector(".ckw-w-note")?.textContent).toContain("kernel gone");
    expect(other.querySelector("button.ckw-w-button")?.getAttribute("aria-busy")).toBeNull();
  });

  it("fires a ListViewItem's action on click and Enter", async () => {
    const onAction = vi.fn(() => undefined);
    const host = show(
      { type: "ListView", children: [{ type: "ListViewItem", onClickAction: { type: "pick", handler: "client", payload: { id: "a" } }, children: [{ type: "Text", value: "A" }] }] },
      { onAction },
    );
    const row = host.querySelector(".ckw-w-list-item") as HTMLElement;
    expect(row.getAttribute("role")).toBe("button");
    row.click();
    await tick();
    row.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await tick();
    expect(onAction).toHaveBeenCalledTimes(2);
    expect(onAction).toHaveBeenCalledWith({ type: "pick", handler: "client", payload: { id: "a" } }, "w1");
  });

  const todoForm: WidgetNode = {
    type: "Card",
    children: [
      {
        type: "Form",
        onSubmitAction: { type: "update_todo", payload: { id: 9 } },
        children: [
          { type: "Text", value: "Old title", editable: { name: "todo.title", required: true } },
          { type: "Input", name: "todo.owner", defaultValue: "ann" },
          { type: "Checkbox", name: "todo.done", defaultChecked: false },
          { type: "Input", name: "code", pattern: "[A-Z]{3}" },
          { type: "Button", label: "Save", submit: true },
          { type: "Button", label: "Preview", onClickAction: { type: "preview" } },
        ],
      },
    ],
  };

  it("submits a Form with its values by name, dotted names nested", async () => {
    const onAction = vi.fn(() => undefined);
    const host = show(todoForm, { onAction });
    const title = host.querySelector<HTMLInputElement>("input[data-ckw-name='todo.title']") as HTMLInputElement;
    title.value = "New title";
    (host.querySelector("input[type='checkbox']") as HTMLInputElement).checked = true;
    (host.querySelector("button[type='submit']") as HTMLButtonElement).click();
    await tick();
    expect(onAction).toHaveBeenCalledWith(
      { type: "update_todo", payload: { id: 9, todo: { title: "New title", owner: "ann", done: true }, code: "" } },
      "w1",
    );
  });

  it("blocks a submit with a failed required or pattern field and shows the message", async () => {
    const onAction = vi.fn(() => undefined);
    const host = show(todoForm, { onAction });
    (host.querySelector<HTMLInputElement>("input[data-ckw-name='todo.title']") as HTMLInputElement).value = "";
    (host.querySelector<HTMLInputElement>("input[data-ckw-name='code']") as HTMLInputElement).value = "abc";
    (host.querySelector("button[type='submit']") as HTMLButtonElement).click();
    await tick();
    expect(onAction).not.toHaveBeenCalled();
    const errors = host.querySelectorAll(".ckw-w-field-error");
    expect(errors).toHaveLength(2);
    expect(errors[0]?.textContent).not.toBe("");
    // Fixing the fields clears the messages and lets the form submit.
    const title = host.querySelector<HTMLInputElement>("input[data-ckw-name='todo.title']") as HTMLInputElement;
    title.value = "Fine";
    title.dispatchEvent(new Event("input", { bubbles: true }));
    const code = host.querySelector<HTMLInputElement>("input[data-ckw-name='code']") as HTMLInputElement;
    code.value = "ABC";
    code.dispatchEvent(new Event("input", { bubbles: true }));
    await tick();
    expect(host.querySelectorAll(".ckw-w-field-error")).toHaveLength(0);
    (host.querySelector("button[type='submit']") as HTMLButtonElement).click();
    await tick();
    expect(onAction).toHaveBeenCalledTimes(1);
  });

  it("adds the form's values to other actions fired inside it, without validating", async () => {
    const onAction = vi.fn(() => undefined);
    const host = show(todoForm, { onAction });
    (host.querySelector<HTMLInputElement>("input[data-ckw-name='todo.title']") as HTMLInputElement).value = "";
    const preview = Array.from(host.querySelectorAll("button")).find((b) => b.textContent === "Preview") as HTMLButtonElement;
    preview.click();
    await tick();
    expect(onAction).toHaveBeenCalledWith({ type: "preview", payload: { todo: { title: "", owner: "ann", done: false }, code: "" } }, "w1");
  });

  it("sends a Card asForm's values with its confirm action, and its cancel action", async () => {
    const pending = deferred();
    const onAction = vi.fn((_action: ActionConfig, _id: string) => pending.promise);
    const host = show(
      {
        type: "Card",
        asForm: true,
        confirm: { label: "Book", action: { type: "book", payload: { flight: "LH1" } } },
        cancel: { label: "Cancel", action: { type: "cancel_booking" } },
        children: [
          { type: "Select", name: "seat", options: [{ value: "a", label: "Aisle" }, { value: "w", label: "Window" }] },
          { type: "Input", name: "passenger.name", required: true },
        ],
      },
      { onAction },
    );
    const confirm = () => Array.from(host.querySelectorAll("button")).find((b) => b.textContent === "Book") as HTMLButtonElement;
    confirm().click();
    await tick();
    expect(onAction).not.toHaveBeenCalled(); // required name missing
    (host.querySelector("input[data-ckw-name='passenger.name']") as HTMLInputElement).value = "Ann";
    (host.querySelector("select") as HTMLSelectElement).value = "w";
    confirm().click();
    await tick();
    expect(onAction).toHaveBeenLastCalledWith({ type: "book", payload: { flight: "LH1", seat: "w", passenger: { name: "Ann" } } }, "w1");
    // confirm → container loading by default
    expect(host.querySelector(".ckw-w")?.className).toContain("ckw-w--loading");
    pending.resolve();
    await tick();
    await tick();
    (Array.from(host.querySelectorAll("button")).find((b) => b.textContent === "Cancel") as HTMLButtonElement).click();
    await tick();
    expect(onAction).toHaveBeenLastCalledWith({ type: "cancel_booking", payload: { seat: "w", passenger: { name: "Ann" } } }, "w1");
  });

  it("greys out the form for a submit by Enter (no button), and its button for a click", async () => {
    const pending = deferred();
    const host = show(
      card({
        type: "Form",
        onSubmitAction: { type: "search" },
        children: [{ type: "Input", name: "q" }, { type: "Button", label: "Go", submit: true }],
      }),
      { onAction: () => pending.promise },
    );
    const form = host.querySelector("form") as HTMLFormElement;
    form.requestSubmit();
    await tick();
    expect(host.querySelector(".ckw-w")?.className).toContain("ckw-w--loading");
    pending.resolve();
    await tick();
    await tick();
    expect(host.querySelector(".ckw-w")?.className).not.toContain("ckw-w--loading");
  });

  it("puts a control's new value under its name in its onChangeAction payload", async () => {
    const onAction = vi.fn(() => undefined);
    const host = show(
      card(
        { type: "Select", name: "plan.tier", onChangeAction: { type: "tier", payload: { user: 1 } }, options: [{ value: "pro", label: "Pro" }, { value: "free", label: "Free" }] },
        { type: "Checkbox", name: "news", onChangeAction: { type: "news" } },
        { type: "RadioGroup", name: "size", onChangeAction: { type: "size" }, options: [{ value: "s", label: "S" }, { value: "l", label: "L" }] },
        { type: "DatePicker", name: "day", onChangeAction: { type: "day" } },
      ),
      { onAction },
    );
    const select = host.querySelector("select") as HTMLSelectElement;
    select.value = "free";
    select.dispatchEvent(new Event("change", { bubbles: true }));
    const box = host.querySelector("input[type='checkbox']") as HTMLInputElement;
    box.click();
    const radio = host.querySelector("input[type='radio'][value='l']") as HTMLInputElement;
    radio.click();
    const day = host.querySelector("input[type='date']") as HTMLInputElement;
    day.value = "2025-05-06";
    day.dispatchEvent(new Event("change", { bubbles: true }));
    await tick();
    expect(onAction.mock.calls.map((call) => (call as unknown[])[0])).toEqual([
      { type: "tier", payload: { user: 1, plan: { tier: "free" } } },
      { type: "news", payload: { news: true } },
      { type: "size", payload: { size: "l" } },
      { type: "day", payload: { day: "2025-05-06" } },
    ]);
    // Change actions show no loading state by default: the select stays usable.
    expect(select.disabled).toBe(false);
  });
});

describe("updates in place", () => {
  it("keeps the widget's DOM (and typed values) when a component updates or text streams", async () => {
    const widget: WidgetNode = card(
      { type: "Input", name: "q", key: "input" },
      { type: "Text", id: "status", value: "Working" },
      { type: "Transition", children: { type: "Markdown", id: "md", value: "Hel" } as unknown as WidgetNode[] },
    );
    let current = item(widget);
    const host = document.createElement("div");
    document.body.append(host);
    const draw = () => render(h(WidgetView, { item: current, streaming: true }), host);
    draw();
    const input = host.querySelector("input") as HTMLInputElement;
    input.value = "typed";
    const cardEl = host.querySelector(".ckw-w-card");

    current = applyUpdate(current, { type: "widget.streaming_text.value_delta", component_id: "md", delta: "lo", done: false }) as WidgetItem;
    draw();
    current = applyUpdate(current, {
      type: "widget.component.updated",
      component_id: "status",
      component: { type: "Text", id: "status", value: "Done", color: "success" },
    }) as WidgetItem;
    draw();
    await tick();
    expect(host.querySelector(".ckw-w-markdown")?.textContent?.trim()).toBe("Hello");
    expect(host.querySelectorAll(".ckw-w-text")[0]?.textContent).toBe("Done");
    expect(host.querySelector(".ckw-w-card")).toBe(cardEl);
    expect(host.querySelector("input")).toBe(input);
    expect(input.value).toBe("typed");
  });
});
