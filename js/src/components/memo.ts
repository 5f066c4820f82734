import { Component, type FunctionComponent, h } from "preact";

/**
 * Skip re-rendering while the props are shallowly equal (preact/compat's memo would pull
 * compat and its global option hooks into the bundle).
 */
export function memo<P extends object>(render: FunctionComponent<P>) {
  return class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      const prev = this.props as Record<string, unknown>;
      const nextProps = next as Record<string, unknown>;
      for (const key in prev) if (!(key in nextProps)) return true;
      for (const key in nextProps) if (prev[key] !== nextProps[key]) return true;
      return false;
    }
    override render(props: P) {
      return h(render, props);
    }
  };
}
