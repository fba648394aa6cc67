"""Command-line arguments generated from an operation's input model (for ``gemini-audio``).

Required fields become positionals in field order (``transcribe PATH``, ``ask PATH QUESTION``), optional
ones ``--kebab-case`` options: booleans as flags, ``Literal`` fields as choices, lists of plain values as
several words (``--languages en de``), nested objects as JSON; help from field descriptions. Values are left
unset unless given, so the input model's own defaults and validation apply.
"""

from __future__ import annotations

import argparse
import json
import types
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from .operations import Operation


def add_operation_arguments(parser: argparse.ArgumentParser, op: Operation[Any, Any]) -> None:
    """Add one argument per field of ``op``'s input model to ``parser``."""
    for name, field in op.input_model.model_fields.items():
        help_text = (field.description or "").replace("%", "%%")
        kind, choices = _scalar(field.annotation)
        if field.is_required():
            parser.add_argument(name, metavar=name.upper(), type=kind, choices=choices, help=help_text)
            continue
        flag = "--" + name.replace("_", "-")
        if kind is bool:
            action: Any = "store_true" if field.default is False else argparse.BooleanOptionalAction
            parser.add_argument(flag, dest=name, action=action, default=argparse.SUPPRESS, help=help_text)
            continue
        default = "" if field.default is None else f" (default: {field.default})"
        item = _list_item(field.annotation)
        parser.add_argument(
            flag,
            dest=name,
            type=item or kind,
            nargs="+" if item else None,
            choices=choices,
            default=argparse.SUPPRESS,
            metavar=None if choices else name.upper(),
            help=help_text + default.replace("%", "%%"),
        )


def operation_arguments(namespace: argparse.Namespace, model: type[BaseModel]) -> dict[str, Any]:
    """The arguments the user gave for ``model``'s fields (unset options are absent)."""
    given = vars(namespace)
    return {name: given[name] for name in model.model_fields if name in given}


def _scalar(annotation: Any) -> tuple[Callable[[str], Any], list[Any] | None]:
    """The argparse ``type`` and ``choices`` for a field annotation (``X | None`` is treated as ``X``)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _scalar(members[0])
        return str, None
    if origin is Literal:
        values = list(get_args(annotation))
        return type(values[0]), values
    if annotation in (bool, int, float):
        return annotation, None
    if origin in (list, dict) or (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return _json_value, None  # structured fields are given as JSON on the command line
    return str, None


def _list_item(annotation: Any) -> Callable[[str], Any] | None:
    """For a list of plain values (``list[str] | None``, items possibly constrained): the item type."""
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        return _list_item(members[0]) if len(members) == 1 else None
    if get_origin(annotation) is not list:
        return None
    (item,) = get_args(annotation) or (str,)
    while get_origin(item) is Annotated:
        item = get_args(item)[0]
    return item if item in (str, int, float) else None


def _json_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise argparse.ArgumentTypeError(f"not valid JSON ({err.msg})") from None
