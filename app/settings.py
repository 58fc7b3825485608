"""Where model and run settings come from: flags, then environment, then the settings file.

The settings file (``settings.json`` in the user's config directory) never holds API keys:
those come from environment variables or the OS keyring when a client is built.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from agent_core.config import (
    CANDIDATES_OFFERED,
    IMAGE_MAX_SIDE,
    MULTI_REPLY_MODES,
    REPLY_FORMATS,
    VISION_MODES,
    ModelSettings,
    Provider,
    Role,
    RoleConfig,
    SandboxConfig,
)
from agent_core.errors import ConfigError

APP_NAME = "webgen-studio"
ROLE_FIELDS = {
    "provider": str, "base_url": str, "model": str, "api_key_env": str,
    "temperature": float, "max_tokens": int, "context_length": int, "timeout_s": float,
    "max_retries": int, "reply_format": str, "vision": str, "multi_reply": str,
}
ENV_NAMES = {
    "provider": "PROVIDER", "base_url": "BASE_URL", "model": "MODEL",
    "temperature": "TEMPERATURE", "max_tokens": "MAX_TOKENS",
    "context_length": "CONTEXT_LENGTH", "timeout_s": "TIMEOUT",
    "reply_format": "REPLY_FORMAT", "vision": "VISION", "multi_reply": "MULTI_REPLY",
}
CANDIDATE_KEYS = ("candidates", "candidates_served", "coder_requests")
SECRET_KEYS = ("api_key", "apikey", "key", "token", "password", "secret")


def config_dir() -> Path:
    """The user's config directory for WebGen Studio (``WEBGEN_CONFIG_DIR`` overrides)."""
    override = os.environ.get("WEBGEN_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))


def state_dir() -> Path:
    """Where process registries and caches live (``WEBGEN_STATE_DIR`` overrides)."""
    override = os.environ.get("WEBGEN_STATE_DIR")
    return Path(override) if override else Path(platformdirs.user_state_dir(APP_NAME))


def settings_path() -> Path:
    """The settings file."""
    return config_dir() / "settings.json"


def load_settings_file(path: Path | None = None) -> dict[str, Any]:
    """Read the settings file; a missing file is empty, a broken one is a ConfigError."""
    path = path or settings_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read settings file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"settings file {path} must hold a JSON object")
    return data


