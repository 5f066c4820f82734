// The composer's options (ChatKit.js `composer.*` and `entities`, in snake_case), read
// from the model's traits. Values cross a process boundary: each is checked.

import type { AnyModel } from "../protocol";

export interface AttachmentOptions {
  max_size: number;
  max_count: number;
  /** MIME type or `type/*` → file extensions; null: anything. */
  accept: Record<string, string[]> | null;
}

export interface ToolOption {
  id: string;
  label: string;
  icon?: string;
  short_label?: string;
  placeholder_override?: string;
  pinned?: boolean;
  persistent?: boolean;
}

export interface ModelOption {
  id: string;
  label: string;
  description?: string;
  default?: boolean;
  disabled?: boolean;
}

export interface ComposerOptions {
  attachments: AttachmentOptions | null;
  tools: ToolOption[];
  models: ModelOption[];
  dictation: boolean;
  /** The @ menu has something to search (a Python handler or the notebook's variables). */
  mentions: boolean;
  entityClick: boolean;
  entityPreview: boolean;
}

export const COMPOSER_TRAITS = ["attachments", "tools", "models", "dictation", "tag_search", "_entities"] as const;

const DEFAULT_MAX_SIZE = 20 * 1024 * 1024;
const DEFAULT_MAX_COUNT = 10;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

export function readComposerOptions(model: Pick<AnyModel, "get">): ComposerOptions {
  const entities = model.get("_entities");
  const flags = isObject(entities) ? entities : {};
  return {
    attachments: readAttachments(model.get("attachments")),
    tools: readList(model.get("tools"), (entry) => {
      const id = str(entry.id);
      if (!id) return null;
      return {
        id,
        label: str(entry.label) ?? id,
        icon: str(entry.icon),
        short_label: str(entry.short_label),
        placeholder_override: str(entry.placeholder_override),
        pinned: entry.pinned === true,
        persistent: entry.persistent === true,
      };
    }),
    models: readList(model.get("models"), (entry) => {
      const id = str(entry.id);
      if (!id) return null;
      return {
        id,
        label: str(entry.label) ?? id,
        description: str(entry.description),
        default: entry.default === true,
        disabled: entry.disabled === true,
      };
    }),
    dictation: model.get("dictation") === true,
    mentions: flags.tag_search === true || model.get("tag_search") === "variables",
    entityClick: flags.click === true,
    entityPreview: flags.preview === true,
  };
}

function readAttachments(value: unknown): AttachmentOptions | null {
  if (value === true) return { max_size: DEFAULT_MAX_SIZE, max_count: DEFAULT_MAX_COUNT, accept: null };
  if (!isObject(value) || value.enabled === false) return null;
  const num = (v: unknown, fallback: number) => (typeof v === "number" && v > 0 ? v : fallback);
  let accept: Record<string, string[]> | null = null;
  if (Array.isArray(value.accept)) {
    accept = Object.fromEntries(value.accept.filter((a): a is string => typeof a === "string").map((a) => [a, []]));
  } else if (isObject(value.accept)) {
    accept = {};
    for (const [type, exts] of Object.entries(value.accept)) {
      accept[type] = Array.isArray(exts) ? exts.filter((e): e is string => typeof e === "string") : [];
    }
  }
  return {
    max_size: num(value.max_size, DEFAULT_MAX_SIZE),
    max_count: num(value.max_count, DEFAULT_MAX_COUNT),
    accept: accept && Object.keys(accept).length ? accept : null,
  };
}

function readList<T>(value: unknown, read: (entry: Record<string, unknown>) => T | null): T[] {
  if (!Array.isArray(value)) return [];
  const out: T[] = [];
  for (const entry of value) {
    if (!isObject(entry)) continue;
    const parsed = read(entry);
    if (parsed) out.push(parsed);
  }
  return out;
}

/** The model chosen before the user picks one: the `default`, else the first enabled. */
export function defaultModel(models: ModelOption[]): string | null {
  return (models.find((m) => m.default && !m.disabled) ?? models.find((m) => !m.disabled))?.id ?? null;
}
