"""Taking a step's site out of a run: which step, which files, and the sources as a zip.

A step's files are the whole project after it (``StepRecord.files``). What leaves the app is
that project without what only the app or npm put there: ``node_modules`` and ``.git`` at any
depth, the app's ``.webgen`` state and temporary files, and the generated folders a snapshot
never keeps (``dist``, ``build``, ``.vite``, ``.cache``). The static build and the git
repository (:mod:`agent_core.export.site_build`, :mod:`agent_core.export.site_git`) start from
the same files.

Every export is written beside its destination first and moved into place at the end, so a
failure (a full disk, a failed build) leaves no half-written zip or folder behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shutil
import time
import uuid
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from agent_core.errors import WebGenError
from agent_core.store.records import StepRecord
from agent_core.store.run_store import RunStore
from agent_core.workspace.guard import SKIP_ANYWHERE, SKIP_TOP

APP_ONLY_PREFIX = ".webgen"
"""Names the app owns in a project (its state folder, temporary files): never exported."""

APP_ONLY_FILES: frozenset[str] = frozenset()
"""Project paths the app itself adds while it serves a site, left out of every export."""

_FILE_MODE = 0o644
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class SiteExportError(WebGenError):
    """An export could not be made; nothing half-written was left at its destination."""


class ExportTargetError(SiteExportError):
    """The export was asked for something unusable: a step or a destination (bad input)."""


class ExportKind(StrEnum):
    """What a step's site is taken out as."""

    ZIP = "zip"
    BUILD = "build"
    GIT = "git"


@dataclass(frozen=True)
class SiteExport:
    """A finished export.

    Attributes:
        kind: Zip, static build or git repository.
        step: The exported step.
        destination: The zip file or the folder written.
        files: Files written (the zip's entries, the build's files, the checked-out files).
        detail: More to say, e.g. the commits and branches of a repository.
    """

    kind: ExportKind
    step: int
    destination: Path
    files: int
    detail: str = ""

    def summary(self) -> str:
        """One sentence for the user about what was written where."""
        what = {ExportKind.ZIP: "the sources of", ExportKind.BUILD: "a static build of",
                ExportKind.GIT: "a git repository ending at"}[self.kind]
        extra = f"; {self.detail}" if self.detail else ""
        return (f"Exported {what} step {self.step} to {self.destination} "
                f"({_plural(self.files, 'file')}{extra}).")


def is_app_only(path: str) -> bool:
    """Whether a project path belongs to the app or to npm rather than to the site."""
    parts = path.split("/")
    if any(part in SKIP_ANYWHERE or part.startswith(APP_ONLY_PREFIX) for part in parts):
        return True
    return parts[0] in SKIP_TOP or path in APP_ONLY_FILES


def choose_step(store: RunStore, step: int | None) -> StepRecord:
    """The step to export: ``step``, else the run's best step, else its current one.

    Raises:
        ExportTargetError: The run has no steps, or no step ``step``.
    """
    steps = store.steps()
    if not steps:
        raise ExportTargetError(f"{store.run_dir} has no committed step to export yet")
    if step is None:
        known = {s.index for s in steps}
        for candidate in (store.manifest.best_step, store.head):
            if candidate in known:
                return store.step(candidate)
        return steps[-1]
    if step not in {s.index for s in steps}:
        shown = ", ".join(str(s.index) for s in steps[:20])
        raise ExportTargetError(f"{store.run_dir} has no step {step} (its steps: {shown})")
    return store.step(step)


def site_files(store: RunStore, index: int) -> dict[str, bytes]:
    """The site of step ``index``: its files without the app's and npm's (reads blobs).

    Raises:
        SiteExportError: A file's content is missing from the run folder.
    """
    record = store.step(index)
    try:
        return {path: store.read_blob(digest) for path, digest in sorted(record.files.items())
                if not is_app_only(path)}
    except WebGenError as exc:
        raise SiteExportError(f"step {index} cannot be exported: {exc}") from exc


