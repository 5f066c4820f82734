// The action side of a widget, shared by the renderer and whoever connects it (the store).

/** ChatKit's ActionConfig (`chatkit/actions.py`). */
export interface ActionConfig {
  type: string;
  payload?: unknown;
  handler?: "client" | "server";
  loadingBehavior?: "auto" | "none" | "self" | "container";
  streaming?: boolean;
}

/**
 * Called by the renderer when a widget control fires an action. The returned promise
 * settles when the action's response has ended; the renderer shows the loading state (per
 * loadingBehavior) until then and ignores repeat clicks on that control.
 */
export type OnWidgetAction = (action: ActionConfig, itemId: string) => Promise<void> | void;

/** What fired the action: decides what `loadingBehavior: "auto"` means. */
export type ActionSource = "click" | "change" | "submit" | "confirm" | "cancel";

/**
 * The loading state an action shows (ChatKit widgets guide, "Control loading behavior"):
 * `auto` is `self` for a clicked Button or ListViewItem and a form's submit button,
 * `container` for a Card's confirm/cancel and a submit without a button (Enter), `none`
 * for a control's onChangeAction.
 */
export function loadingFor(action: ActionConfig, source: ActionSource, hasSubmitter = true): "none" | "self" | "container" {
  const behavior = action.loadingBehavior;
  if (behavior === "none" || behavior === "self" || behavior === "container") return behavior;
  switch (source) {
    case "change":
      return "none";
    case "confirm":
    case "cancel":
      return "container";
    case "submit":
      return hasSubmitter ? "self" : "container";
    default:
      return "self";
  }
}

export function isAction(value: unknown): value is ActionConfig {
  return typeof value === "object" && value !== null && typeof (value as ActionConfig).type === "string" && (value as ActionConfig).type !== "";
}
