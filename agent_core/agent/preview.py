"""Serving the workspace outside a step: for the app's preview after a restore or reopen."""

from __future__ import annotations

from dataclasses import dataclass

from agent_core.errors import RuntimeFailure
from agent_core.runtime.plans import choose_start_command

from .services import StepServices


@dataclass(frozen=True)
class PreviewResult:
    """Where the workspace is served, or why it is not.

    Attributes:
        url: The site's URL, None when it could not be served.
        error: What went wrong, for the user.
        log_tail: The last lines of npm's or the server's output when something failed.
    """

    url: str | None
    error: str = ""
    log_tail: str = ""


def has_site(services: StepServices) -> bool:
    """Whether the workspace holds anything to serve."""
    root = services.workspace.root
    return (root / "package.json").is_file() or (root / "index.html").is_file()


async def serve_workspace(services: StepServices) -> PreviewResult:
    """Install dependencies if they changed, then make sure the dev server runs.

    Uses the coder's last start command when the session knows it, like an edit step.
    """
    if not has_site(services):
        return PreviewResult(None, "the workspace has no package.json or index.html yet")
    deps_changed = False
    if services.installer.needs_install():
        result = await services.installer.install(
            (), timeout_s=services.config.timeouts.install_s)
        if not result.ok:
            return PreviewResult(None, f"dependency installation failed ({result.command})",
                                 result.log_tail)
        deps_changed = result.deps_changed
    requested = list(services.start_request) if services.start_request else None
    try:
        plan = choose_start_command(services.workspace.root, requested)
        served = await services.server.ensure_running(plan, deps_changed=deps_changed)
    except RuntimeFailure as exc:
        return PreviewResult(None, f"the dev server did not start: {exc}", exc.log_tail)
    return PreviewResult(served.url)
