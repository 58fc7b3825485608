"""The environment a process running the model's code gets: an allowlist, never the user's whole.

npm lifecycle scripts, ``vite.config.js`` and the dev server are code the model wrote. They get
what a build needs (PATH, locale, terminal, npm's registry, proxy and cache settings) and
nothing else: no provider key, no token, no cloud credential, whatever its name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["PASSED_NAMES", "child_environment", "looks_secret", "withheld_secrets"]

PASSED_NAMES = frozenset({
    "PATH", "LANG", "LANGUAGE", "TERM", "COLORTERM", "TZ", "NODE_ENV",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY",
    "http_proxy", "https_proxy", "no_proxy", "all_proxy",
    "npm_config_registry", "npm_config_proxy", "npm_config_https_proxy",
    "npm_config_noproxy", "npm_config_strict_ssl", "npm_config_cache",
    "npm_config_offline", "npm_config_prefer_offline", "npm_config_prefer_online",
    "npm_config_audit", "npm_config_fund", "npm_config_update_notifier",
    "npm_config_progress", "npm_config_loglevel", "npm_config_fetch_retries",
    "npm_config_fetch_timeout",
})  # fmt: skip
"""Variables passed from the user's environment when set (besides ``LC_*``)."""

_SECRET = re.compile(
    r"(^|_)(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|AUTH|AUTHTOKEN)(_|$)"
    r"|^(WEBGEN|OPENAI|ANTHROPIC|OLLAMA|AWS|GITHUB|GH|AZURE|GOOGLE|GCP|HF|HUGGING_?FACE)_"
    r"|_authToken|_auth$|_password$",
    re.IGNORECASE,
)


def looks_secret(name: str) -> bool:
    """Whether a variable named ``name`` may hold a credential (never passed to a child)."""
    return _SECRET.search(name) is not None


def _passed(name: str) -> bool:
    return (name in PASSED_NAMES or name.startswith("LC_")) and not looks_secret(name)


def child_environment(
    base: Mapping[str, str], extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The allow-listed part of ``base``, then the engine's own ``extra`` variables.

    Args:
        base: The user's environment (usually ``os.environ``).
        extra: Variables the engine sets itself (HOME, TMPDIR, PORT, HOST, ...); they win over
            ``base``, but a secret-looking name is dropped even here.

    Returns:
        A complete environment for the child: nothing else is inherited.
    """
    env = {name: value for name, value in base.items() if _passed(name)}
    for name, value in (extra or {}).items():
        if not looks_secret(name):
            env[name] = value
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    return env


def withheld_secrets(base: Mapping[str, str]) -> list[str]:
    """Names (never values) of the credential-looking variables a child does not get."""
    return sorted(name for name in base if looks_secret(name))
