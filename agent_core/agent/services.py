"""The side-effect owners one run uses, built once and closed together, and its GUI tester."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from agent_core.browser.chromium import find_chromium
from agent_core.browser.network_policy import SitePolicy
from agent_core.browser.session import BrowserSession
from agent_core.config import ModelSettings, RunConfig
from agent_core.critic.screenshot_critic import ScreenshotCritic
from agent_core.errors import RuntimeFailure
from agent_core.gui.interface import FunctionalTester
from agent_core.gui.tester import GuiTester
from agent_core.llm.base import ChatModel
from agent_core.llm.factory import make_chat_model
from agent_core.runtime.dep_store import DependencyStore
from agent_core.runtime.devserver import DevServer, choose_start_command
from agent_core.runtime.installer import DependencyInstaller
from agent_core.runtime.sandbox import Sandbox
from agent_core.workspace.commands import CommandPolicy
from agent_core.workspace.guard import Workspace


@dataclass
class AgentModels:
    """The three roles' clients."""

    coder: ChatModel
    critic: ChatModel
    feedback: ChatModel
    settings: ModelSettings

    @classmethod
    def from_settings(cls, settings: ModelSettings, *, critic: ChatModel | None = None
                      ) -> AgentModels:
        """A client per role from ``settings``; ``critic`` reuses a client built elsewhere.

        Building a client loads TLS certificates (~0.1 s each): callers on a UI thread run
        this with ``asyncio.to_thread``.
        """
        return cls(
            coder=make_chat_model(settings.coder, "coder"),
            critic=critic or make_chat_model(settings.critic, "critic"),
            feedback=make_chat_model(settings.feedback, "feedback"),
            settings=settings,
        )

    async def close(self) -> None:
        """Close every distinct client."""
        seen: set[int] = set()
        for model in (self.coder, self.critic, self.feedback):
            if id(model) not in seen:
                seen.add(id(model))
                await model.close()


@dataclass
class StepServices:
    """Workspace, command policy, sandbox, installer, dev server, browser and critic of one run.

    The browser starts on first use and stays open for the whole session; the dev server
    keeps running across steps. ``close()`` stops both.
    """

    workspace: Workspace
    policy: CommandPolicy
    sandbox: Sandbox
    installer: DependencyInstaller
    server: DevServer
    critic: ScreenshotCritic
    config: RunConfig
    start_request: tuple[str, ...] | None = None
    """The coder's last start command; it holds until the coder sends another."""
    _browser: BrowserSession | None = field(default=None, init=False)
    _browser_start: asyncio.Task[BrowserSession] | None = field(default=None, init=False)

    @classmethod
    def build(cls, workspace_dir: Path, state_dir: Path, logs_dir: Path, config: RunConfig,
              critic_model: ChatModel) -> StepServices:
        """Wire the services of a run whose project lives in ``workspace_dir``."""
        state_dir.mkdir(parents=True, exist_ok=True)
        logs_dir.mkdir(parents=True, exist_ok=True)
        sandbox = Sandbox.for_run(workspace_dir, state_dir, config.sandbox)
        return cls(
            workspace=Workspace(workspace_dir, max_file_bytes=config.max_file_bytes),
            policy=CommandPolicy(config.allowed_commands, allow_any=config.allow_any_command),
            sandbox=sandbox,
            installer=DependencyInstaller(
                workspace_dir, state_dir / "install-state.json", sandbox,
                log_file=logs_dir / "npm.log", scripts=config.sandbox.dependency_scripts,
                store=DependencyStore(),
            ),
            server=DevServer(workspace_dir, sandbox, config.timeouts,
                             log_file=logs_dir / "server.log"),
            critic=ScreenshotCritic(critic_model),
            config=config,
        )

    async def serve_current(self) -> str | None:
        """The site's address, installing what its files need and (re)starting the server
        when it is not running or its dependencies changed; None when that fails.

        For work between steps (a candidate's files adopted, a GUI test on a folder that was
        never served): a failure is left for the next edit step to report in full.
        """
        deps_changed = False
        if await asyncio.to_thread(self.installer.needs_install):
            installed = await self.installer.install(timeout_s=self.config.timeouts.install_s)
            if not installed.ok:
                return None
            deps_changed = installed.deps_changed
        if self.server.alive and not deps_changed:
            return self.server.url
        requested = list(self.start_request) if self.start_request else None
        try:
            plan = choose_start_command(self.workspace.root, requested)
            served = await self.server.ensure_running(plan, deps_changed=deps_changed)
        except RuntimeFailure:
            return None
        return served.url

    def use_critic(self, critic_model: ChatModel) -> None:
        """Review screenshots with ``critic_model`` from now on (settings changed between runs)."""
        self.critic = ScreenshotCritic(critic_model)

    def share_browser(self, owner: StepServices) -> None:
        """Take screenshots in a tab of ``owner``'s browser (closing these services closes
        the tab; ``owner`` closes the browser). Captures in the tab run alongside ``owner``'s.
        """
        owner.prewarm_browser()
        assert owner._browser_start is not None
        self._browser_start = asyncio.create_task(self._open_tab(owner._browser_start))

    async def _open_tab(self, owner_start: asyncio.Task[BrowserSession]) -> BrowserSession:
        browser = await asyncio.shield(owner_start)
        self._browser = await browser.open_tab()
        return self._browser

    def prewarm_browser(self) -> None:
        """Start launching the browser in the background (it takes about a second).

        The first screenshot then does not wait for Chromium: the launch overlaps the
        coder's first reply and the install. A launch failure surfaces at first use.
        """
        if self._browser_start is None:
            self._browser_start = asyncio.create_task(self._launch_browser())

    async def _launch_browser(self) -> BrowserSession:
        browser = BrowserSession(
            executable_path=find_chromium(self.config.chromium_path),
            viewport=self.config.viewport,
            policy=SitePolicy(allow_internet=self.config.sandbox.page_internet),
        )
        try:
            await browser.start()
        except BaseException:
            with contextlib.suppress(Exception):
                await browser.close()
            raise
        self._browser = browser
        return browser

    async def browser(self) -> BrowserSession:
        """The session's browser, started on first use."""
        self.prewarm_browser()
        assert self._browser_start is not None
        return await asyncio.shield(self._browser_start)

    async def close(self) -> None:
        """Stop the dev server and close the browser, whatever happens."""
        try:
            await self.server.stop()
        finally:
            start, self._browser_start = self._browser_start, None
            if start is not None:
                # Cancelling Playwright halfway through a launch can orphan its driver
                # process; a launch takes about a second, so let it finish, then close.
                with contextlib.suppress(BaseException):
                    await start
            if self._browser is not None:
                with contextlib.suppress(Exception):
                    await self._browser.close()
                self._browser = None


def build_gui_tester(models: AgentModels, services: StepServices,
                     config: RunConfig) -> FunctionalTester | None:
    """The run's functional tester: the GUI agent on the services' browser.

    The critic's client browses (it sees screenshots) and the feedback client writes the test
    instruction and grades the trajectory.

    Returns:
        The tester, or None when ``config`` turns GUI testing off or its feedback level
        leaves the GUI agent out.
    """
    if not config.uses_gui_agent:
        return None
    return GuiTester(models.critic, models.feedback, services.browser,
                     max_turns=config.gui_max_turns)
