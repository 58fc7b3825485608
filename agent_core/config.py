"""Configuration of model roles and of a run. Plain data, no I/O."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

from agent_core.errors import ConfigError


class Provider(StrEnum):
    """Which client speaks to a model server."""

    OPENAI = "openai"
    OLLAMA = "ollama"


REPLY_FORMATS = ("auto", "text", "structured")
"""The values of ``RoleConfig.reply_format``."""

VISION_MODES = ("auto", "yes", "no")
"""The values of ``RoleConfig.vision``: guess from the model's name, or say so."""

MULTI_REPLY_MODES = ("auto", "never")
"""The values of ``RoleConfig.multi_reply``: ask for several replies in one request (the
OpenAI ``n``) where the server turns out to honour it, or never."""

IMAGE_MAX_SIDE = 1568
"""Longest side, in pixels, of an image the user attaches (larger ones are scaled down)."""

CANDIDATES_OFFERED = 8
"""The most candidates per step the desktop app offers (the command line takes any count):
each is a whole site served at once, with its own dev server and browser page."""


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
        seed: Sampling seed sent with every request (None: none is sent). Servers that do
            not honour one ignore it.
        vision: Whether the model reads images: ``yes``, ``no`` or ``auto`` (guessed from
            the model's name). A coder that does not gets the critic's description of each
            image the user attached instead of the image.
        multi_reply: How candidates' replies are asked for (``--candidates``): ``auto``
            tries one request with the OpenAI ``n`` and keeps to it while the server
            honours it; ``never`` always sends one request per candidate, each with its
            own seed. Ollama has no ``n``: always one request per candidate.
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
    seed: int | None = None
    vision: str = "auto"
    multi_reply: str = "auto"

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


class FeedbackLevel(StrEnum):
    """How much feedback an edit step gets: the three stages of the paper's ablation."""

    EXECUTION = "execution"
    """Installation, server start and the page's console errors only."""
    SCREENSHOT = "screenshot"
    """Plus the vision critic's review of the screenshot."""
    FULL = "full"
    """Plus the GUI agent's feature tests (the method as published)."""


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
        feedback: What an edit step is checked with (the paper's ablation): ``execution``
            (install, start and the page's console errors; no critic, no GUI agent),
            ``screenshot`` (plus the vision critic) or ``full`` (plus the GUI agent).
        backtracking: Go back to the best valid step after ``error_limit`` errors in a row.
        select_best: End the run on the best step (False: the last step is the result).
        image_max_side: Longest side in pixels of an attached image; larger ones are scaled
            down before they are stored and sent.
        candidates: Coder replies tried at each edit step, each on its own copy of the site;
            the best continues and the others are kept as its siblings (1: one reply).
        candidates_served: How many candidates install, serve and are graded at once; the
            rest wait their turn.
        coder_requests: How many candidates' coder requests are in flight at once.
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
    feedback: FeedbackLevel = FeedbackLevel.FULL
    backtracking: bool = True
    select_best: bool = True
    image_max_side: int = IMAGE_MAX_SIDE
    candidates: int = 1
    candidates_served: int = 2
    coder_requests: int = 4

    def __post_init__(self) -> None:
        limits = (self.candidates, self.candidates_served, self.coder_requests)
        if min(limits) < 1:
            raise ValueError("candidates, candidates served and coder requests must be at "
                             f"least 1, got {limits}")

    @property
    def uses_critic(self) -> bool:
        """Whether edit steps ask the vision critic about their screenshot."""
        return self.feedback is not FeedbackLevel.EXECUTION

    @property
    def uses_gui_agent(self) -> bool:
        """Whether GUI-test steps let the GUI agent test the site."""
        return self.gui_testing and self.feedback is FeedbackLevel.FULL

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form."""
        data = asdict(self)
        data["feedback"] = str(self.feedback)
        data["allowed_commands"] = list(self.allowed_commands)
        data["viewport"] = list(self.viewport)
        data["sandbox"] = {**data["sandbox"], "mode": str(self.sandbox.mode),
                           "dependency_scripts": str(self.sandbox.dependency_scripts)}
        if self.candidates == 1:  # a one-reply run's manifest stays as it always was
            del data["candidates"], data["candidates_served"], data["coder_requests"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], fallback: RunConfig | None = None) -> RunConfig:
        """The config :meth:`to_dict` wrote (a run's manifest); absent keys take defaults.

        Raises:
            TypeError: ``data`` has a key RunConfig does not know.
            ValueError: ``feedback`` is not a known level.
        """
        base = dict(data)
        default_viewport = (fallback or cls()).viewport
        base["timeouts"] = Timeouts(**base.pop("timeouts", {}) or {})
        base["sandbox"] = SandboxConfig.from_dict(base.pop("sandbox", None))
        base["allowed_commands"] = tuple(base.get("allowed_commands", ()))
        base["viewport"] = tuple(base.get("viewport", default_viewport))
        base["feedback"] = FeedbackLevel(base.get("feedback", FeedbackLevel.FULL))
        return cls(**base)


@dataclass(frozen=True)
class Condition:
    """One setting of the paper's ablation: which feedback, and whether to backtrack and
    select the best step; and how many candidates each step tries.

    Spelled ``FEEDBACK[+no-backtracking][+no-select-best][+candidates-N]``, e.g.
    ``execution+no-backtracking+no-select-best``; the method as published is ``full`` (one
    candidate, which the name leaves out).

    Attributes:
        feedback: The edit steps' feedback level.
        backtracking: Whether the loop backtracks after ``error_limit`` errors in a row.
        select_best: Whether the best step (rather than the last) ends the run.
        candidates: Coder replies tried at each edit step (``RunConfig.candidates``).
    """

    feedback: FeedbackLevel = FeedbackLevel.FULL
    backtracking: bool = True
    select_best: bool = True
    candidates: int = 1

    @property
    def name(self) -> str:
        """The canonical spelling, also the condition's folder name."""
        parts = [str(self.feedback)]
        if not self.backtracking:
            parts.append(NO_BACKTRACKING)
        if not self.select_best:
            parts.append(NO_SELECT_BEST)
        if self.candidates != 1:
            parts.append(f"{CANDIDATES}{self.candidates}")
        return "+".join(parts)

    @classmethod
    def parse(cls, spec: str) -> Condition:
        """The condition spelled by ``spec`` (case and spaces do not matter).

        Raises:
            ConfigError: A part is unknown, repeated, or the feedback level is missing.
        """
        parts = [part.strip().lower() for part in spec.split("+")]
        levels = [str(level) for level in FeedbackLevel]
        if parts[0] not in levels:
            raise ConfigError(
                f"the condition {spec!r} must start with a feedback level ({', '.join(levels)})"
                f", e.g. execution+{NO_BACKTRACKING}+{NO_SELECT_BEST}"
            )
        rest = parts[1:]
        counts = [_candidate_count(spec, p) for p in rest if p.startswith(CANDIDATES)]
        for part in rest:
            known = part in (NO_BACKTRACKING, NO_SELECT_BEST) or part.startswith(CANDIDATES)
            repeated = rest.count(part) > 1 or (part.startswith(CANDIDATES) and len(counts) > 1)
            if not known or repeated:
                raise ConfigError(
                    f"the condition {spec!r} has {part!r} where only {NO_BACKTRACKING} or "
                    f"{NO_SELECT_BEST} or {CANDIDATES}N (each at most once) may follow the "
                    "feedback level"
                )
        return cls(FeedbackLevel(parts[0]), NO_BACKTRACKING not in rest,
                   NO_SELECT_BEST not in rest, counts[0] if counts else 1)

    @classmethod
    def of(cls, config: RunConfig) -> Condition:
        """The condition ``config`` runs under."""
        return cls(config.feedback, config.backtracking, config.select_best, config.candidates)

    def apply(self, config: RunConfig) -> RunConfig:
        """``config`` set to this condition."""
        return replace(config, feedback=self.feedback, backtracking=self.backtracking,
                       select_best=self.select_best, candidates=self.candidates)  # fmt: skip


def _candidate_count(spec: str, part: str) -> int:
    """N of a condition's ``candidates-N`` part."""
    text = part.removeprefix(CANDIDATES)
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"the condition {spec!r} has {part!r}: write {CANDIDATES}N with N a "
                          "whole number of at least 1")
    return int(text)


NO_BACKTRACKING = "no-backtracking"
NO_SELECT_BEST = "no-select-best"
CANDIDATES = "candidates-"

PAPER_ABLATION = (
    Condition(FeedbackLevel.EXECUTION, backtracking=False, select_best=False),
    Condition(FeedbackLevel.FULL, backtracking=False, select_best=False),
    Condition(),
)
"""The rows of the paper's ablation, in its order: execution feedback only (39.7%), plus
screenshot and GUI-agent feedback (49.9%), plus backtracking and select-best (52.6%)."""
