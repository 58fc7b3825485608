"""When a role asks its server for a reply constrained by a schema.

Every role can be held to its answer's shape: the critic to its two JSON objects, the GUI
agent to its action grammar, the feedback model to its test instruction and grade. A weak
vision model then cannot answer off-format. ``reply_format: text`` turns this off for a
role; a server that accepts no schema answers unconstrained (the client falls back).
"""

from __future__ import annotations

from typing import Any

from agent_core.llm.base import ChatModel, JsonSchema

__all__ = ["schema_for", "string_list"]


def schema_for(model: ChatModel, schema: JsonSchema) -> JsonSchema | None:
    """``schema`` unless ``model``'s role is set to plain text replies."""
    config = getattr(model, "config", None)
    if config is not None and getattr(config, "reply_format", "auto") == "text":
        return None
    return schema


def string_list(max_items: int = 12) -> dict[str, Any]:
    """A schema for a short list of strings."""
    return {"type": "array", "items": {"type": "string"}, "maxItems": max_items}
