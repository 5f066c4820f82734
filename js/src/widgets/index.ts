// ChatKit widgets: the renderer's public face. The store connects `onAction`.

export { type ActionConfig, type OnWidgetAction, loadingFor } from "./actions";
export { buildPayload, collectValues, type FormValue } from "./payload";
export { WidgetRootView, WidgetView } from "./render";
export type { WidgetItem, WidgetNode } from "../chatkit";
