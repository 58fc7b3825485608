"""Before a run starts: does every model server answer? One sentence when one does not."""

from __future__ import annotations

import asyncio

from agent_core.config import ModelSettings, Role, RoleConfig
from agent_core.errors import ModelAuthError, ModelNotFound, ModelTimeout
from agent_core.llm.factory import list_server_models
from app.desktop.preflight import same_server

CHECK_TIMEOUT_S = 4.0
"""How long a server may take to list its models before the run is not started."""


def _servers(settings: ModelSettings) -> list[tuple[RoleConfig, list[Role]]]:
    """Each distinct server with the roles that use it (asked once, with the first role's key)."""
    servers: list[tuple[RoleConfig, list[Role]]] = []
    for role in Role:
        config = settings.for_role(role)
        for known, roles in servers:
            if known.provider is config.provider and same_server(known.url, config.url):
                roles.append(role)
                break
        else:
            servers.append((config, [role]))
    return servers


async def _ask(config: RoleConfig, role: Role) -> str | None:
    """Why the server of ``config`` cannot be used, or None when it answered."""
    try:
        await asyncio.wait_for(list_server_models(config, str(role)), CHECK_TIMEOUT_S)
    except (TimeoutError, ModelTimeout):
        return f"no answer within {CHECK_TIMEOUT_S:g} s"
    except ModelAuthError:
        return "it refused the API key"
    except ModelNotFound:
        return "it has no model list at this URL (is the URL right?)"
    except Exception as exc:  # unreachable, refused, a URL the client cannot use
        return str(exc) or type(exc).__name__
    return None


async def server_problem(settings: ModelSettings) -> str | None:
    """One message naming every model server that does not answer, or None when all do."""
    servers = _servers(settings)
    answers = await asyncio.gather(*(_ask(config, roles[0]) for config, roles in servers))
    problems = []
    for (config, roles), why in zip(servers, answers, strict=True):
        if why is not None:
            names = [str(role) for role in roles]
            users = names[0] if len(names) == 1 else (
                ", ".join(names[:-1]) + " and " + names[-1])
            where = "" if config.url in why else f"{config.provider} at {config.url}: "
            problems.append(f"the {users} model server does not answer ({where}"
                            f"{why.rstrip('.?! ')})")
    if not problems:
        return None
    return ("The run was not started: " + "; ".join(problems)
            + ". Start the server or change it in Models…, then press Start again.")
