// @-mentions in a plain textarea: a chosen entity is written as "@Title" and remembered;
// at send time each remembered "@Title" still in the text becomes an `input_tag` part.

import type { UserMessageContent } from "../chatkit";
import type { Entity } from "../protocol";

export interface MentionQuery {
  /** Where the "@" is in the text. */
  start: number;
  /** What follows it, up to the caret. */
  query: string;
}

/** The mention being typed at `caret`, if any: "@" at a word start, no spaces after it. */
export function mentionAt(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const match = /(^|\s)@([^\s@]{0,40})$/.exec(before);
  const query = match?.[2];
  if (query === undefined) return null;
  return { start: caret - query.length - 1, query };
}

/** The text with the mention replaced by "@Title ", and the caret after it. */
export function insertMention(text: string, mention: MentionQuery, caret: number, entity: Entity): { text: string; caret: number } {
  const inserted = `@${entity.title} `;
  const next = text.slice(0, mention.start) + inserted + text.slice(caret).replace(/^ /, "");
  return { text: next, caret: mention.start + inserted.length };
}

/** Text and tags in order; tags whose "@Title" is gone from the text are dropped. */
export function buildContent(text: string, tags: Entity[]): UserMessageContent[] | null {
  const live = tags.filter((tag) => text.includes(`@${tag.title}`));
  if (live.length === 0) return null;
  const parts: UserMessageContent[] = [];
  let rest = text;
  while (rest) {
    // The earliest remaining mention (longest title first on a tie).
    let best: { index: number; tag: Entity } | null = null;
    for (const tag of live) {
      const index = rest.indexOf(`@${tag.title}`);
      if (index < 0) continue;
      if (!best || index < best.index || (index === best.index && tag.title.length > best.tag.title.length)) best = { index, tag };
    }
    if (!best) {
      parts.push({ type: "input_text", text: rest });
      break;
    }
    if (best.index > 0) parts.push({ type: "input_text", text: rest.slice(0, best.index) });
    const { tag } = best;
    parts.push({
      type: "input_tag",
      id: tag.id,
      text: tag.title,
      data: tag.data ?? {},
      ...(tag.group ? { group: tag.group } : {}),
      interactive: tag.interactive === true,
    });
    rest = rest.slice(best.index + tag.title.length + 1);
  }
  return parts;
}
