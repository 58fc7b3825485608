"""Results of ``webgen doctor`` and ``webgen --self-test``: one line per check, with a fix.

Kept free of heavy imports: both commands load it lazily, and so must stay fast to import.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

OK, WARN, FAIL = "ok", "warn", "FAIL"
"""The three statuses of a check: fine, worth a look, stops WebGen Studio from working."""


@dataclass(frozen=True)
class Check:
    """The outcome of one check.

    Attributes:
        name: What was checked, e.g. ``node`` or ``server http://127.0.0.1:11434``.
        status: ``ok``, ``warn`` or ``FAIL``.
        detail: What was found (versions, paths, URLs; never a secret).
        fix: What to do about a warn or FAIL ("" for ok).
    """

    name: str
    status: str
    detail: str
    fix: str = ""

    @property
    def failed(self) -> bool:
        """Whether this check stops WebGen Studio from working."""
        return self.status == FAIL


def ok(name: str, detail: str) -> Check:
    """A passed check."""
    return Check(name, OK, detail)


def warn(name: str, detail: str, fix: str) -> Check:
    """A check worth a look that does not stop anything."""
    return Check(name, WARN, detail, fix)


def fail(name: str, detail: str, fix: str) -> Check:
    """A check that stops WebGen Studio from working."""
    return Check(name, FAIL, detail, fix)


def problems(checks: Iterable[Check]) -> list[Check]:
    """The checks with status warn or FAIL, in order."""
    return [c for c in checks if c.status != OK]


def render_lines(checks: Sequence[Check]) -> list[str]:
    """One ``status  name: detail`` line per check and an indented ``fix:`` line for problems."""
    lines = []
    for check in checks:
        lines.append(f"{check.status:<4}  {check.name}: {check.detail}")
        if check.status != OK and check.fix:
            lines.append(f"      fix: {check.fix}")
    return lines


def render_text(checks: Sequence[Check]) -> str:
    """The doctor's report: the check lines, then ``N problems`` or ``all good``."""
    found = len(problems(checks))
    closing = "all good" if not found else f"{found} problem{'s' if found != 1 else ''}"
    return "\n".join([*render_lines(checks), closing])


def render_json(checks: Sequence[Check]) -> str:
    """The checks as a JSON list of ``{check, status, detail, fix}`` objects."""
    rows = []
    for check in checks:
        data = asdict(check)
        rows.append(
            {
                "check": data["name"],
                "status": data["status"],
                "detail": data["detail"],
                "fix": data["fix"],
            }
        )
    return json.dumps(rows, indent=2)


VERSION_RE = re.compile(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?")


def version_tuple(text: str) -> tuple[int, ...]:
    """The first ``X.Y.Z`` in ``text`` as integers; () when there is none."""
    match = VERSION_RE.search(text)
    if match is None:
        return ()
    return tuple(int(part) for part in match.groups() if part is not None)


async def run_command(
    argv: Sequence[str], timeout_s: float, env: Mapping[str, str] | None = None
) -> tuple[int, str, str]:
    """Run ``argv`` (no shell, no stdin) and return its exit code, stdout and stderr.

    Args:
        argv: The program and its arguments.
        timeout_s: How long it may take.
        env: Its whole environment (None: this process's).

    Raises:
        OSError: The program could not be started.
        TimeoutError: It did not finish within ``timeout_s`` (it is killed first).
    """
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=None if env is None else dict(env),
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout_s)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    text = (out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))
    return proc.returncode or 0, *text


async def command_output(argv: Sequence[str], timeout_s: float) -> tuple[int, str]:
    """Run ``argv`` (no shell) and return its exit code and first line of output.

    Raises:
        OSError: The program could not be started.
        TimeoutError: It did not finish within ``timeout_s`` (it is killed first).
    """
    code, out, _err = await run_command(argv, timeout_s)
    lines = out.strip().splitlines()
    return code, lines[0].strip() if lines else ""
