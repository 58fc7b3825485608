"""Which models read images: the role's ``vision`` setting, or a guess from the model's name."""

from __future__ import annotations

from agent_core.config import RoleConfig

VISION_HINTS = (
    "vl",
    "llava",
    "vision",
    "gemma3",
    "minicpm-v",
    "moondream",
    "pixtral",
    "llama4",
    "mistral-small3",
    "internvl",
    "gpt-4o",
    "gpt-4.1",
    "gpt-5",
)
"""Parts of model names that mark a model able to read images."""


def looks_like_vision_model(name: str) -> bool:
    """Whether a model name suggests it reads images (``qwen2.5vl:7b``, ``llava``...).

    A guess from the name alone: servers do not say which models take images.
    """
    base = name.lower().rsplit("/", 1)[-1]
    return any(hint in base for hint in VISION_HINTS)


def reads_images(config: RoleConfig) -> bool:
    """Whether the role's model is sent images: ``vision`` yes/no, or the name's guess."""
    if config.vision == "yes":
        return True
    if config.vision == "no":
        return False
    return looks_like_vision_model(config.model)
