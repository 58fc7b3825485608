"""Configuration of model roles and of a run. Plain data, no I/O."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Provider(StrEnum):
    """Which client speaks to a model server."""

    OPENAI = "openai"
    OLLAMA = "ollama"


REPLY_FORMATS = ("auto", "text", "structured")
"""The values of ``RoleConfig.reply_format``."""

VISION_MODES = ("auto", "yes", "no")
"""The values of ``RoleConfig.vision``: guess from the model's name, or say so."""

IMAGE_MAX_SIDE = 1568
"""Longest side, in pixels, of an image the user attaches (larger ones are scaled down)."""


class Role(StrEnum):
    """The three model roles of the WebGen-Agent loop."""

    CODER = "coder"
    CRITIC = "critic"
    FEEDBACK = "feedback"


MIN_CONTEXT = {Role.CODER: 8192, Role.CRITIC: 4096, Role.FEEDBACK: 4096}
"""The least context length each role needs: the coder's prompt carries the system prompt,
the files and the history; the critic's one screenshot and its prompt. The Models dialog and
``webgen doctor`` warn below these."""

DEFAULT_BASE_URLS = {
    Provider.OPENAI: "http://localhost:8000/v1",
    Provider.OLLAMA: "http://localhost:11434",
}


@dataclass(frozen=True)
class RoleConfig:
    """How one role reaches its model.

    The API key is never stored here: ``api_key_env`` names the environment variable
    (or keyring entry) it is read from when the client is built.

    Attributes:
        provider: ``openai`` (any OpenAI-compatible server) or ``ollama``.
        model: Model name as the server knows it.
        base_url: Server URL; for OpenAI-compatible servers it usually ends in ``/v1``.
        api_key_env: Environment variable holding the API key, if any.
        temperature: Sampling temperature.
        max_tokens: Upper bound on the reply length, in tokens.
        context_length: Tokens the model can attend to (prompt plus reply).
        timeout_s: Seconds before one request is abandoned.
        max_retries: Retries on connection errors, timeouts, 429 and 5xx.
        reply_format: ``text`` (free text: the Bolt tags for the coder), ``structured``
            (JSON constrained by a schema where the server accepts one) or ``auto`` (text
            first; the coder switches to structured when it keeps missing the format).
        vision: Whether the model reads images: ``yes``, ``no`` or ``auto`` (guessed from
            the model's name). A coder that does not gets the critic's description of each
            image the user attached instead of the image.
    """

    provider: Provider = Provider.OPENAI
    model: str = ""
    base_url: str = ""
    api_key_env: str | None = None
    temperature: float = 0.2
    max_tokens: int = 8192
    context_length: int = 32768
    timeout_s: float = 600.0
    max_retries: int = 3
    reply_format: str = "auto"
    vision: str = "auto"

    @property
    def reply_limit(self) -> int:
        """Tokens a reply may take: ``max_tokens``, but never more than a third of the context.

        The conversation budget keeps the same room free (``agent.context.prompt_budget``).
        """
        return min(self.max_tokens, max(256, self.context_length // 3))

    @property
    def url(self) -> str:
        """The base URL, or the provider's usual local default."""
        return self.base_url or DEFAULT_BASE_URLS[self.provider]

    def to_public_dict(self) -> dict[str, Any]:
        """Settings safe to write to disk: no secret is ever part of a RoleConfig."""
        data = asdict(self)
        data["provider"] = str(self.provider)
        data["base_url"] = self.url
        return data


@dataclass(frozen=True)
class ModelSettings:
    """The model configuration of all three roles."""

    coder: RoleConfig
    critic: RoleConfig
    feedback: RoleConfig

    def for_role(self, role: Role) -> RoleConfig:
        """Return the configuration of ``role``."""
        roles = {Role.CODER: self.coder, Role.CRITIC: self.critic, Role.FEEDBACK: self.feedback}
        return roles[role]

    def to_public_dict(self) -> dict[str, Any]:
        """All roles, without secrets."""
        return {str(r): self.for_role(r).to_public_dict() for r in Role}


@dataclass(frozen=True)
class Timeouts:
    """Bounded time for each phase, in seconds."""

    install_s: float = 300.0
    server_start_s: float = 60.0
    page_load_s: float = 20.0
    network_quiet_s: float = 0.1
    network_quiet_max_s: float = 3.0
    command_s: float = 120.0


class SandboxMode(StrEnum):
    """How the code the model writes is run (see docs/security.md)."""

    AUTO = "auto"
    """Confined with bubblewrap where it works; otherwise unconfined, and the user is told."""
    BWRAP = "bwrap"
    """Confined with bubblewrap, or the run does not start."""
    OFF = "off"
    """Unconfined by the user's choice: still a filtered environment and a private HOME."""


class DependencyScripts(StrEnum):
    """Which install scripts of dependencies ``npm install`` runs."""

    ALLOWLIST = "allowlist"
    """Only those of the packages on the allow-list shipped with the app."""
    ALL = "all"
    """Every dependency's scripts (still inside the sandbox)."""


@dataclass(frozen=True)
class SandboxConfig:
    """Confinement of the model's code and of the pages it serves.

    Attributes:
        mode: bubblewrap when it works (``auto``), always (``bwrap``), or never (``off``).
        dependency_scripts: Run install scripts of allow-listed dependencies only, or all.
        page_internet: Whether the site's pages may load from the public internet (CDN fonts
            and images). Loopback and private addresses other than the site's own server are
            blocked either way.
    """

    mode: SandboxMode = SandboxMode.AUTO
    dependency_scripts: DependencyScripts = DependencyScripts.ALLOWLIST
    page_internet: bool = True

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> SandboxConfig:
        """The config stored by :meth:`RunConfig.to_dict`; unknown or bad values fall back."""
        data = data or {}
        try:
            mode = SandboxMode(data.get("mode", SandboxMode.AUTO))
        except ValueError:
            mode = SandboxMode.AUTO
        try:
            scripts = DependencyScripts(data.get("dependency_scripts", DependencyScripts.ALLOWLIST))
        except ValueError:
            scripts = DependencyScripts.ALLOWLIST
        return cls(mode, scripts, bool(data.get("page_internet", True)))


@dataclass(frozen=True)
class RunConfig:
    """Knobs of one run of the loop.

    Attributes:
        max_steps: Upper bound on coder steps.
        error_limit: Consecutive error steps (along the parent chain) before backtracking.
        allowed_commands: Extra command prefixes the user allows, e.g. ``("npx prisma",)``.
        allow_any_command: Run any command the model asks for (still without a shell).
        max_file_bytes: Largest file the coder may write.
        chromium_path: Explicit browser executable; found automatically when empty.
        viewport: Screenshot size, 1024x768 as in the paper.
        timeouts: Per-phase time bounds.
        gui_testing: Test the site's features with the GUI agent on ``screenshot_validated``.
        gui_max_turns: Interactions the GUI agent may make per test.
        sandbox: How the model's code and its pages are confined.
        image_max_side: Longest side in pixels of an attached image; larger ones are scaled
            down before they are stored and sent.
    """

    max_steps: int = 20
    error_limit: int = 5
    allowed_commands: tuple[str, ...] = ()
    allow_any_command: bool = False
    max_file_bytes: int = 2_000_000
    chromium_path: str | None = None
    viewport: tuple[int, int] = (1024, 768)
    timeouts: Timeouts = field(default_factory=Timeouts)
    gui_testing: bool = True
    gui_max_turns: int = 15
    sandbox: SandboxConfig = field(default_factory=SandboxConfig)
    image_max_side: int = IMAGE_MAX_SIDE

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form."""
        data = asdict(self)
        data["allowed_commands"] = list(self.allowed_commands)
        data["viewport"] = list(self.viewport)
        data["sandbox"] = {**data["sandbox"], "mode": str(self.sandbox.mode),
                           "dependency_scripts": str(self.sandbox.dependency_scripts)}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], fallback: RunConfig | None = None) -> RunConfig:
        """The config :meth:`to_dict` wrote (a run's manifest); absent keys take defaults.

        Raises:
            TypeError: ``data`` has a key RunConfig does not know.
        """
        base = dict(data)
        default_viewport = (fallback or cls()).viewport
        base["timeouts"] = Timeouts(**base.pop("timeouts", {}) or {})
        base["sandbox"] = SandboxConfig.from_dict(base.pop("sandbox", None))
        base["allowed_commands"] = tuple(base.get("allowed_commands", ()))
        base["viewport"] = tuple(base.get("viewport", default_viewport))
        return cls(**base)
