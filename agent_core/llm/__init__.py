"""Model clients: OpenAI-compatible servers and Ollama, behind one ChatModel protocol."""

from __future__ import annotations

from agent_core.llm.base import ChatModel, Completion, Message, TokenCallback, Usage
from agent_core.llm.factory import (
    KEYRING_SERVICE,
    list_server_models,
    make_chat_model,
    resolve_api_key,
    role_key_env,
)
from agent_core.llm.ollama_client import OllamaChatModel
from agent_core.llm.openai_client import OpenAIChatModel
from agent_core.llm.retry import RetryPolicy, call_with_retries

__all__ = [
    "KEYRING_SERVICE",
    "ChatModel",
    "Completion",
    "Message",
    "OllamaChatModel",
    "OpenAIChatModel",
    "RetryPolicy",
    "TokenCallback",
    "Usage",
    "call_with_retries",
    "list_server_models",
    "make_chat_model",
    "resolve_api_key",
    "role_key_env",
]
