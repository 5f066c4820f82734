import { describe, expect, it } from "vitest";
import { widgetText } from "../src/composer/Attachments";
import { buildContent, insertMention, mentionAt } from "../src/composer/mentions";
import { defaultModel, readComposerOptions } from "../src/composer/options";
import { accepts, checkFiles, safePreview } from "../src/composer/uploads";

const get = (values: Record<string, unknown>) => ({ get: (name: string) => values[name] });

describe("composer options", () => {
  it("are all off when nothing is configured", () => {
    const options = readComposerOptions(get({}));
    expect(options).toMatchObject({ attachments: null, tools: [], models: [], dictation: false, mentions: false });
  });
  it("read attachments from True or a dict, and drop malformed tools", () => {
    expect(readComposerOptions(get({ attachments: true })).attachments?.max_count).toBe(10);
    const options = readComposerOptions(
      get({ attachments: { enabled: true, max_size: 5, accept: ["image/*"] }, tools: [{ id: "t" }, { label: "no id" }, 3] }),
    );
    expect(options.attachments).toEqual({ max_size: 5, max_count: 10, accept: { "image/*": [] } });
    expect(options.tools.map((t) => t.label)).toEqual(["t"]);
  });
  it("open the @ menu for a Python handler or notebook variables", () => {
    expect(readComposerOptions(get({ _entities: { tag_search: true } })).mentions).toBe(true);
    expect(readComposerOptions(get({ tag_search: "variables" })).mentions).toBe(true);
  });
  it("default to the model marked default, else the first enabled", () => {
    expect(defaultModel([{ id: "a", label: "A", disabled: true }, { id: "b", label: "B" }])).toBe("b");
    expect(defaultModel([{ id: "a", label: "A" }, { id: "b", label: "B", default: true }])).toBe("b");
  });
});

describe("attachments in the view", () => {
  it("accept by MIME pattern or extension", () => {
    const accept = { "image/*": [], "text/csv": [".csv"] };
    expect(accepts({ name: "a.png", size: 1, type: "image/png" }, accept)).toBe(true);
    expect(accepts({ name: "a.csv", size: 1, type: "" }, accept)).toBe(true);
    expect(accepts({ name: "a.pdf", size: 1, type: "application/pdf" }, accept)).toBe(false);
  });
  it("name the first problem before anything is uploaded", () => {
    const options = { max_size: 10, max_count: 2, accept: { "image/*": [] } };
    expect(checkFiles([{ name: "big.png", size: 11, type: "image/png" }], 0, options)).toMatch(/too large/);
    expect(checkFiles([{ name: "a.png", size: 1, type: "image/png" }], 2, options)).toMatch(/Too many/);
    expect(checkFiles([{ name: "a.txt", size: 1, type: "text/plain" }], 0, options)).toMatch(/not an accepted type/);
    expect(checkFiles([{ name: "a.png", size: 1, type: "image/png" }], 1, options)).toBeNull();
  });
  it("load only http(s) and image data URLs as previews", () => {
    expect(safePreview("https://example.com/a.png")).toBe("https://example.com/a.png");
    expect(safePreview("data:image/png;base64,AAAA")).toBe("data:image/png;base64,AAAA");
    expect(safePreview("javascript:alert(1)")).toBeNull();
    expect(safePreview("data:text/html;base64,AAAA")).toBeNull();
  });
});

describe("mentions", () => {
  it("find the mention being typed at the caret", () => {
    expect(mentionAt("ask @sal", 8)).toEqual({ start: 4, query: "sal" });
    expect(mentionAt("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionAt("mail a@b", 8)).toBeNull();
    expect(mentionAt("ask @sal more", 13)).toBeNull();
  });
  it("insert the chosen entity as @Title", () => {
    const entity = { id: "var:sales", title: "sales" };
    expect(insertMention("sum @sa", { start: 4, query: "sa" }, 7, entity)).toEqual({ text: "sum @sales ", caret: 11 });
  });
  it("turn remembered mentions into tags, in order, and drop deleted ones", () => {
    const tags = [
      { id: "1", title: "Ada", data: { x: 1 } },
      { id: "2", title: "Bob" },
    ];
    expect(buildContent("ask @Ada and @Bob now", tags)).toEqual([
      { type: "input_text", text: "ask " },
      { type: "input_tag", id: "1", text: "Ada", data: { x: 1 }, interactive: false },
      { type: "input_text", text: " and " },
      { type: "input_tag", id: "2", text: "Bob", data: {}, interactive: false },
      { type: "input_text", text: " now" },
    ]);
    expect(buildContent("no mentions left", tags)).toBeNull();
  });
});

describe("entity previews", () => {
  it("show a widget's text values until the widget renderer lands", () => {
    const widget = { type: "Basic", children: [{ type: "Title", value: "Q3 sales" }, { type: "Text", value: "2 rows" }] };
    expect(widgetText(widget)).toBe("Q3 sales\n2 rows");
  });
});
