"""The operations as plain tool declarations, for tool-calling loops that use no agent framework.

``function_declarations()`` gives google-genai ``FunctionDeclaration`` objects (pass them in
``types.Tool(function_declarations=...)``), ``openai_tools()`` the OpenAI-style tool JSON that most other
clients accept. Run the model's calls with :func:`gemini_audio_tools.call_operation`. Both are loops over the
registry: a new operation appears here without edits.

Schemas are the input models' JSON schemas with every ``$ref`` inlined, because Gemini's function-calling
schema does not resolve references.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .operations import OPERATIONS, Operation

if TYPE_CHECKING:
    from google.genai import types as genai_types

__all__ = ["function_declarations", "openai_tools", "parameters_schema"]


def parameters_schema(operation: Operation[Any, Any]) -> dict[str, Any]:
    """The operation's input JSON schema, self-contained: ``$ref``s inlined; ``$defs``, titles and the
    repeated description dropped."""
    schema = operation.input_schema
    defs: dict[str, Any] = schema.pop("$defs", {})
    schema.pop("description", None)  # the docstring is already the declaration's description
    inlined: dict[str, Any] = _inline(schema, defs, ())
    return inlined


def _inline(node: Any, defs: dict[str, Any], seen: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        name = ref.removeprefix("#/$defs/")
        if name in seen:  # a recursive model cannot be inlined; say "any object" rather than loop forever
            return {"type": "object"}
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        return _inline({**defs[name], **siblings}, defs, (*seen, name))
    # "title" as a keyword holds a string; a property *named* title holds a schema (a dict) and stays.
    return {
        key: _inline(value, defs, seen)
        for key, value in node.items()
        if not (key == "title" and isinstance(value, str))
    }


def function_declarations() -> list[genai_types.FunctionDeclaration]:
    """One google-genai ``FunctionDeclaration`` per registered operation, in registry order.

    Uses ``parameters_json_schema`` (plain JSON Schema) so nothing is lost in translation.
    """
    from google.genai import types as genai_types

    return [
        genai_types.FunctionDeclaration(
            name=op.name, description=op.description, parameters_json_schema=parameters_schema(op)
        )
        for op in OPERATIONS.values()
    ]


def openai_tools() -> list[dict[str, Any]]:
    """The operations as OpenAI-style tools: ``{"type": "function", "function": {name, description,
    parameters}}``."""
    return [
        {
            "type": "function",
            "function": {"name": op.name, "description": op.description, "parameters": parameters_schema(op)},
        }
        for op in OPERATIONS.values()
    ]
