import { useLayoutEffect, useRef } from "preact/hooks";
import { StreamingMarkdown } from "../markdown";

interface Props {
  text: string;
  /** False while the text still streams: the unfinished tail is closed for display. */
  done?: boolean;
  /** The thread's allowed_image_domains (remote images from elsewhere become links). */
  imageDomains?: readonly string[] | null | undefined;
  class?: string;
}

/**
 * Markdown rendered by StreamingMarkdown into a div that Preact never touches inside: the
 * renderer owns those nodes, and reuses the finished blocks across updates.
 */
export function Markdown({ text, done = true, imageDomains, class: className }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const renderer = useRef<StreamingMarkdown | null>(null);
  const domains = useRef(imageDomains);
  domains.current = imageDomains;
  const domainsKey = (imageDomains ?? []).join(" ");

  useLayoutEffect(() => {
    const root = ref.current;
    if (!root) return;
    const instance = new StreamingMarkdown(root, () => ({ allowedImageDomains: domains.current ?? null }));
    renderer.current = instance;
    return () => {
      instance.dispose();
      renderer.current = null;
    };
  }, []);

  // Other image domains change what a frozen block shows: render it all again.
  const lastKey = useRef(domainsKey);
  useLayoutEffect(() => {
    if (lastKey.current !== domainsKey) {
      lastKey.current = domainsKey;
      renderer.current?.reset();
    }
    renderer.current?.update(text, done);
  }, [text, done, domainsKey]);

  return <div ref={ref} class={`ckw-md${className ? ` ${className}` : ""}`} />;
}