def export_folder_name(store: RunStore, index: int) -> str:
    """The folder a zip unpacks to: ``<run folder>-step-<N>``."""
    return f"{store.run_dir.name}-step-{index}"


async def export_zip(store: RunStore, dest: Path, step: int | None = None, *,
                     overwrite: bool = False) -> SiteExport:
    """Write a step's sources as a zip holding one folder (``<run>-step-<N>/``).

    Args:
        store: The run.
        dest: The zip file to write.
        step: The step (None: see :func:`choose_step`).
        overwrite: Replace an existing file at ``dest`` (the user confirmed it).

    Raises:
        ExportTargetError: No such step, or ``dest`` is a folder or (unless ``overwrite``)
            an existing file.
        SiteExportError: The zip could not be written; nothing was left at ``dest``.
    """
    record = choose_step(store, step)
    return await asyncio.to_thread(_zip_step, store, record, Path(dest), overwrite)


def _zip_step(store: RunStore, record: StepRecord, dest: Path, overwrite: bool) -> SiteExport:
    dest = dest.expanduser().absolute()
    _check_zip_target(dest, overwrite)
    files = site_files(store, record.index)
    _write_zip(files, dest, export_folder_name(store, record.index), record.finished_at)
    return SiteExport(ExportKind.ZIP, record.index, dest, len(files))


def _check_zip_target(dest: Path, overwrite: bool) -> None:
    if dest.is_dir():
        raise ExportTargetError(f"{dest} is a folder; name the zip file to write")
    if dest.exists() and not overwrite:
        raise ExportTargetError(f"{dest} already exists; choose another name or remove it first")


def _write_zip(files: Mapping[str, bytes], dest: Path, folder: str, when: float) -> None:
    stamp = time.localtime(when)[:6] if when else _ZIP_EPOCH
    stamp = max(stamp, _ZIP_EPOCH)  # zip cannot hold dates before 1980
    with writing(dest, f"the zip {dest}"):
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = _part_path(dest)
        try:
            with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as archive:
                for rel, data in files.items():
                    info = zipfile.ZipInfo(f"{folder}/{rel}", date_time=stamp)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = _FILE_MODE << 16
                    archive.writestr(info, data)
            os.replace(part, dest)
        finally:
            part.unlink(missing_ok=True)


def check_folder_target(dest: Path) -> Path:
    """``dest`` as an absolute path, when it is a folder that may receive an export.

    Raises:
        ExportTargetError: ``dest`` is a file, or a folder that is not empty.
    """
    dest = Path(dest).expanduser().absolute()
    if dest.exists() and not dest.is_dir():
        raise ExportTargetError(f"{dest} is a file; name a new or empty folder")
    if dest.is_dir() and any(dest.iterdir()):
        raise ExportTargetError(f"{dest} is not empty; name a new or empty folder")
    return dest


def move_folder_into_place(built: Path, dest: Path) -> None:
    """Move the finished folder ``built`` (beside ``dest``) to ``dest`` (new or empty)."""
    if dest.is_dir():
        dest.rmdir()
    os.replace(built, dest)


def staging_folder(dest: Path) -> Path:
    """A new folder beside ``dest`` where its content is made before it is moved there."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = _part_path(dest)
    part.mkdir()
    return part


def remove_quietly(path: Path) -> None:
    """Remove a file or folder that may or may not exist (a failed export's leftovers)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` (relative POSIX paths) under ``root``."""
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


@contextlib.contextmanager
def writing(dest: Path, what: str) -> Iterator[None]:
    """Turn a failed write into an error that says what failed and that nothing was left."""
    try:
        yield
    except OSError as exc:
        full = " (the disk is full)" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else ""
        raise SiteExportError(f"could not write {what}: {exc.strerror or exc}{full}; nothing "
                              f"was left at {dest}") from exc


def _part_path(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


__all__ = [
    "APP_ONLY_FILES",
    "ExportKind",
    "ExportTargetError",
    "SiteExport",
    "SiteExportError",
    "choose_step",
    "export_zip",
    "is_app_only",
    "site_files",
]
