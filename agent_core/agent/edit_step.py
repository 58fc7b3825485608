"""The execution half of an edit step: commands, install, serve, screenshot, critic."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from agent_core.agent.coder_turn import CoderTurn
from agent_core.agent.feedback import FINISH_HINT, EditReport
from agent_core.agent.render_gate import failure_reason, gate_reason
from agent_core.browser.errors import PageLoadFailed
from agent_core.errors import CommandRefused, RuntimeFailure
from agent_core.protocol.actions import ShellAction, StartAction
from agent_core.runtime.plans import choose_start_command
from agent_core.runtime.sandbox import Confinement, refusals_in
from agent_core.store.evidence import (
    CriticReview,
    InstallResult,
    PageCapture,
    RuntimeResult,
    SandboxReport,
    ServeResult,
)
from agent_core.workspace.commands import PlannedCommand

from .services import StepServices

PhaseCallback = Callable[[str, str], Awaitable[None]]
ServerCallback = Callable[[str, bool], Awaitable[None]]
"""Told the URL and whether the server was (re)started, as soon as the site answers."""

MAX_GRADE_WITH_ERROR = 2
SERVER_SCRIPTS = ("dev", "start", "preview", "serve")


@dataclass
class EditOutcome:
    """Scores and evidence of an edit step."""

    report: EditReport
    appearance_grade: int | None = None
    errors: list[str] = field(default_factory=list)
    screenshot: bytes | None = None
    critic: CriticReview | None = None
    runtime: RuntimeResult = field(default_factory=RuntimeResult)
    phases: dict[str, float] = field(default_factory=dict)
    critic_usage: Any = None
    outputs: list[str] = field(default_factory=list)
    """The output of the step's installs and commands, read for the sandbox's refusals."""

    @property
    def has_error(self) -> bool:
        """The METHOD.md error flag."""
        return bool(self.errors)


@dataclass
class _Plan:
    installs: list[PlannedCommand] = field(default_factory=list)
    others: list[PlannedCommand] = field(default_factory=list)
    start: PlannedCommand | None = None


def _plan_commands(services: StepServices, turn: CoderTurn, report: EditReport) -> _Plan:
    plan = _Plan()
    for action in turn.parsed.actions:
        if not isinstance(action, ShellAction | StartAction):
            continue
        try:
            planned = services.policy.plan(action.command)
        except CommandRefused as exc:
            report.commands = [*report.commands, str(exc)]
            continue
        for command in planned:
            if command.kind == "install":
                plan.installs.append(command)
            elif command.kind == "start" and isinstance(action, StartAction):
                plan.start = command
            elif command.kind == "start" and _is_server(command.argv):
                plan.start = plan.start or command
            else:  # e.g. `npm run build` in a shell action: a finite command
                plan.others.append(command)
    return plan


def _is_server(argv: Sequence[str]) -> bool:
    """Whether a start-kind command launches a server rather than a one-off script."""
    if argv[:2] == ("npm", "run") and len(argv) > 2:
        return argv[2] in SERVER_SCRIPTS
    return True


async def run_edit_phases(
    services: StepServices,
    turn: CoderTurn,
    instruction: str,
    on_phase: PhaseCallback,
    on_server: ServerCallback | None = None,
    *,
    gated: bool = False,
) -> EditOutcome:
    """Install, serve, screenshot and review the files the coder just wrote.

    With ``gated`` (a candidate), a page that fails the render gate is an error step and
    goes to no critic; the record says why.
    """
    report = EditReport(
        written=turn.written,
        refused=turn.refused,
        protocol_issues=[i.message for i in turn.parsed.issues],
    )
    if not services.config.uses_gui_agent:
        report.ask = FINISH_HINT
    out = EditOutcome(report=report)
    plan = _plan_commands(services, turn, report)
    deps_changed = await _install(services, plan, out, on_phase)
    await _run_others(services, plan.others, out, on_phase)
    url = None if out.errors else await _serve(services, plan, deps_changed, out, on_phase)
    await _record_confinement(services, out)
    if url is not None and on_server is not None:
        await on_server(url, out.runtime.serve is not None and out.runtime.serve.restarted)
    if url is None:
        report.screenshot_error = "the site is not running."
        out.errors.append("no screenshot: the site is not running")
        if gated:
            out.runtime = replace(out.runtime, gate=failure_reason(out.errors))
        return out
    capture = await _capture(services, url, out, on_phase)
    if gated and capture is not None and _gate(capture, out):
        return out
    if capture is not None and services.config.uses_critic:
        await _review(services, capture, instruction, out, on_phase)
    return out


def _gate(capture: Any, out: EditOutcome) -> bool:
    """Hold a page that renders nothing of its own back from the critic; True if held."""
    reason = gate_reason(capture)
    if reason is None:
        return False
    out.runtime = replace(out.runtime, gate=reason)
    out.errors.append(f"render gate: {reason}")
    out.report.description = f"The page was not graded: {reason}."
    return True


async def _timed(out: EditOutcome, phase: str, started: float) -> None:
    out.phases[phase] = round(out.phases.get(phase, 0.0) + time.perf_counter() - started, 4)


async def _install(services: StepServices, plan: _Plan, out: EditOutcome,
                   on_phase: PhaseCallback) -> bool:
    started = time.perf_counter()
    commands = [list(c.argv) for c in plan.installs]
    if not commands and not services.installer.needs_install():
        out.report.install = "not needed (dependencies unchanged)."
        out.runtime = replace(out.runtime, install=InstallResult(ran=False, ok=True))
        return False
    await on_phase("install", " ".join(commands[0]) if commands else "npm install")
    result = await services.installer.install(
        commands, timeout_s=services.config.timeouts.install_s
    )
    await _timed(out, "install", started)
    out.outputs.append(result.log_tail)
    out.runtime = replace(out.runtime, install=InstallResult(
        ran=result.ran, ok=result.ok, command=result.command,
        seconds=round(result.seconds, 3), log_tail=result.log_tail if not result.ok else "",
        skipped_scripts=tuple(result.skipped_scripts), ran_scripts=tuple(result.ran_scripts),
        linked_from=result.linked_from,
    ))  # fmt: skip
    if result.ok:
        out.report.install = f"succeeded ({result.command}, {result.seconds:.1f} s)."
        if result.skipped_scripts:
            out.report.install += (
                " Install scripts of these dependencies were skipped (not on the allow-list): "
                + ", ".join(result.skipped_scripts) + ".")
        return result.deps_changed
    out.report.install = f"FAILED ({result.command}). Output:\n```\n{result.log_tail}\n```"
    out.errors.append(f"dependency installation failed: {result.command}")
    return result.deps_changed


async def _run_others(services: StepServices, commands: Sequence[PlannedCommand],
                      out: EditOutcome, on_phase: PhaseCallback) -> None:
    for command in commands:
        await on_phase("command", " ".join(command.argv))
        result = await services.sandbox.run(
            list(command.argv), services.workspace.resolve_dir(command.cwd),
            services.config.timeouts.command_s, network=not _is_npm_script(command.argv),
        )
        out.outputs.append(result.output_tail)
        status = "succeeded" if result.returncode == 0 and not result.timed_out else "failed"
        line = f"`{' '.join(command.argv)}` {status}"
        if status == "failed":
            line += f":\n```\n{result.output_tail}\n```"
        out.report.commands = [*out.report.commands, line]


def _is_npm_script(argv: Sequence[str]) -> bool:
    """`npm run X` runs a project script: it needs no network (installs are separate)."""
    return tuple(argv[:2]) in (("npm", "run"), ("npm", "run-script"))


async def _record_confinement(services: StepServices, out: EditOutcome) -> None:
    """What the sandbox was for this step, and what it refused as far as the output says."""
    confinement = await services.sandbox.prepare()
    sandbox = services.sandbox
    output = "\n".join([*out.outputs, services.server.output_tail(200)])
    refused = refusals_in(output, sandbox.workspace, (sandbox.home, sandbox.tmp))
    install = out.runtime.install
    skipped = install.skipped_scripts if install is not None else ()
    out.runtime = replace(out.runtime, sandbox=_sandbox_report(confinement, refused, skipped))
    if refused and confinement.confined:
        out.report.notes.append(
            "The sandbox refused access outside the project folder (only the project, a "
            "private HOME and TMPDIR are writable): " + "; ".join(refused[:8]))


def _sandbox_report(confinement: Confinement, refused: list[str],
                    skipped: tuple[str, ...]) -> SandboxReport:
    return SandboxReport(
        confined=confinement.confined, backend=confinement.backend, detail=confinement.detail,
        chosen_off=confinement.chosen_off, network=confinement.network,
        withheld_env=tuple(confinement.withheld_env), refused=tuple(refused),
        skipped_dependency_scripts=skipped,
    )


async def _serve(services: StepServices, plan: _Plan, deps_changed: bool,
                 out: EditOutcome, on_phase: PhaseCallback) -> str | None:
    started = time.perf_counter()
    await on_phase("serve", "")
    if plan.start is not None:
        services.start_request = plan.start.argv
    requested = list(services.start_request) if services.start_request else None
    try:
        start_plan = choose_start_command(services.workspace.root, requested)
        result = await services.server.ensure_running(start_plan, deps_changed=deps_changed)
    except RuntimeFailure as exc:
        await _timed(out, "serve", started)
        tail = f"\n```\n{exc.log_tail}\n```" if exc.log_tail else ""
        out.report.serve = f"FAILED: {exc}{tail}"
        out.errors.append(f"the dev server did not start: {exc}")
        failed = ServeResult(ok=False, error=str(exc), log_tail=exc.log_tail)
        out.runtime = replace(out.runtime, serve=failed)
        return None
    await _timed(out, "serve", started)
    state = "restarted" if result.restarted else "kept running"
    out.report.serve = f"running at {result.url} ({state})."
    served = ServeResult(ok=True, url=result.url, restarted=result.restarted)
    out.runtime = replace(out.runtime, serve=served)
    return result.url


async def _capture(services: StepServices, url: str, out: EditOutcome,
                   on_phase: PhaseCallback) -> Any:
    started = time.perf_counter()
    await on_phase("screenshot", url)
    browser = await services.browser()
    timeouts = services.config.timeouts
    try:
        capture = await browser.capture(
            url, load_timeout_s=timeouts.page_load_s, quiet_s=timeouts.network_quiet_s,
            quiet_max_s=timeouts.network_quiet_max_s,
        )
    except PageLoadFailed as exc:
        await _timed(out, "screenshot", started)
        out.report.screenshot_error = str(exc)
        out.errors.append(f"no screenshot: {exc}")
        return None
    await _timed(out, "screenshot", started)
    out.screenshot = capture.png
    console = [*capture.page_errors, *capture.console_errors, *capture.failed_requests]
    out.report.console = console[:20]
    page = PageCapture(console=tuple(console[:50]), title=capture.title,
                       blocked=tuple(capture.blocked_requests[:50]))
    out.runtime = replace(out.runtime, browser=page)
    return capture


async def _review(services: StepServices, capture: Any, instruction: str,
                  out: EditOutcome, on_phase: PhaseCallback) -> None:
    started = time.perf_counter()
    await on_phase("critic", "")
    console = [*capture.page_errors, *capture.console_errors]
    review = await services.critic.review(capture.png, instruction, console_errors=console)
    await _timed(out, "critic", started)
    out.critic_usage = review.usage
    out.appearance_grade = review.appearance_grade
    out.critic = review.as_evidence()
    report = out.report
    report.appearance_grade = review.appearance_grade
    if review.is_error:
        report.description = f"the page shows an error: {review.error_message}"
        out.errors.append(f"the page shows an error: {review.error_message}")
    else:
        report.description = review.description
    report.suggestions = list(review.suggestions)
    grade = review.appearance_grade
    if grade is not None and grade <= MAX_GRADE_WITH_ERROR:
        out.errors.append(f"appearance grade {grade}/5")
