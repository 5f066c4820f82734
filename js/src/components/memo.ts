import { Component, type FunctionComponent, h } from "preact";

/** True when `a` and `b` hold the same keys with identical (`===`) values. */
export function shallowEqual(a: object, b: object): boolean {
  const prev = a as Record<string, unknown>;
  const next = b as Record<string, unknown>;
  for (const key in prev) if (!(key in next)) return false;
  for (const key in next) if (prev[key] !== next[key]) return false;
  return true;
}

/**
 * Skip re-rendering while the props are equal: shallowly, or by `equal` (preact/compat's
 * memo would pull compat and its global option hooks into the bundle).
 */
export function memo<P extends object>(render: FunctionComponent<P>, equal: (prev: P, next: P) => boolean = shallowEqual) {
  return class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      return !equal(this.props, next);
    }
    override render(props: P) {
      return h(render, props);
    }
  };
}