def save_settings_file(data: Mapping[str, Any], path: Path | None = None) -> Path:
    """Write the settings file, dropping anything that looks like a secret."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    clean = _strip_secrets(data)
    path.write_text(json.dumps(clean, indent=2) + "\n", encoding="utf-8")
    return path


def sandbox_settings(data: Mapping[str, Any] | None = None) -> SandboxConfig:
    """The sandbox settings of the settings file (``"sandbox"``), defaults where absent.

    Args:
        data: The file's content; None reads the file.
    """
    if data is None:
        data = load_settings_file()
    stored = data.get("sandbox")
    return SandboxConfig.from_dict(stored if isinstance(stored, dict) else None)


def image_max_side(data: Mapping[str, Any] | None = None, default: int = IMAGE_MAX_SIDE) -> int:
    """The longest side attached pictures are scaled to: the file's ``"image_max_side"``.

    Args:
        data: The file's content; None reads the file.
        default: When the file does not say (or says something that is not a size).
    """
    if data is None:
        data = load_settings_file()
    value = data.get("image_max_side")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 64:
        return value
    return default


def candidate_settings(data: Mapping[str, Any] | None = None) -> dict[str, int]:
    """The file's candidate counts, those it has: ``"candidates"`` (the window's "Candidates
    per step"), ``"candidates_served"`` and ``"coder_requests"`` (as ``RunConfig`` names them).

    Args:
        data: The file's content; None reads the file.

    Raises:
        ConfigError: A count is not a whole number from 1 (``candidates``: to
            ``CANDIDATES_OFFERED``).
    """
    if data is None:
        data = load_settings_file()
    counts: dict[str, int] = {}
    for name in CANDIDATE_KEYS:
        value = data.get(name)
        if value is None:
            continue
        high = CANDIDATES_OFFERED if name == "candidates" else None
        if (not isinstance(value, int) or isinstance(value, bool) or value < 1
                or (high is not None and value > high)):
            span = f"from 1 to {high}" if high else "of at least 1"
            raise ConfigError(f"settings file: \"{name}\" must be a whole number {span}, "
                              f"not {json.dumps(value)}")
        counts[name] = value
    return counts


def remember_setting(name: str, value: Any, path: Path | None = None) -> Path:
    """Set one top-level value of the settings file, keeping the rest as it is.

    Raises:
        ConfigError: The file cannot be read; it is left as it is.
    """
    data = load_settings_file(path)
    data[name] = value
    return save_settings_file(data, path)


def sandbox_to_dict(config: SandboxConfig) -> dict[str, Any]:
    """``config`` as the settings file keeps it."""
    return {"mode": str(config.mode), "dependency_scripts": str(config.dependency_scripts),
            "page_internet": config.page_internet}


def _strip_secrets(data: Any) -> Any:
    if isinstance(data, Mapping):
        return {
            k: _strip_secrets(v) for k, v in data.items()
            if k.lower() not in SECRET_KEYS or k == "api_key_env"
        }
    return data


def _convert(name: str, value: Any, source: str) -> Any:
    kind = ROLE_FIELDS[name]
    try:
        converted = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: '{value}' is not a valid {name}") from None
    if name == "provider":
        try:
            return Provider(str(converted).lower())
        except ValueError:
            raise ConfigError(
                f"{source}: provider must be 'openai' or 'ollama', not '{value}'"
            ) from None
    if name == "reply_format" and str(converted).lower() not in REPLY_FORMATS:
        raise ConfigError(
            f"{source}: reply format must be {', '.join(REPLY_FORMATS)}, not '{value}'")
    if name == "vision" and str(converted).lower() not in VISION_MODES:
        raise ConfigError(f"{source}: vision must be {', '.join(VISION_MODES)}, not '{value}'")
    if name == "multi_reply" and str(converted).lower() not in MULTI_REPLY_MODES:
        raise ConfigError(
            f"{source}: multi-reply must be {', '.join(MULTI_REPLY_MODES)}, not '{value}'")
    lowered = ("reply_format", "vision", "multi_reply")
    return str(converted).lower() if name in lowered else converted


def role_values(
    role: Role,
    flags: Mapping[str, Any],
    env: Mapping[str, str],
    file_roles: Mapping[str, Any],
) -> dict[str, Any]:
    """Settings of ``role`` merged with precedence flags > environment > settings file."""
    merged: dict[str, Any] = {}
    for name, value in (file_roles.get(str(role)) or {}).items():
        if name in ROLE_FIELDS and value not in (None, ""):
            merged[name] = _convert(name, value, f"settings file, {role}")
    for name, suffix in ENV_NAMES.items():
        var = f"WEBGEN_{str(role).upper()}_{suffix}"
        if env.get(var):
            merged[name] = _convert(name, env[var], var)
    for name, value in flags.items():
        if name in ROLE_FIELDS and value is not None:
            merged[name] = _convert(name, value, f"--{role}-{name.replace('_', '-')}")
    return merged


def resolve_model_settings(
    flags: Mapping[str, Mapping[str, Any]],
    env: Mapping[str, str] | None = None,
    file_data: Mapping[str, Any] | None = None,
    base: ModelSettings | None = None,
) -> ModelSettings:
    """Build the three roles' settings.

    Args:
        flags: Per role, the command-line values (None where not given).
        env: Environment (``os.environ`` by default).
        file_data: Parsed settings file (read from disk by default).
        base: Settings to start from (a resumed run's stored settings).

    The feedback role falls back to the critic's settings, as in the paper where one
    vision-language model does both. Raises ConfigError when a model is missing.
    """
    env = os.environ if env is None else env
    file_roles = (load_settings_file() if file_data is None else file_data).get("roles", {})
    configs: dict[Role, RoleConfig] = {}
    for role in Role:
        start = base.for_role(role) if base else None
        values = role_values(role, flags.get(str(role), {}), env, file_roles)
        if start is None and role is Role.FEEDBACK and "model" not in values:
            start = configs[Role.CRITIC]
        configs[role] = replace(start or RoleConfig(), **values)
    for role, config in configs.items():
        if not config.model:
            upper = str(role).upper()
            raise ConfigError(
                f"no model set for the {role} role: pass --{role}-model or set "
                f"WEBGEN_{upper}_MODEL (and WEBGEN_{upper}_PROVIDER, WEBGEN_{upper}_BASE_URL)"
            )
    return ModelSettings(configs[Role.CODER], configs[Role.CRITIC], configs[Role.FEEDBACK])


def model_settings_from_dict(data: Mapping[str, Any]) -> ModelSettings:
    """Rebuild settings stored in a run manifest."""
    names = {f.name for f in fields(RoleConfig)}

    def one(role: Role) -> RoleConfig:
        raw = {k: v for k, v in (data.get(str(role)) or {}).items() if k in names}
        if "provider" in raw:
            raw["provider"] = Provider(raw["provider"])
        return RoleConfig(**raw)

    return ModelSettings(one(Role.CODER), one(Role.CRITIC), one(Role.FEEDBACK))
