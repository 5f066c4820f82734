// The payload an action carries: form values by name, dotted names nested, the action's
// own payload winning on a collision.

import { describe, expect, it } from "vitest";
import { loadingFor } from "../src/widgets/actions";
import { buildPayload, collectValues } from "../src/widgets/payload";

describe("buildPayload", () => {
  it("adds values under their names next to the action's payload", () => {
    const { payload, collisions } = buildPayload({ id: 7 }, [
      ["title", "Buy milk"],
      ["done", true],
    ]);
    expect(payload).toEqual({ id: 7, title: "Buy milk", done: true });
    expect(collisions).toEqual([]);
  });

  it("nests dotted names", () => {
    const { payload } = buildPayload({ id: 1 }, [
      ["todo.title", "A"],
      ["todo.meta.priority", "high"],
      ["todo.done", false],
    ]);
    expect(payload).toEqual({ id: 1, todo: { title: "A", done: false, meta: { priority: "high" } } });
  });

  it("merges into an object the payload already has", () => {
    const { payload } = buildPayload({ todo: { id: 3 } }, [["todo.title", "A"]]);
    expect(payload).toEqual({ todo: { id: 3, title: "A" } });
  });

  it("keeps the payload's own value on a collision and reports it", () => {
    const { payload, collisions } = buildPayload({ id: 7, todo: "x" }, [
      ["id", "typed"],
      ["todo.title", "A"],
      ["other", "kept"],
    ]);
    expect(payload).toEqual({ id: 7, todo: "x", other: "kept" });
    expect(collisions).toEqual(["id", "todo.title"]);
  });

  it("does not change the action's payload object", () => {
    const base = { nested: { a: 1 } };
    buildPayload(base, [["nested.b", "2"]]);
    expect(base).toEqual({ nested: { a: 1 } });
  });

  it("builds an object when the action has no payload, and leaves null alone without values", () => {
    expect(buildPayload(undefined, [["q", "x"]]).payload).toEqual({ q: "x" });
    expect(buildPayload(null, []).payload).toBeNull();
    expect(buildPayload({ a: 1 }, []).payload).toEqual({ a: 1 });
  });

  it("keeps a non-object payload and reports every value as a collision", () => {
    expect(buildPayload("plain", [["q", "x"]])).toEqual({ payload: "plain", collisions: ["q"] });
  });

  it("never writes to prototypes", () => {
    const { payload, collisions } = buildPayload({}, [
      ["__proto__.polluted", "yes"],
      ["constructor.prototype.polluted", "yes"],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(payload).toEqual({});
    expect(collisions).toHaveLength(2);
  });

  it("lets a later field of the same name win over an earlier one", () => {
    expect(buildPayload({}, [["a", "1"], ["a", "2"]]).payload).toEqual({ a: "2" });
  });
});

describe("collectValues", () => {
  const form = (html: string) => {
    const el = document.createElement("form");
    el.innerHTML = html;
    return el;
  };

  it("reads each named control with its type's value", () => {
    const el = form(`
      <input data-ckw-name="title" value="Hi">
      <input type="checkbox" data-ckw-name="agree" checked>
      <input type="checkbox" data-ckw-name="spam">
      <select data-ckw-name="size"><option value="">Pick</option><option value="m" selected>M</option></select>
      <select data-ckw-name="unset"><option value="" selected>Pick</option><option value="m">M</option></select>
      <input type="date" data-ckw-name="when" value="2025-03-04">
      <input type="date" data-ckw-name="never">
      <textarea data-ckw-name="notes">Long</textarea>
      <input data-ckw-name="off" value="x" disabled>
      <input name="plain" value="not a widget field">`);
    expect(collectValues(el)).toEqual([
      ["title", "Hi"],
      ["agree", true],
      ["spam", false],
      ["size", "m"],
      ["unset", null],
      ["when", "2025-03-04"],
      ["never", null],
      ["notes", "Long"],
    ]);
  });

  it("gives a radio group one value: the checked option, or null", () => {
    const el = form(`
      <input type="radio" name="g1" data-ckw-name="pick" value="a">
      <input type="radio" name="g1" data-ckw-name="pick" value="b" checked>
      <input type="radio" name="g2" data-ckw-name="none" value="a">`);
    expect(collectValues(el)).toEqual([
      ["pick", "b"],
      ["none", null],
    ]);
  });
});

describe("loadingFor", () => {
  it("maps auto by what fired the action, as ChatKit documents", () => {
    expect(loadingFor({ type: "a" }, "click")).toBe("self");
    expect(loadingFor({ type: "a" }, "change")).toBe("none");
    expect(loadingFor({ type: "a" }, "confirm")).toBe("container");
    expect(loadingFor({ type: "a" }, "submit", true)).toBe("self");
    expect(loadingFor({ type: "a" }, "submit", false)).toBe("container");
  });

  it("keeps an explicit behaviour", () => {
    expect(loadingFor({ type: "a", loadingBehavior: "container" }, "click")).toBe("container");
    expect(loadingFor({ type: "a", loadingBehavior: "none" }, "confirm")).toBe("none");
    expect(loadingFor({ type: "a", loadingBehavior: "self" }, "change")).toBe("self");
  });
});
