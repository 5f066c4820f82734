// Structured input in the view: the pending item's questions in the composer's place,
// answers and skips posted to the kernel, answered items shown read-only.

import { afterEach, describe, expect, it } from "vitest";
import type { StructuredInputItem } from "../src/chatkit";
import { collectAnswers } from "../src/components/StructuredInput";
import { mount as mountView, thread, tick, unmountAll, user } from "./fixtures";

afterEach(unmountAll);

const questions = (status: StructuredInputItem["status"] = "pending", answers?: Record<string, string[] | "skipped">): StructuredInputItem => {
  const answer = (id: string) => {
    const given = answers?.[id];
    return given === undefined ? {} : { answer: given === "skipped" ? { skipped: true } : { values: given } };
  };
  return {
    type: "structured_input",
    id: "si_1",
    thread_id: "thr_1",
    created_at: "2025-01-01T00:00:01Z",
    status,
    inputs: [
      { type: "multiple_choice", id: "color", question: "Which colour?", options: [{ value: "Black" }, { value: "Ginger" }], ...answer("color") },
      { type: "multiple_choice", id: "toys", question: "Which toys?", multiple: true, options: [{ value: "Ball" }, { value: "Mouse" }], ...answer("toys") },
      { type: "freeform", id: "name", question: "What is the cat called?", description: "Any name you like.", ...answer("name") },
    ],
  };
};

const mount = (items: unknown[], responding = false) => mountView({ _thread: thread() }, { items, responding });

const panel = (el: Element) => el.querySelector<HTMLFormElement>("form.ckw-si");
const button = (el: Element, name: string) =>
  Array.from(el.querySelectorAll<HTMLButtonElement>(".ckw-si button")).find((b) => b.textContent?.trim() === name)!;
function check(el: Element, value: string) {
  const input = el.querySelector<HTMLInputElement>(`.ckw-si input[value="${value}"]`)!;
  input.click();
}
function typeInto(input: HTMLInputElement | HTMLTextAreaElement, text: string) {
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

describe("structured input", () => {
  it("takes the composer's place while pending, with each question's controls", async () => {
    const { el } = await mount([user("u1", "questions"), questions()]);
    expect(panel(el)).not.toBeNull();
    expect(el.querySelector("textarea[aria-label='Message']")).toBeNull();
    expect(Array.from(el.querySelectorAll(".ckw-si-legend")).map((l) => l.textContent)).toEqual([
      "Which colour?",
      "Which toys?",
      "What is the cat called?",
    ]);
    expect(el.querySelectorAll(".ckw-si input[type=radio]")).toHaveLength(2);
    expect(el.querySelectorAll(".ckw-si input[type=checkbox]")).toHaveLength(2);
    // The freeform answer is labelled by its question and described by its description.
    const text = el.querySelector<HTMLTextAreaElement>(".ckw-si-text")!;
    expect(el.querySelector(`label[for='${text.id}']`)?.textContent).toBe("What is the cat called?");
    expect(el.querySelector(`#${text.getAttribute("aria-describedby")}`)?.textContent).toBe("Any name you like.");
    expect(button(el, "Submit").disabled).toBe(true); // nothing answered yet
  });

  it("submits the chosen and typed answers", async () => {
    const { el, model } = await mount([questions()]);
    check(el, "Black");
    check(el, "Ginger"); // a single choice: replaces Black
    check(el, "Ball");
    check(el, "Mouse");
    check(el, "Ball"); // unchecked again
    typeInto(el.querySelector<HTMLTextAreaElement>(".ckw-si-text")!, "  Biscuit ");
    await tick();
    expect(el.querySelector(".ckw-si-count")?.textContent).toBe("3 of 3 answered");
    button(el, "Submit").click();
    await tick();
    expect(model.sent).toEqual([
      {
        type: "answer",
        item_id: "si_1",
        answers: { color: ["Ginger"], toys: ["Mouse"], name: ["Biscuit"] },
        skipped: false,
        request_id: expect.any(String),
      },
    ]);
    // Until the kernel replies, a second submit is ignored.
    expect(button(el, "Submit").disabled).toBe(true);
    expect(button(el, "Skip").disabled).toBe(true);
  });

  it("skips", async () => {
    const { el, model } = await mount([questions()]);
    button(el, "Skip").click();
    await tick();
    expect(model.sent).toEqual([{ type: "answer", item_id: "si_1", answers: {}, skipped: true, request_id: expect.any(String) }]);
  });

  it("keeps keys inside the panel (JupyterLab's shortcuts never see them) and submits on Ctrl+Enter in a text answer", async () => {
    const { el, model } = await mount([questions()]);
    const seen: string[] = [];
    const listener = (event: KeyboardEvent) => seen.push(event.key);
    document.addEventListener("keydown", listener);
    const text = el.querySelector<HTMLTextAreaElement>(".ckw-si-text")!;
    typeInto(text, "Biscuit");
    await tick();
    text.dispatchEvent(new KeyboardEvent("keydown", { key: "a", bubbles: true }));
    text.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", ctrlKey: true, bubbles: true }));
    document.removeEventListener("keydown", listener);
    await tick();
    expect(seen).toEqual([]);
    expect(model.sent).toEqual([expect.objectContaining({ type: "answer", answers: { name: ["Biscuit"] } })]);
  });

  it("waits for a running response before it can be submitted", async () => {
    const { el } = await mount([questions()], true);
    check(el, "Black");
    await tick();
    expect(button(el, "Submit").disabled).toBe(true);
  });

  it("gives the composer back and shows the answers once answered", async () => {
    const { el, events } = await mount([questions()]);
    await events({ type: "thread.item.replaced", item: questions("answered", { color: ["Ginger"], toys: ["Ball", "Mouse"], name: "skipped" }) });
    expect(panel(el)).toBeNull();
    expect(el.querySelector("textarea[aria-label='Message']")).not.toBeNull();
    const rows = Array.from(el.querySelectorAll(".ckw-si-item-row")).map((row) => [
      row.querySelector("dt")?.textContent,
      Array.from(row.querySelectorAll("dd > span")).map((s) => s.textContent),
    ]);
    expect(rows).toEqual([
      ["Which colour?", ["Ginger"]],
      ["Which toys?", ["Ball", "Mouse"]],
      ["What is the cat called?", ["Skipped"]],
    ]);
    expect(el.querySelector(".ckw-si-item-head")?.textContent).toBe("Your answers");
  });

  it("shows a skipped item as skipped", async () => {
    const { el } = await mount([questions("skipped", { color: "skipped", toys: "skipped", name: "skipped" })]);
    expect(panel(el)).toBeNull();
    expect(el.querySelector(".ckw-si-item-head")?.textContent).toBe("Questions skipped");
    expect(Array.from(el.querySelectorAll(".ckw-si-item-row dd")).map((d) => d.textContent)).toEqual(["Skipped", "Skipped", "Skipped"]);
  });
});

describe("collectAnswers", () => {
  const inputs = questions().inputs;
  it("takes a typed answer over a single choice, and adds it to multiple choices", () => {
    expect(collectAnswers(inputs, { chosen: { color: ["Black"], toys: ["Ball"] }, typed: { color: "Tabby", toys: " Yarn ", name: " " } })).toEqual({
      color: ["Tabby"],
      toys: ["Ball", "Yarn"],
    });
  });
});
