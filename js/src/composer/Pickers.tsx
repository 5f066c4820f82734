// The tool and model pickers (ChatKit.js `composer.tools` / `composer.models`): a button
// and a menu; the choice goes with the next message as `inference_options`.

import { useEffect, useRef, useState } from "preact/hooks";
import { Icon, chatkitIcon } from "../icons";
import type { ModelOption, ToolOption } from "./options";

function usePopover() {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (event: Event) => {
      if (!ref.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close, true);
    return () => document.removeEventListener("mousedown", close, true);
  }, [open]);
  return { open, setOpen, ref };
}

function onMenuKey(event: KeyboardEvent, close: () => void) {
  event.stopPropagation(); // JupyterLab's shortcuts
  const items = Array.from((event.currentTarget as HTMLElement).querySelectorAll<HTMLButtonElement>("button:not(:disabled)"));
  const index = items.indexOf(document.activeElement as HTMLButtonElement);
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    items[(index + step + items.length) % items.length]?.focus();
  } else if (event.key === "Escape") {
    event.preventDefault();
    close();
  }
}

export function ToolPicker({ tools, value, onChange, disabled }: { tools: ToolOption[]; value: string | null; onChange: (id: string | null) => void; disabled: boolean }) {
  const { open, setOpen, ref } = usePopover();
  const menuRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (open) menuRef.current?.querySelector<HTMLButtonElement>("button")?.focus();
  }, [open]);
  return (
    <span class="ckw-picker" ref={ref}>
      <button
        type="button"
        class={`ckw-icon-button ckw-composer-button${open ? " ckw-selected" : ""}`}
        aria-label="Tools"
        aria-haspopup="menu"
        aria-expanded={open}
        title="Tools"
        disabled={disabled}
        onClick={() => setOpen(!open)}
      >
        <Icon name="plus" size={18} />
      </button>
      {open ? (
        <div class="ckw-menu ckw-picker-menu" role="menu" aria-label="Tools" ref={menuRef} onKeyDown={(e) => onMenuKey(e, () => setOpen(false))}>
          {tools.map((tool) => (
            <button
              key={tool.id}
              type="button"
              role="menuitemradio"
              aria-checked={value === tool.id}
              class={`ckw-menu-item${value === tool.id ? " ckw-menu-item--active" : ""}`}
              onClick={() => {
                onChange(value === tool.id ? null : tool.id);
                setOpen(false);
              }}
            >
              <Icon name={chatkitIcon(tool.icon ?? "tool")} size={14} />
              <span class="ckw-menu-label">{tool.label}</span>
              {value === tool.id ? <Icon name="check" size={14} /> : null}
            </button>
          ))}
        </div>
      ) : null}
    </span>
  );
}

export function ModelPicker({ models, value, onChange, disabled }: { models: ModelOption[]; value: string | null; onChange: (id: string) => void; disabled: boolean }) {
  const { open, setOpen, ref } = usePopover();
  const menuRef = useRef<HTMLDivElement>(null);
  const current = models.find((m) => m.id === value);
  useEffect(() => {
    if (open) menuRef.current?.querySelector<HTMLButtonElement>("button[aria-checked=true], button:not(:disabled)")?.focus();
  }, [open]);
  return (
    <span class="ckw-picker" ref={ref}>
      <button
        type="button"
        class="ckw-model-button"
        aria-label={`Model: ${current?.label ?? "default"}`}
        aria-haspopup="menu"
        aria-expanded={open}
        disabled={disabled}
        onClick={() => setOpen(!open)}
      >
        <span class="ckw-model-label">{current?.label ?? "Model"}</span>
        <Icon name="chevronDown" size={14} />
      </button>
      {open ? (
        <div class="ckw-menu ckw-picker-menu ckw-picker-menu--end" role="menu" aria-label="Models" ref={menuRef} onKeyDown={(e) => onMenuKey(e, () => setOpen(false))}>
          {models.map((model) => (
            <button
              key={model.id}
              type="button"
              role="menuitemradio"
              aria-checked={value === model.id}
              disabled={model.disabled}
              class={`ckw-menu-item ckw-menu-item--two-line${value === model.id ? " ckw-menu-item--active" : ""}`}
              onClick={() => {
                onChange(model.id);
                setOpen(false);
              }}
            >
              <span class="ckw-menu-text">
                <span class="ckw-menu-label">{model.label}</span>
                {model.description ? <span class="ckw-menu-detail">{model.description}</span> : null}
              </span>
              {value === model.id ? <Icon name="check" size={14} /> : null}
            </button>
          ))}
        </div>
      ) : null}
    </span>
  );
}
