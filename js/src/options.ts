// The widget's options, read from synced traits (ChatKit.js option names in snake_case).
// Values cross a process boundary: each one is checked and falls back to its default.

export interface Prompt {
  label: string;
  prompt: string;
  icon?: string;
}

export interface Options {
  title: string | null;
  greeting: string;
  prompts: Prompt[];
  placeholder: string;
  disclaimer: string | null;
  theme: "auto" | "light" | "dark";
  height: string;
  width: string;
  min_width: string;
  history: boolean;
  history_delete: boolean;
  history_rename: boolean;
  retry: boolean;
  feedback: boolean;
}

export const OPTION_NAMES = [
  "title",
  "greeting",
  "prompts",
  "placeholder",
  "disclaimer",
  "theme",
  "height",
  "width",
  "min_width",
  "history",
  "history_delete",
  "history_rename",
  "retry",
  "feedback",
] as const satisfies readonly (keyof Options)[];

export const defaultOptions: Options = {
  title: null,
  greeting: "What can I help with?",
  prompts: [],
  placeholder: "Message the assistant",
  disclaimer: null,
  theme: "auto",
  height: "560px",
  width: "",
  min_width: "300px",
  history: false,
  history_delete: false,
  history_rename: false,
  retry: true,
  feedback: false,
};

export function readOptions(get: (name: string) => unknown): Options {
  const str = (name: keyof Options, fallback: string): string => {
    const value = get(name);
    return typeof value === "string" ? value : fallback;
  };
  const optStr = (name: keyof Options): string | null => {
    const value = get(name);
    return typeof value === "string" && value.length > 0 ? value : null;
  };
  const bool = (name: keyof Options, fallback: boolean): boolean => {
    const value = get(name);
    return typeof value === "boolean" ? value : fallback;
  };
  const theme = get("theme");
  return {
    title: optStr("title"),
    greeting: str("greeting", defaultOptions.greeting),
    prompts: readPrompts(get("prompts")),
    placeholder: str("placeholder", defaultOptions.placeholder),
    disclaimer: optStr("disclaimer"),
    theme: theme === "light" || theme === "dark" ? theme : "auto",
    height: str("height", defaultOptions.height) || defaultOptions.height,
    width: str("width", defaultOptions.width),
    min_width: str("min_width", defaultOptions.min_width),
    history: bool("history", defaultOptions.history),
    history_delete: bool("history_delete", defaultOptions.history_delete),
    history_rename: bool("history_rename", defaultOptions.history_rename),
    retry: bool("retry", defaultOptions.retry),
    feedback: bool("feedback", defaultOptions.feedback),
  };
}

function readPrompts(value: unknown): Prompt[] {
  if (!Array.isArray(value)) return [];
  const prompts: Prompt[] = [];
  for (const entry of value) {
    if (typeof entry === "string") {
      prompts.push({ label: entry, prompt: entry });
    } else if (typeof entry === "object" && entry !== null) {
      const { label, prompt, icon } = entry as Record<string, unknown>;
      const text = typeof prompt === "string" ? prompt : typeof label === "string" ? label : "";
      if (!text) continue;
      prompts.push({
        label: typeof label === "string" && label ? label : text,
        prompt: text,
        ...(typeof icon === "string" ? { icon } : {}),
      });
    }
  }
  return prompts;
}
