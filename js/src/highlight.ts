// Syntax highlighting for fenced code: highlight.js core with the handful of languages a
// notebook chat shows most. Each language costs bundle bytes, so the list stays short.

import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import json from "highlight.js/lib/languages/json";
import markdown from "highlight.js/lib/languages/markdown";
import python from "highlight.js/lib/languages/python";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";

hljs.registerLanguage("python", python);
hljs.registerLanguage("typescript", typescript);
hljs.registerLanguage("json", json);
hljs.registerLanguage("bash", bash);
hljs.registerLanguage("sql", sql);
hljs.registerLanguage("markdown", markdown);
// TypeScript's grammar embeds JavaScript's: one grammar serves both.
hljs.registerAliases(["javascript", "js", "jsx", "mjs", "cjs", "node"], { languageName: "typescript" });
hljs.registerAliases(["shell", "console", "shellsession", "sh"], { languageName: "bash" });
hljs.registerAliases(["py3", "python3", "ipython"], { languageName: "python" });

let suspended = 0;

/**
 * Run `render` with highlighting off: code renders as plain text (same element, same
 * classes). Streaming renders the block being written this way, and highlights a block
 * once it is finished, when the browser is idle (see StreamingMarkdown).
 */
export function withoutHighlighting<T>(render: () => T): T {
  suspended++;
  try {
    return render();
  } finally {
    suspended--;
  }
}

/** Highlighted HTML for `code` (already escaped), or null for a language we do not know. */
export function highlight(code: string, lang: string): string | null {
  if (suspended) return null;
  const name = lang.trim().toLowerCase();
  if (!name || !hljs.getLanguage(name)) return null;
  try {
    return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
  } catch {
    return null;
  }
}
