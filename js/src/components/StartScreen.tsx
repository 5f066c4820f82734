import { chatkitIcon, Icon } from "../icons";
import type { Store } from "../store";

export function StartScreen({ store, onPrompt }: { store: Store; onPrompt: (text: string) => void }) {
  const options = store.options.value;
  return (
    <div class="ckw-start">
      <div class="ckw-greeting">{options.greeting}</div>
      {options.prompts.length > 0 ? (
        <div class="ckw-prompts" role="group" aria-label="Suggested prompts">
          {options.prompts.map((prompt) => (
            <button
              key={prompt.label}
              type="button"
              class="ckw-prompt"
              title={prompt.prompt}
              onClick={() => onPrompt(prompt.prompt)}
            >
              {prompt.icon ? <Icon name={chatkitIcon(prompt.icon)} size={14} /> : null}
              <span>{prompt.label}</span>
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}
