"""API keys for the cluster: looked up on the driver, carried only in a task's environment.

A role's key is found as for a local run (``resolve_api_key``: its ``api_key_env``, then
``WEBGEN_<ROLE>_API_KEY``, the session, the keyring) and put in the task's ``runtime_env``
under the variable the worker's lookup reads first. It is never part of a ticket or a
payload, so it is neither pickled into Ray's object store nor written to a run folder.
Ray itself keeps a task's runtime environment in its control store (GCS) while the job
lives, where the state API and the dashboard can show it: see docs/scale.md.
"""

from __future__ import annotations

from collections.abc import Iterable

from agent_core.config import RoleConfig
from agent_core.llm.keys import key_env_name, resolve_api_key


def task_environment(roles: Iterable[tuple[str, RoleConfig | None]]) -> dict[str, str]:
    """The environment variables that give a task's models their keys.

    Args:
        roles: ``(role, settings)`` of each model the task builds (None: not built).

    Returns:
        Variable name -> key, for the roles that have a key.
    """
    env: dict[str, str] = {}
    for role, config in roles:
        if config is None:
            continue
        key = resolve_api_key(config, role)
        if key:
            env[key_env_name(config, role)] = key
    return env


__all__ = ["task_environment"]
