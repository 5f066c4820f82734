// ChatKit widgets: the renderer's public face. Whoever connects actions (the store) passes
// `onWidgetAction` to App → ThreadView → WidgetView:
//
// - It receives the action as ChatKit.js would send it: the ActionConfig with `payload`
//   already carrying the form values (see payload.ts), and the widget item's id.
// - Its promise should settle when the action's response has ended: until then the control
//   (or the card, per loadingBehavior) shows its loading state and ignores repeat clicks.
//   A rejected promise shows its message under the widget.
// - Pass a stable function (not a new closure per render): thread items are memoized on
//   their props, and a new function would re-render every item on every update.
// - Without it, controls still render, and firing one says actions are not connected.

export { type ActionConfig, type OnWidgetAction, loadingFor } from "./actions";
export { buildPayload, collectValues, type FormValue } from "./payload";
export { WidgetRootView, WidgetView } from "./render";
export type { WidgetItem, WidgetNode } from "../chatkit";
