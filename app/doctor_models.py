"""The doctor's model checks: role settings, their servers, the local Ollama, API keys.

Each distinct server is asked for its model list once (with the role's key, which is never
printed; see :mod:`app.doctor_keys`), all at the same time and each within a few seconds.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from agent_core.config import MIN_CONTEXT, Provider, Role, RoleConfig
from agent_core.errors import (
    ConfigError,
    ModelAuthError,
    ModelNotFound,
    ModelTimeout,
    ModelUnreachable,
)
from agent_core.llm.factory import list_server_models, role_key_env
from app import settings as app_settings
from app.checks import Check, fail, ok, warn
from app.desktop.preflight import looks_like_vision_model, ollama_url, same_server
from app.doctor_keys import MODELS_UI, RoleState, check_keyring, lookup_keys

PROBE_TIMEOUT_S = 3.0
"""How long a model server may take to list its models."""
CONTEXT_NEEDS = {
    Role.CODER: "the coding prompt (instructions, files, feedback)",
    Role.CRITIC: "a screenshot and its prompt",
    Role.FEEDBACK: "a screenshot and its prompt",
}
SETTINGS_HELP = (
    f"open {MODELS_UI} in the window, or set WEBGEN_CODER_MODEL and "
    "WEBGEN_CRITIC_MODEL (with WEBGEN_<ROLE>_PROVIDER and WEBGEN_<ROLE>_BASE_URL); "
    'see "Model settings" in README.md'
)
OLLAMA_FIX = "start Ollama (`ollama serve`), or correct its URL in " + MODELS_UI


@dataclass
class Probe:
    """One model server and what it answered.

    Attributes:
        provider: How it is spoken to.
        url: Its base URL.
        key: The API key sent (in memory only).
        roles: The roles that use it.
        models: The names it listed, or None when it failed.
        error: Why it failed.
    """

    provider: Provider
    url: str
    key: str | None
    roles: list[Role] = field(default_factory=list)
    models: list[str] | None = None
    error: Exception | None = None


def resolved_roles(file_data: Mapping[str, Any]) -> dict[Role, RoleConfig]:
    """The roles from the environment and settings file, as ``resolve_model_settings`` does.

    Unlike it, a role without a model is kept (with an empty model) instead of raising.

    Raises:
        ConfigError: A value in the environment or the file is invalid.
    """
    file_roles = file_data.get("roles", {}) or {}
    configs: dict[Role, RoleConfig] = {}
    for role in Role:
        values = app_settings.role_values(role, {}, os.environ, file_roles)
        start = RoleConfig()
        if role is Role.FEEDBACK and "model" not in values:
            start = configs[Role.CRITIC]
        configs[role] = replace(start, **values)
    return configs


def _kind(error: Exception) -> str:
    if isinstance(error, ModelTimeout | TimeoutError):
        return "timeout"
    if isinstance(error, ModelUnreachable):
        return "refused" if "refused" in str(error) else "unreachable"
    if isinstance(error, ModelAuthError):
        return "HTTP 403" if "403" in str(error) else "HTTP 401"
    if isinstance(error, ModelNotFound):
        return "HTTP 404"
    return "error"


def _server_fix(probe: Probe) -> str:
    if probe.provider is Provider.OLLAMA and not isinstance(probe.error, ModelAuthError):
        return OLLAMA_FIX
    keys = " / ".join(role_key_env(str(r)) for r in probe.roles)
    return f"check the URL / API key in {MODELS_UI} or {keys}; start the server if it is yours"


def check_server(probe: Probe, name: str | None = None) -> list[Check]:
    """One server: reachable with its model count, or why not (with the URL)."""
    users = f"used by {', '.join(str(r) for r in probe.roles)}" if probe.roles else "unused"
    name = name or f"{probe.provider} server {probe.url}"
    if probe.error is not None:
        reason = str(probe.error)
        if isinstance(probe.error, ModelTimeout | TimeoutError) or not reason:
            reason = f"no answer within {PROBE_TIMEOUT_S:g} s"
        return [
            fail(
                name, f"{_kind(probe.error)} at {probe.url} ({users}): {reason}", _server_fix(probe)
            )
        ]
    count = len(probe.models or [])
    return [ok(name, f"reachable, {count} model{'s' if count != 1 else ''} ({users})")]


def _listed(model: str, names: list[str]) -> bool:
    return model in names or f"{model}:latest" in names


def check_role(state: RoleState, probe: Probe | None) -> list[Check]:
    """A role's settings, and whether its server offers its model."""
    config, role = state.config, state.role
    if not config.model:
        return [
            fail(
                str(role),
                "no model set",
                f"choose a model in {MODELS_UI} or set WEBGEN_{str(role).upper()}_MODEL",
            )
        ]
    detail = f"{config.provider} at {config.url}, model '{config.model}', key {state.key_state}"
    if probe is None or probe.models is None:
        return [ok(str(role), detail)]
    if _listed(config.model, probe.models):
        return [ok(str(role), f"{detail}; the server offers it")]
    shown = ", ".join(probe.models[:8]) + (", …" if len(probe.models) > 8 else "")
    fix = (
        f"choose one of the server's models in {MODELS_UI} or set WEBGEN_{str(role).upper()}_MODEL"
    )
    if config.provider is Provider.OLLAMA:
        fix = f"`ollama pull {config.model}`, or {fix}"
    return [
        warn(str(role), f"{detail}; the server does not list it (it has: {shown or 'none'})", fix)
    ]


