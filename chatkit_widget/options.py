"""The chat's options: which traits they are, their documentation, and keyword checks.

An option is a public, writable trait declared on ``ChatKitWidget`` (or a subclass). Its
documentation is the string right under it in the class body (an attribute docstring,
as in lonboard): ``document_options`` copies it into the trait's ``help`` and lists every
option, with its type and default, in the class docstring, so ``help(ChatKitWidget)``
shows them. ``check_options`` turns a misspelled keyword into a ``TypeError`` with a
suggestion instead of a silently ignored argument, and ``unknown_attribute`` does the same
for an assignment after construction (``chat.placeholdr = ...``).
"""

from __future__ import annotations

import ast
import difflib
import inspect
import itertools
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

import traitlets

# ipywidgets' DOMWidget options: accepted, documented in one line.
WIDGET_OPTIONS = ("layout", "tooltip", "tabbable")
# Traits that are state, not options: set through their own constructor argument.
NOT_OPTIONS = {"thread_id": "initial_thread"}


def option_traits(cls: type[traitlets.HasTraits], base: type) -> dict[str, traitlets.TraitType]:
    """The options of ``cls``: traits declared on ``base`` or below, public and writable,
    in declaration order."""
    own = [k for k in reversed(cls.__mro__) if issubclass(k, base)]
    traits = cls.class_traits()
    found: dict[str, traitlets.TraitType] = {}
    for klass in own:
        for name, value in vars(klass).items():
            if (
                isinstance(value, traitlets.TraitType)
                and not name.startswith("_")
                and name not in NOT_OPTIONS
                and not traits[name].read_only
            ):
                found[name] = traits[name]
    return found


def check_options(
    cls: type[traitlets.HasTraits], base: type, options: Mapping[str, Any], others: Iterable[str]
) -> None:
    """Raise ``TypeError`` for a keyword that is not an option (``others``: the
    constructor's own parameters, offered as suggestions too)."""
    known = [*option_traits(cls, base), *WIDGET_OPTIONS]
    for name in options:
        if name in known:
            continue
        where = f"{cls.__name__}() got an unexpected keyword argument {name!r}"
        if name in NOT_OPTIONS:
            raise TypeError(f"{where}: pass {NOT_OPTIONS[name]}= to open a thread at start")
        close = difflib.get_close_matches(name, [*known, *others], n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"the options are {', '.join(known)}"
        raise TypeError(f"{where}; {hint} (see help({cls.__name__}))")


def unknown_attribute(cls: type[traitlets.HasTraits], base: type, name: str) -> AttributeError:
    """The error for assigning ``name``, which ``cls`` does not have: after construction a
    new public attribute is a misspelled option or hook, as an unknown keyword is."""
    options = [*option_traits(cls, base), *WIDGET_OPTIONS]
    public = [n for n in dir(cls) if not n.startswith("_") and n not in options]
    close = difflib.get_close_matches(name, [*options, *public], n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"the options are {', '.join(options)}"
    return AttributeError(
        f"{cls.__name__!r} object has no attribute {name!r}; {hint} (see help({cls.__name__}); "
        f"to keep your own data on a chat, declare it in a subclass)"
    )


def document_options(cls: type[traitlets.HasTraits], intro: str) -> None:
    """Give every option its attribute docstring as ``help`` and list the options (name,
    type, default, description) at the end of ``cls.__doc__``."""
    docs = attribute_docs(cls)
    for name, trait in cls.class_traits().items():
        if not trait.help and name in docs:
            trait.help = docs[name]
        if trait.help:
            trait.__doc__ = trait.help  # what pydoc shows for the descriptor
    options = option_traits(cls, cls)
    lines = [intro, ""]
    for name, trait in options.items():
        lines.extend(_entry(name, trait, f"{type_name(trait)} = {default_repr(trait)}"))
    lines += ["", f"    {', '.join(WIDGET_OPTIONS)}: as for any ipywidgets DOMWidget.", ""]
    lines += ["State (traits to read or observe):", ""]
    for name, trait in cls.class_traits().items():
        if name in vars(cls) and not name.startswith("_") and name not in options:
            lines.extend(_entry(name, trait, type_name(trait)))
    cls.__doc__ = f"{inspect.cleandoc(cls.__doc__ or '')}\n\n" + "\n".join(lines)


def _entry(name: str, trait: traitlets.TraitType, signature: str) -> list[str]:
    help_lines = (trait.help or "(undocumented)").splitlines()
    return [f"    {name}: {signature}", *(f"        {line}" for line in help_lines)]


def attribute_docs(cls: type) -> dict[str, str]:
    """``name -> docstring`` for ``name = ...`` lines followed by a string in ``cls``'s
    body; empty when the source is not available."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for stmt, after in itertools.pairwise(body):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target: ast.expr | None = stmt.targets[0]
        elif isinstance(stmt, ast.AnnAssign):
            target = stmt.target
        else:
            continue
        if (
            isinstance(target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[target.id] = inspect.cleandoc(after.value.value)
    return docs


def type_name(trait: traitlets.TraitType) -> str:
    """A Python-style type for a trait, e.g. ``str | None``, ``list[dict]``."""
    name: str
    if isinstance(trait, traitlets.Enum):
        name = " | ".join(repr(v) for v in trait.values or ())
    elif isinstance(trait, traitlets.Union):
        name = " | ".join(type_name(t) for t in trait.trait_types)
    elif isinstance(trait, traitlets.Container) and isinstance(trait._trait, traitlets.TraitType):
        name = f"{_BASIC.get(type(trait), 'list')}[{type_name(trait._trait)}]"
    elif isinstance(trait, traitlets.Instance) and isinstance(trait.klass, type):
        name = trait.klass.__name__
    else:
        name = next(
            (label for kind, label in _BASIC.items() if isinstance(trait, kind)),
            type(trait).__name__,
        )
    return f"{name} | None" if trait.allow_none and "None" not in name else name


_BASIC: dict[type, str] = {
    traitlets.Unicode: "str",
    traitlets.Bool: "bool",
    traitlets.Int: "int",
    traitlets.Float: "float",
    traitlets.List: "list",
    traitlets.Tuple: "tuple",
    traitlets.Set: "set",
    traitlets.Dict: "dict",
}


def default_repr(trait: traitlets.TraitType) -> str:
    try:
        return repr(trait.default())
    except Exception:  # a dynamic default that needs an instance
        return "..."
