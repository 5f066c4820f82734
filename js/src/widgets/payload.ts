// Form values and action payloads, the way ChatKit.js delivers them (ChatKit widgets
// guide, "Create custom forms with widgets"):
//
// - A `Form` (or a `Card` with `asForm`) injects its fields' values into every action
//   fired inside it: `Form.onSubmitAction`, `Card.confirm` / `Card.cancel`, a Button's
//   `onClickAction`, a control's `onChangeAction`. Values are keyed by each field's `name`;
//   a dotted name nests: `name="todo.title"` → `payload["todo"]["title"]`.
// - On a key collision with the action's own payload, the payload's value wins and the form
//   value is dropped (ChatKit reports that as an error; here it is returned as a collision
//   and the view logs a warning).
// - Submitting (a `submit` Button, Enter in an Input, a Card's confirm) runs the browser's
//   native validation first (`required`, `pattern`): an invalid field blocks the action and
//   shows its message next to the field. Other actions inside the form do not validate.
// - `onChangeAction` of Select / DatePicker / Checkbox / RadioGroup: the control's new value
//   is in the payload under the control's own `name` (with the rest of its form's values
//   when it sits in one); outside a form that one value is all that is added.
// - Value types: text fields, Select, RadioGroup → string (a RadioGroup with nothing chosen
//   and an unset Select → null); DatePicker → "YYYY-MM-DD" or null; Checkbox → boolean;
//   editable Text → string. Disabled fields are left out, as in an HTML form.

export type FormValue = string | boolean | null;

/** The attribute each widget form control carries with its ChatKit `name`. */
export const FIELD_ATTR = "data-ckw-name";

/** The values of the named controls under `root`, in document order. */
export function collectValues(root: ParentNode): [string, FormValue][] {
  const values: [string, FormValue][] = [];
  const radioAt = new Map<string, number>();
  for (const el of Array.from(root.querySelectorAll(`[${FIELD_ATTR}]`))) {
    const name = el.getAttribute(FIELD_ATTR);
    if (!name) continue;
    const value = controlValue(el);
    if (value === undefined) continue;
    if (el instanceof HTMLInputElement && el.type === "radio") {
      // One entry per group: the checked option's value, or null when none is checked.
      let at = radioAt.get(name);
      if (at === undefined) {
        at = values.push([name, null]) - 1;
        radioAt.set(name, at);
      }
      if (value !== null) values[at] = [name, value];
      continue;
    }
    values.push([name, value]);
  }
  return values;
}

/** One control's value; undefined when disabled (left out of the payload). */
export function controlValue(el: Element): FormValue | undefined {
  if (el instanceof HTMLInputElement) {
    if (el.disabled) return undefined;
    if (el.type === "checkbox") return el.checked;
    if (el.type === "radio") return el.checked ? el.value : null;
    if (el.type === "date") return el.value || null;
    return el.value;
  }
  if (el instanceof HTMLSelectElement) return el.disabled ? undefined : el.value || null;
  if (el instanceof HTMLTextAreaElement) return el.disabled ? undefined : el.value;
  return undefined;
}

export interface BuiltPayload {
  payload: unknown;
  /** Form fields left out because the action's payload already had that key. */
  collisions: string[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The action's payload with the form values merged in (dotted names nest). The action's
 * own payload is never changed: the result is a copy.
 */
export function buildPayload(base: unknown, values: readonly [string, FormValue][]): BuiltPayload {
  if (values.length === 0) return { payload: base ?? null, collisions: [] };
  if (base !== undefined && base !== null && !isPlainObject(base)) {
    // A string or list payload has no keys to put values under: keep it as it is.
    return { payload: base, collisions: values.map(([name]) => name) };
  }
  const payload: Record<string, unknown> = structuredCloneSafe(base ?? {});
  const fromForm = new Set<string>();
  const collisions: string[] = [];
  for (const [name, value] of values) {
    const path = name.split(".").filter(Boolean);
    if (path.length === 0) continue;
    if (!setPath(payload, path, value, fromForm)) collisions.push(name);
  }
  return { payload, collisions };
}

/**
 * Set `path` in `target`, unless it would overwrite a value of the action's own payload.
 * Values written by earlier form fields (tracked in `fromForm`) may be replaced: two
 * fields of one name, the later wins, as with a form's last field.
 */
function setPath(target: Record<string, unknown>, path: string[], value: FormValue, fromForm: Set<string>): boolean {
  if (path.some((key) => key === "__proto__" || key === "constructor" || key === "prototype")) return false;
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] as string;
    const prefix = path.slice(0, i + 1).join(".");
    const next = node[key];
    if (next === undefined) {
      const created: Record<string, unknown> = {};
      node[key] = created;
      fromForm.add(prefix);
      node = created;
    } else if (isPlainObject(next)) {
      node = next;
    } else if (fromForm.has(prefix)) {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    } else {
      return false;
    }
  }
  const key = path[path.length - 1] as string;
  const full = path.join(".");
  if (Object.prototype.hasOwnProperty.call(node, key) && !fromForm.has(full)) return false;
  node[key] = value;
  fromForm.add(full);
  return true;
}

function structuredCloneSafe<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
