"""Client tools: Python callables the model can call, answered in the kernel.

ChatKit.js answers client tools in the browser (``onClientTool``). Here the kernel plays
the client, so a client tool is a plain Python function (sync or async) that can read
the notebook's other widgets. ``ClientTool`` holds what the model sees (name,
description, JSON schema of the arguments) and how to call the function with the
arguments the model sent.

How the handler is called follows its signature (see ``ClientTool.from_handler``):

- ``def f()``                                  → ``f()``
- ``def f(params: SomePydanticModel)``         → ``f(SomePydanticModel(**arguments))``
- ``def f(params)`` / ``(params: dict)``       → ``f(arguments)`` (an open object schema)
- ``def f(x: int, label: str = "a")``          → ``f(x=..., label=...)``
- ``def f(**kwargs)``                          → ``f(**arguments)`` (an open object schema)
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pydantic
from agents.function_schema import FuncSchema, function_schema, generate_func_documentation
from pydantic_core import PydanticSerializationError, to_jsonable_python

__all__ = ["ClientTool"]

# The Responses and Chat Completions APIs reject other tool names.
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")

# Call arguments for a handler: (positional, keyword).
CallArgs = tuple[list[Any], dict[str, Any]]
Binder = Callable[[Mapping[str, Any]], CallArgs]

_OPEN_OBJECT: dict[str, Any] = {"type": "object", "additionalProperties": True}


def _pass_dict(arguments: Mapping[str, Any]) -> CallArgs:
    return [dict(arguments)], {}


@dataclass
class ClientTool:
    """A tool the model calls and the kernel answers.

    Build one with ``ClientTool.from_handler``; constructing it directly passes the
    model's arguments to ``handler`` as a single ``dict``.
    """

    name: str
    """The tool name the model sees (letters, digits, ``_`` and ``-``; at most 64)."""

    handler: Callable[..., Any]
    """The Python callable that answers the call (sync or async)."""

    description: str
    """What the tool does, as shown to the model."""

    parameters: dict[str, Any] = field(default_factory=lambda: dict(_OPEN_OBJECT))
    """JSON schema of the arguments object the model sends."""

    _bind: Binder = field(default=_pass_dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _TOOL_NAME.match(self.name):
            raise ValueError(
                f"Invalid client tool name {self.name!r}: use 1-64 letters, digits, '_' or '-'."
            )

    @classmethod
    def from_handler(
        cls,
        name: str,
        handler: Callable[..., Any],
        description: str | None = None,
    ) -> ClientTool:
        """Make a client tool whose schema and calling convention come from ``handler``."""
        all_params = list(inspect.signature(handler).parameters.values())
        params = [p for p in all_params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        hints = _type_hints(handler)

        parameters: dict[str, Any]
        bind: Binder
        if not params and any(p.kind == p.VAR_KEYWORD for p in all_params):
            parameters = dict(_OPEN_OBJECT)  # def f(**kwargs): whatever the model sends
            bind = _spread_dict
        elif not params:
            parameters = {"type": "object", "properties": {}, "additionalProperties": False}
            bind = _bind_nothing
        elif len(params) == 1 and _is_model(hints.get(params[0].name)):
            model: type[pydantic.BaseModel] = hints[params[0].name]
            parameters = model.model_json_schema()
            bind = _bind_model(name, model)
        elif len(params) == 1 and _is_open_mapping(
            hints.get(params[0].name, inspect.Parameter.empty)
        ):
            parameters = dict(_OPEN_OBJECT)
            bind = _pass_dict
        else:
            schema = function_schema(
                handler,
                name_override=name,
                # griffe's docstring parsing needs a real function (it reads __name__).
                use_docstring_info=inspect.isroutine(handler),
                strict_json_schema=False,
            )
            if schema.takes_context:
                raise TypeError(
                    f"Client tool {name!r}: the handler runs in the kernel, not in the agent "
                    "run, so it cannot take a RunContextWrapper/ToolContext parameter."
                )
            parameters = schema.params_json_schema
            bind = _bind_kwargs(name, schema)

        return cls(
            name=name,
            handler=handler,
            description=description or _docstring_description(handler) or f"Client tool {name}.",
            parameters=parameters,
            _bind=bind,
        )

    async def invoke(self, arguments: Mapping[str, Any] | None = None) -> Any:
        """Call the handler with the model's ``arguments``; return JSON-able data.

        Raises ``ValueError`` when the arguments do not fit the schema and ``TypeError``
        when the result cannot be turned into JSON.
        """
        args, kwargs = self._bind(arguments or {})
        result = self.handler(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return _jsonable(self.name, result)


def _type_hints(handler: Callable[..., Any]) -> dict[str, Any]:
    # Callable instances keep their annotations on their class's __call__.
    target = handler if inspect.isroutine(handler) else type(handler).__call__
    try:
        return typing.get_type_hints(target)
    except Exception:
        # Unresolvable forward references: treat the parameters as un-annotated.
        return {}


def _docstring_description(handler: Callable[..., Any]) -> str | None:
    """The docstring's prose, without its ``Args:``/``Returns:`` sections."""
    if inspect.isroutine(handler):
        return generate_func_documentation(handler).description
    return inspect.getdoc(handler)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)


def _is_open_mapping(annotation: Any) -> bool:
    if annotation is inspect.Parameter.empty:
        return True
    origin = typing.get_origin(annotation) or annotation
    return origin in (dict, Mapping)


def _spread_dict(arguments: Mapping[str, Any]) -> CallArgs:
    return [], dict(arguments)


def _bind_nothing(arguments: Mapping[str, Any]) -> CallArgs:
    return [], {}


def _bind_model(name: str, model: type[pydantic.BaseModel]) -> Binder:
    def bind(arguments: Mapping[str, Any]) -> CallArgs:
        try:
            return [model.model_validate(dict(arguments))], {}
        except pydantic.ValidationError as e:
            raise ValueError(f"Invalid arguments for client tool {name!r}: {e}") from e

    return bind


def _bind_kwargs(name: str, schema: FuncSchema) -> Binder:
    def bind(arguments: Mapping[str, Any]) -> CallArgs:
        try:
            data = schema.params_pydantic_model.model_validate(dict(arguments))
        except pydantic.ValidationError as e:
            raise ValueError(f"Invalid arguments for client tool {name!r}: {e}") from e
        args, kwargs = schema.to_call_args(data)
        return list(args), kwargs

    return bind


def _tolist(value: Any) -> Any:
    # numpy arrays and scalars are common notebook results; they know how to become lists.
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _jsonable(name: str, result: Any) -> Any:
    if isinstance(result, pydantic.BaseModel):
        return result.model_dump(mode="json")
    try:
        return to_jsonable_python(result, fallback=_tolist)
    except (PydanticSerializationError, TypeError, ValueError) as e:
        raise TypeError(
            f"Client tool {name!r} returned a {type(result).__name__}, which is not "
            f"JSON-serializable ({e}). Return dicts, lists, strings, numbers, booleans, "
            "None, or pydantic models."
        ) from e
