"""A run's history as a git repository: one commit per step, branches where the run backtracked.

The steps form a tree (each continues from its parent). The path from the start to the chosen
step is ``main``, checked out. Every other line of steps (one the run left when it backtracked,
or one that went on past the chosen step) ends in a branch ``step-<N>`` named after its last
step, sharing its earlier commits with ``main``. Each commit holds the step's site
(:func:`agent_core.export.site.site_files`), is dated when the step ended, and its message
holds the request the step worked on, its grades and the reasons given for them.

The repository is written with ``git fast-import`` from the git command line, in a folder
beside the destination that is moved into place once complete.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from agent_core.export.site import (
    ExportKind,
    SiteExport,
    SiteExportError,
    check_folder_target,
    choose_step,
    move_folder_into_place,
    remove_quietly,
    site_files,
    staging_folder,
    writing,
)
from agent_core.export.site_messages import commit_message
from agent_core.store.records import StepRecord
from agent_core.store.run_store import RunStore
from agent_core.store.selection import parent_chain

MAIN = "main"
COMMITTER = b"WebGen Studio <webgen-studio@localhost>"
_GIT_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")


@dataclass(frozen=True)
class History:
    """The commits to write and where the branches end.

    Attributes:
        steps: Every exported step in index order (parents before children).
        branch_of: The branch each step's commit is written on.
        tips: Branch name -> the step it ends at (``main`` first).
    """

    steps: tuple[StepRecord, ...]
    branch_of: Mapping[int, str]
    tips: Mapping[str, int]


def plan_history(steps: list[StepRecord], chosen: int) -> History:
    """Place every step on ``main`` (the path to ``chosen``) or on a ``step-<N>`` branch.

    A step off the main path goes on the branch of the last step of its line (the
    highest-numbered step without children below it), so each branch is one unbroken line
    of commits ending at its tip.
    """
    by_index = {s.index: s for s in steps}
    main = {s.index for s in parent_chain(by_index, chosen)}
    children: dict[int, list[int]] = {}
    for s in steps:
        if s.parent in by_index:
            children.setdefault(s.parent, []).append(s.index)
    last_leaf: dict[int, int] = {}
    for s in sorted(steps, key=lambda s: -s.index):  # children before parents
        below = [last_leaf[c] for c in children.get(s.index, ()) if c not in main]
        last_leaf[s.index] = max(below, default=s.index)
    branch_of = {s.index: MAIN if s.index in main else f"step-{last_leaf[s.index]}"
                 for s in steps}
    tips = {MAIN: chosen}
    tips.update({f"step-{leaf}": leaf for leaf in sorted(set(last_leaf.values()) - main)})
    return History(tuple(sorted(steps, key=lambda s: s.index)), branch_of, tips)


async def export_git(store: RunStore, dest: Path, step: int | None = None) -> SiteExport:
    """Write the run's steps as a git repository in ``dest``, ``main`` ending at the step.

    Args:
        store: The run.
        dest: A new or empty folder.
        step: The chosen step (None: the best, else the current one).

    Raises:
        ExportTargetError: No such step, or ``dest`` is a file or a folder that is not empty.
        SiteExportError: git is missing or failed, or the folder could not be written;
            nothing was left at ``dest``.
    """
    record = choose_step(store, step)
    git = shutil.which("git")
    if git is None:
        raise SiteExportError("git is not installed (or not on PATH); install it to export "
                              "the run as a repository")
    dest = await asyncio.to_thread(check_folder_target, Path(dest))
    history = plan_history(store.steps(), record.index)
    stream, count = await asyncio.to_thread(_fast_import_stream, store, history)
    part = await asyncio.to_thread(_staging, dest)
    try:
        await _git(git, ["init", "--quiet", f"--initial-branch={MAIN}", str(part)], part)
        await _git(git, ["fast-import", "--quiet", "--done"], part, stream)
        await _git(git, ["reset", "--quiet", "--hard", MAIN], part)
        await asyncio.to_thread(_move_into_place, part, dest)
    finally:
        await asyncio.to_thread(remove_quietly, part)
    on_main = sum(1 for b in history.branch_of.values() if b == MAIN)
    branches = len(history.tips) - 1
    detail = (f"{_plural(on_main, 'commit')} on main, {len(history.steps)} in all"
              + (f", {_plural(branches, 'other branch', 'other branches')}" if branches else ""))
    return SiteExport(ExportKind.GIT, record.index, dest, count, detail)


def _staging(dest: Path) -> Path:
    with writing(dest, f"the repository {dest}"):
        return staging_folder(dest)


def _move_into_place(part: Path, dest: Path) -> None:
    with writing(dest, f"the repository {dest}"):
        move_folder_into_place(part, dest)


def _fast_import_stream(store: RunStore, history: History) -> tuple[bytes, int]:
    """The ``git fast-import`` input for ``history``, and the files of the chosen step."""
    out: list[bytes] = []
    marks: dict[bytes, int] = {}
    commit_mark = {s.index: s.index for s in history.steps}  # a step's mark is its number
    blob_base = max(commit_mark.values(), default=0) + 1
    known = set(commit_mark)
    files_at_tip = 0
    for step in history.steps:
        files = site_files(store, step.index)
        for data in files.values():
            if data not in marks:
                marks[data] = blob_base + len(marks)
                out.append(b"blob\nmark :%d\ndata %d\n%s\n" % (marks[data], len(data), data))
        parent = step.parent if step.parent in known else None
        message = commit_message(step, store.manifest.instruction, history.steps,
                                 missing_parent=step.parent if parent is None else None)
        body = message.encode()
        when = int(step.finished_at or step.started_at)
        out.append(b"commit refs/heads/%s\nmark :%d\ncommitter %s %d +0000\ndata %d\n%s\n" % (
            history.branch_of[step.index].encode(), commit_mark[step.index], COMMITTER, when,
            len(body), body))
        if parent is not None:
            out.append(b"from :%d\n" % commit_mark[parent])
        out.append(b"deleteall\n")
        out.extend(b"M 100644 :%d %s\n" % (marks[data], _quote(path))
                   for path, data in files.items())
        out.append(b"\n")
        if step.index == history.tips[MAIN]:
            files_at_tip = len(files)
    for name, tip in history.tips.items():
        out.append(b"reset refs/heads/%s\nfrom :%d\n\n" % (name.encode(), commit_mark[tip]))
    out.append(b"done\n")
    return b"".join(out), files_at_tip


def _quote(path: str) -> bytes:
    """A path as fast-import reads it: C-style quoted when it holds a quote, backslash or LF."""
    raw = path.encode()
    if not any(c in path for c in '"\\\n'):
        return raw
    escaped = raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b"\\n")
    return b'"' + escaped + b'"'


async def _git(git: str, args: list[str], cwd: Path, stdin: bytes | None = None) -> None:
    """Run git to its end (killed if the export is cancelled); its error becomes ours."""
    env = {k: v for k, v in os.environ.items() if k not in _GIT_VARIABLES}
    env["GIT_TERMINAL_PROMPT"] = "0"
    proc = await asyncio.create_subprocess_exec(
        git, *args, cwd=cwd, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        output, _ = await proc.communicate(stdin)
    except BaseException:
        if proc.returncode is None:
            proc.kill()
            await asyncio.shield(proc.wait())
        raise
    if proc.returncode != 0:
        said = output.decode(errors="replace").strip()[-600:]
        raise SiteExportError(f"`git {args[0]}` failed (exit code {proc.returncode}): {said}")


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one}" if count == 1 else f"{count} {many or one + 's'}"


__all__ = ["History", "export_git", "plan_history"]
