"""A step's site as a static build: ``npm run build`` on a copy of its files, output copied out.

The build runs model-written code (the project's scripts, its Vite config, its dependencies'
install scripts), so it runs exactly like the run's own commands: dependencies are installed
by :class:`~agent_core.runtime.installer.DependencyInstaller` and the build goes through the
run's :class:`~agent_core.runtime.sandbox.Sandbox`, cut off from the network. It works on a
copy of the step's files in the run's ``.webgen`` folder, so the live workspace (and a dev
server serving it) is never touched. npm's output is appended to ``logs/export-build.log``.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from pathlib import Path

from agent_core.config import SandboxConfig, Timeouts
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
    write_tree,
    writing,
)
from agent_core.runtime.installer import DependencyInstaller
from agent_core.runtime.sandbox import Sandbox
from agent_core.store.run_store import RunStore

BUILD_COMMAND = ("npm", "run", "build")
BUILD_OUTPUTS = ("dist", "build", "out")
"""Where builds put the site (Vite, Create React App, Next's static export), in that order."""
BUILD_LOG = "export-build.log"


async def export_build(store: RunStore, dest: Path, step: int | None = None, *,
                       sandbox: SandboxConfig | None = None,
                       timeouts: Timeouts | None = None) -> SiteExport:
    """Build a step's site with ``npm run build`` and copy its output folder to ``dest``.

    A step without a package.json is plain files that need no build: they are copied as
    they are.

    Args:
        store: The run.
        dest: A new or empty folder.
        step: The step (None: the best, else the current one).
        sandbox: How model-written code runs (the run's own setting).
        timeouts: ``install_s`` for the install, ``command_s`` for the build.

    Raises:
        ExportTargetError: No such step, or ``dest`` is a file or a folder that is not empty.
        SiteExportError: The install or the build failed (with npm's last lines), or the
            output could not be written; nothing was left at ``dest``.
        SandboxUnavailable: The sandbox is required and cannot be had here.
    """
    record = choose_step(store, step)
    dest = await asyncio.to_thread(check_folder_target, Path(dest))
    files = await asyncio.to_thread(site_files, store, record.index)
    stage = store.run_dir / ".webgen" / f"export-{uuid.uuid4().hex[:8]}"
    try:
        site = stage / "site"
        await asyncio.to_thread(_write_copy, site, files)
        if "package.json" in files:
            _check_build_script(files["package.json"], record.index)
            output = await _build(site, stage, store.logs_dir / BUILD_LOG, record.index,
                                  sandbox or SandboxConfig(), timeouts or Timeouts())
            note = f"built with `npm run build` into {output.name}/"
        else:
            output, note = site, "no package.json: its files are a static site as they are"
        count = await asyncio.to_thread(_copy_out, output, dest)
    finally:
        await asyncio.to_thread(remove_quietly, stage)
    return SiteExport(ExportKind.BUILD, record.index, dest, count, note)


def _write_copy(site: Path, files: dict[str, bytes]) -> None:
    with writing(site, "the copy of the step's files to build"):
        write_tree(site, files)


def _check_build_script(package_json: bytes, index: int) -> None:
    try:
        data = json.loads(package_json)
    except ValueError as exc:
        raise SiteExportError(f"step {index} cannot be built: its package.json is not valid "
                              f"JSON ({exc})") from exc
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if not isinstance(scripts, dict) or not scripts.get("build"):
        raise SiteExportError(f"step {index} cannot be built: its package.json has no "
                              "\"build\" script; export its sources as a zip instead")


async def _build(site: Path, stage: Path, log: Path, index: int, config: SandboxConfig,
                 timeouts: Timeouts) -> Path:
    """Install, run the build confined and offline, and return the output folder."""
    sandbox = Sandbox.for_run(site, stage, config)
    installer = DependencyInstaller(site, stage / "install-state.json", sandbox, log_file=log,
                                    scripts=config.dependency_scripts)
    installed = await installer.install(timeout_s=timeouts.install_s)
    if not installed.ok:
        raise SiteExportError(f"step {index} cannot be built: {installed.message}"
                              f"{_last_lines(installed.log_tail, site)}")
    built = await sandbox.run(BUILD_COMMAND, site, timeouts.command_s, network=False,
                              log_file=log)
    if not built.ok:
        why = (f"did not finish within {timeouts.command_s:g} s" if built.timed_out
               else f"failed with exit code {built.returncode}")
        said = _last_lines(built.output_tail, site)
        raise SiteExportError(f"`npm run build` {why} for step {index}{said}; its whole output "
                              f"is in {log}")
    for name in BUILD_OUTPUTS:
        if (site / name).is_dir():
            return site / name
    raise SiteExportError(f"`npm run build` succeeded for step {index} but wrote none of "
                          f"{', '.join(n + '/' for n in BUILD_OUTPUTS)}; its output is in {log}")


def _copy_out(output: Path, dest: Path) -> int:
    """Copy the output folder to ``dest`` through a folder beside it; the number of files."""
    with writing(dest, f"the build to {dest}"):
        part = staging_folder(dest)
        try:
            shutil.copytree(output, part, symlinks=True, dirs_exist_ok=True)
            move_folder_into_place(part, dest)
        finally:
            remove_quietly(part)
    return sum(1 for path in dest.rglob("*") if path.is_file())


def _last_lines(output: str, site: Path, count: int = 6) -> str:
    """npm's last lines without stack frames, paths shown relative to the site."""
    text = output.replace(f"file://{site}/", "").replace(f"{site}/", "")
    lines = [line.strip() for line in text.splitlines()
             if line.strip() and not line.strip().startswith("at ")][-count:]
    return ("; npm said: " + " | ".join(lines)) if lines else ""


__all__ = ["BUILD_COMMAND", "BUILD_OUTPUTS", "export_build"]