def check_context(state: RoleState) -> list[Check]:
    """The context an Ollama role asks for: it is sent as ``num_ctx`` with every request.

    Ollama's own default (2048 or 4096 tokens) would cut the prompt; ours is the role's
    ``context_length``. Roles on OpenAI-compatible servers are skipped: the server decides.
    """
    config, role = state.config, state.role
    if config.provider is not Provider.OLLAMA or not config.model:
        return []
    name, least = f"{role} context", MIN_CONTEXT[role]
    if config.context_length < least:
        return [
            warn(
                name,
                f"{config.context_length} tokens, too few for {CONTEXT_NEEDS[role]}: "
                "the prompt will be cut",
                f"raise the {role}'s context length to {least} or more (16384+ for the coder) "
                f"in {MODELS_UI}, or set WEBGEN_{str(role).upper()}_CONTEXT_LENGTH",
            )
        ]
    return [ok(name, f"{config.context_length} tokens (sent as num_ctx)")]


async def probe(server: Probe) -> Probe:
    """Ask ``server`` for its model list, recording the names or the error."""
    config = RoleConfig(
        provider=server.provider, base_url=server.url, timeout_s=PROBE_TIMEOUT_S, max_retries=0
    )
    try:
        server.models = await asyncio.wait_for(
            list_server_models(config, api_key=server.key), PROBE_TIMEOUT_S + 1
        )
    except Exception as exc:  # ModelError, a timeout, or a URL the client cannot use
        server.error = exc
    return server


def check_local_ollama(local: Probe) -> list[Check]:
    """Ollama on this computer (``OLLAMA_HOST`` honoured): its models, the vision ones."""
    if local.error is not None:
        if local.roles:
            return check_server(local, name="ollama")
        return [
            warn(
                "ollama",
                f"not found at {local.url} ({_kind(local.error)})",
                "optional: to run models on this computer install Ollama "
                "(https://ollama.com) and start it (`ollama serve`); OLLAMA_HOST says "
                "where it listens",
            )
        ]
    models = local.models or []
    if not models:
        return [
            warn(
                "ollama",
                f"running at {local.url} with no models pulled",
                "pull a coder and a vision model, e.g. `ollama pull qwen2.5-coder:7b` "
                "and `ollama pull qwen2.5vl:7b`",
            )
        ]
    vision = [m for m in models if looks_like_vision_model(m)]
    seen = f"vision: {', '.join(vision)}" if vision else "none looks like a vision model"
    users = f", used by {', '.join(str(r) for r in local.roles)}" if local.roles else ""
    return [ok("ollama", f"running at {local.url}{users}, {len(models)} models ({seen})")]


def _group(states: list[RoleState]) -> list[Probe]:
    probes: list[Probe] = []
    for state in states:
        if not state.config.model:
            continue
        for known in probes:
            if (known.provider, known.key) == (state.config.provider, state.key) and same_server(
                known.url, state.config.url
            ):
                known.roles.append(state.role)
                break
        else:
            probes.append(Probe(state.config.provider, state.config.url, state.key, [state.role]))
    return probes


def _outcome(probe: Probe) -> str:
    return "ok" if probe.error is None else _kind(probe.error)


def _is_local(probe: Probe, local_url: str) -> bool:
    return probe.provider is Provider.OLLAMA and same_server(probe.url, local_url)


def merged(probes: list[Probe]) -> list[Probe]:
    """One report per server and outcome.

    Roles with different keys are asked apart, but a server that is down (or fine) for all
    of them is reported once.
    """
    reports: list[Probe] = []
    for asked in probes:
        for known in reports:
            if (
                known.provider is asked.provider
                and same_server(known.url, asked.url)
                and _outcome(known) == _outcome(asked)
            ):
                known.roles = [*known.roles, *asked.roles]
                break
        else:
            reports.append(replace(asked, roles=list(asked.roles)))
    return reports


def _settings() -> tuple[dict[Role, RoleConfig] | None, list[Check]]:
    try:
        configs = resolved_roles(app_settings.load_settings_file())
    except ConfigError as exc:
        return None, [
            fail(
                "model settings",
                str(exc),
                f"fix or delete that file or variable, then choose the models in {MODELS_UI}",
            )
        ]
    if not any(c.model for c in configs.values()):
        return configs, [fail("models", "no models configured", SETTINGS_HELP)]
    return configs, []


def _server_checks(probes: list[Probe], local: Probe) -> list[Check]:
    """One line per server asked; the local Ollama's line stands for a role's Ollama there."""
    reports = merged(probes)
    checks = [c for p in reports if not _is_local(p, local.url) for c in check_server(p)]
    used = [p for p in reports if _is_local(p, local.url)]
    return checks + [c for p in (used or [local]) for c in check_local_ollama(p)]


async def model_checks(network: bool = True) -> list[Check]:
    """Role settings, their servers and keys, and the local Ollama.

    Args:
        network: False skips asking the servers and looking for Ollama.
    """
    configs, checks = _settings()
    states = [RoleState(r, c) for r, c in (configs or {}).items()]
    backend = await lookup_keys(states)
    probes = _group(states)
    url = ollama_url()
    local = next((p for p in probes if _is_local(p, url)), Probe(Provider.OLLAMA, url, None))
    if network:
        unique = {id(p): p for p in [*probes, local]}
        await asyncio.gather(*(probe(p) for p in unique.values()))
    by_role = {r: p for p in probes for r in p.roles} if network else {}
    if not checks:  # settings readable and some model set
        for state in states:
            checks += check_role(state, by_role.get(state.role))
            checks += check_context(state)
    if network:
        checks += _server_checks(probes, local)
    refused = {r for p in probes if isinstance(p.error, ModelAuthError) for r in p.roles}
    return checks + check_keyring(backend, states, refused)
