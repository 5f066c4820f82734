// Widget actions from the rendered view to the kernel: the store posts the action with its
// sender, and the control's loading state lasts until the kernel's reply.

import { afterEach, describe, expect, it } from "vitest";
import type { WidgetItem } from "../src/chatkit";
import { mount as mountView, thread, tick, unmountAll } from "./fixtures";

afterEach(unmountAll);

const card: WidgetItem = {
  type: "widget",
  id: "w1",
  thread_id: "thr_1",
  created_at: "2025-01-01T00:00:01Z",
  widget: {
    type: "Card",
    children: [
      { type: "Button", label: "Tom", onClickAction: { type: "cats.pick", payload: { name: "Tom" } } },
      {
        type: "ListView",
        children: [
          {
            type: "ListViewItem",
            children: [{ type: "Text", value: "Luna" }],
            onClickAction: { type: "cats.select", payload: { name: "Luna" }, handler: "client" },
          },
        ],
      },
    ],
  },
};

const mount = () => mountView({ _thread: thread() }, { items: [card] });

describe("widget actions reach the kernel", () => {
  it("posts a button's action with its sender and stays loading until the kernel replies", async () => {
    const { model, el } = await mount();
    const button = Array.from(el.querySelectorAll("button")).find((b) => b.textContent?.includes("Tom"))!;
    button.click();
    await tick();
    expect(model.sent).toEqual([
      { type: "action", action: { type: "cats.pick", payload: { name: "Tom" } }, item_id: "w1", request_id: expect.any(String) },
    ]);
    expect(button.getAttribute("aria-busy")).toBe("true");
    button.click(); // ignored while pending
    await tick();
    expect(model.sent).toHaveLength(1);

    const { request_id } = model.sent[0] as { request_id: string };
    model.receive({ type: "reply", request_id, ok: true });
    await tick();
    await tick();
    expect(button.getAttribute("aria-busy")).toBeNull();
  });

  it("unlocks when the kernel reports a failure", async () => {
    const { model, el } = await mount();
    const row = el.querySelector<HTMLElement>(".ckw-w-list-item")!;
    row.click();
    await tick();
    const sent = model.sent.find((m) => (m as { type: string }).type === "action") as {
      action: { type: string; handler: string };
      request_id: string;
    };
    expect(sent.action).toEqual({ type: "cats.select", payload: { name: "Luna" }, handler: "client" });
    expect(row.getAttribute("aria-busy")).toBe("true");
    model.receive({ type: "reply", request_id: sent.request_id, ok: false, error: "Nothing handles the action 'cats.select'." });
    await tick();
    await tick();
    expect(el.querySelector("[aria-busy='true']")).toBeNull();
  });
});
