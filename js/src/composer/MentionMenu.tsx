// The @ menu: entities from `@chat.on_tag_search` (and notebook variables), grouped,
// navigated with the arrow keys from the textarea (which keeps the focus).

import { Fragment } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { Icon, chatkitIcon } from "../icons";
import type { Entity } from "../protocol";

interface Props {
  entities: Entity[];
  active: number;
  onChoose: (entity: Entity) => void;
  onHover: (index: number) => void;
}

export function MentionMenu({ entities, active, onChoose, onHover }: Props) {
  const listRef = useRef<HTMLUListElement>(null);
  useEffect(() => {
    listRef.current?.querySelector("[aria-selected=true]")?.scrollIntoView?.({ block: "nearest" });
  }, [active]);
  let lastGroup: string | undefined;
  return (
    <ul class="ckw-menu ckw-mention-menu" role="listbox" aria-label="Mentions" ref={listRef}>
      {entities.map((entity, index) => {
        const header = entity.group && entity.group !== lastGroup ? entity.group : null;
        lastGroup = entity.group;
        return (
          <Fragment key={entity.id}>
            {header ? (
              <li key={`g-${header}`} class="ckw-menu-group" role="presentation">
                {header}
              </li>
            ) : null}
            <li
              role="option"
              id={`ckw-mention-${index}`}
              aria-selected={index === active}
              class={`ckw-menu-item${index === active ? " ckw-menu-item--active" : ""}`}
              onMouseDown={(event) => event.preventDefault()}
              onMouseEnter={() => onHover(index)}
              onClick={() => onChoose(entity)}
            >
              <Icon name={chatkitIcon(entity.icon ?? "dot")} size={14} />
              <span class="ckw-menu-label">{entity.title}</span>
              {typeof entity.data?.type === "string" ? <span class="ckw-menu-detail">{String(entity.data.type)}</span> : null}
            </li>
          </Fragment>
        );
      })}
    </ul>
  );
}
