"""Notebook variables as @-mention tags (``tag_search="variables"``).

The menu offers the kernel's DataFrames, arrays, figures and functions; a chosen one
reaches the model as a compact description, taken when the message is sent (so the
thread keeps what the model saw, even if the variable changes later).
"""

from __future__ import annotations

import inspect
import reprlib
import sys
from collections.abc import Mapping
from typing import Any

__all__ = ["describe", "kind_of", "search_variables", "user_namespace"]

MAX_RESULTS = 20
DESCRIPTION_CHARS = 2000
GROUP = "Notebook variables"

_ICONS = {"dataframe": "analytics", "array": "cube", "figure": "images", "function": "code"}


def user_namespace() -> Mapping[str, Any]:
    """IPython's user namespace in a kernel, else ``__main__``'s globals."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.user_ns  # type: ignore[no-any-return]
    except ImportError:
        pass
    main = sys.modules.get("__main__")
    return vars(main) if main is not None else {}


def kind_of(value: Any) -> str | None:
    """``dataframe``, ``array``, ``figure``, ``function`` or ``None`` (not offered)."""
    cls = type(value)
    module, name = cls.__module__, cls.__name__
    if name in ("DataFrame", "Series") and hasattr(value, "dtypes"):
        return "dataframe"
    if name == "ndarray" or (hasattr(value, "shape") and hasattr(value, "dtype")):
        return "array"
    if name == "Figure" and (module.startswith("matplotlib") or module.startswith("plotly")):
        return "figure"
    if name == "FigureWidget" and module.startswith("plotly"):
        return "figure"
    # Functions defined in the notebook, not ones it imported.
    if inspect.isfunction(value) and getattr(value, "__module__", None) == "__main__":
        return "function"
    return None


def search_variables(
    query: str, namespace: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Entities (ChatKit.js ``Entity`` shape) for the variables whose name matches."""
    namespace = user_namespace() if namespace is None else namespace
    needle = query.strip().lower()
    found: list[tuple[int, str, str]] = []
    for name, value in list(namespace.items()):
        if name.startswith("_") or (needle and needle not in name.lower()):
            continue
        kind = kind_of(value)
        if kind is None:
            continue
        found.append((0 if name.lower().startswith(needle) else 1, name, kind))
    found.sort()
    return [
        {
            "id": f"var:{name}",
            "title": name,
            "icon": _ICONS[kind],
            "group": GROUP,
            "interactive": True,
            "data": {"kind": "variable", "name": name, "type": _type_name(namespace[name])},
        }
        for _, name, kind in found[:MAX_RESULTS]
    ]


def describe(name: str, value: Any) -> str:
    """What the model reads for a variable: compact and bounded."""
    kind = kind_of(value)
    head = f"Notebook variable `{name}` ({_type_name(value)})"
    try:
        if kind == "dataframe":
            text = _describe_frame(value)
        elif kind == "array":
            text = f"shape {tuple(value.shape)}, dtype {value.dtype}\n{_short_repr(value)}"
        elif kind == "figure":
            text = _describe_figure(value)
        elif kind == "function":
            doc = inspect.getdoc(value) or ""
            text = f"signature {value.__name__}{inspect.signature(value)}\n{doc[:500]}"
        else:
            text = _short_repr(value)
    except Exception as exc:  # a broken __repr__ must not break sending
        text = f"(could not describe it: {type(exc).__name__})"
    return f"{head}:\n{text}"[:DESCRIPTION_CHARS]


def _describe_frame(frame: Any) -> str:
    if type(frame).__name__ == "Series":
        return f"length {len(frame)}, dtype {frame.dtype}\n{frame.head(5).to_string()}"
    rows, cols = frame.shape
    dtypes = ", ".join(f"{c}: {t}" for c, t in list(frame.dtypes.items())[:40])
    sample = frame.head(5).to_string(max_cols=20, max_colwidth=40)
    return (
        f"shape {rows} rows × {cols} columns\ncolumns and dtypes: {dtypes}\nfirst rows:\n{sample}"
    )


def _describe_figure(figure: Any) -> str:
    if hasattr(figure, "axes") and hasattr(figure, "savefig"):
        parts = []
        for ax in figure.axes[:6]:
            title = ax.get_title() or "untitled"
            parts.append(
                f"axes '{title}' (x: {ax.get_xlabel() or '-'}, y: {ax.get_ylabel() or '-'}, "
                f"{len(ax.lines)} lines, {len(ax.collections)} collections)"
            )
        return "matplotlib figure with " + ("; ".join(parts) or "no axes")
    layout = getattr(figure, "layout", None)
    title = getattr(getattr(layout, "title", None), "text", None) or "untitled"
    traces = [getattr(t, "type", "?") for t in getattr(figure, "data", ())][:10]
    return f"plotly figure '{title}' with traces {traces}"


def _short_repr(value: Any) -> str:
    short = reprlib.Repr()
    short.maxstring = 300
    short.maxother = 600
    return short.repr(value)


def _type_name(value: Any) -> str:
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"
