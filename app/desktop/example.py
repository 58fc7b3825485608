"""The shipped example run: a fresh, writable copy in the runs folder, and how it is labelled.

The example in ``resources/example-run`` is read-only in an install (site-packages, a
PyInstaller bundle), and opening a run writes to it (the lock, a restore, review labels). So
the window opens a copy in the runs folder, ``example-<name>``, made afresh every time it is
opened, so that the example is always as shipped. Nothing of the user's is lost: a folder of
that name that is not a copy of the example is never replaced (another name is used).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_core.errors import RunStoreError, WebGenError
from agent_core.store.run_store import MANIFEST, RunStore
from app import resources

EXAMPLE_TITLE = "Example run (scripted models)"
"""The window title's run name while the example is open."""
BANNER_TEXT = (
    "<b>Example run.</b> WebGen Studio's real pipeline (npm, Vite, Chromium, the GUI agent) "
    "made it with <b>scripted models</b>: fixed replies, no language model. Browse its steps, "
    "grades, code, chart and GUI test; <i>Serve preview</i> runs the site. "
    "<i>New run</i> starts your own project."
)
CHAT_HINT = (
    "This example was made with scripted models, so it cannot continue. "
    "Press New run (Ctrl+N) to start your own project."
)
PREVIEW_HINT = (
    "The example's site is not running. Press Serve preview (in the banner above, or "
    "Run > Serve preview) to install its packages with npm and start it with Vite."
)


@dataclass(frozen=True)
class ExampleCopy:
    """Where the example was copied to.

    Attributes:
        path: The run folder to open.
        replaced: An earlier copy was replaced by a fresh one.
        in_use: An earlier copy is open in another window, so it was left as it is.
    """

    path: Path
    replaced: bool = False
    in_use: bool = False


def example_info(config: Any) -> dict[str, Any] | None:
    """``config["example"]`` of a manifest, when the run is the shipped example."""
    info = config.get("example") if isinstance(config, dict) else None
    return info if isinstance(info, dict) else None


def is_example(store: RunStore) -> bool:
    """Whether ``store`` is (a copy of) the shipped example run."""
    return example_info(store.manifest.config) is not None


def example_source() -> Path:
    """The shipped example run.

    Raises:
        WebGenError: The installation has no example run (naming where it looked).
    """
    try:
        source = resources.example_run_source()
    except FileNotFoundError as exc:
        raise WebGenError(str(exc)) from exc
    if not (source / MANIFEST).is_file():
        raise WebGenError(
            f"the example run is missing from this installation (no {source / MANIFEST}); "
            "reinstall WebGen Studio"
        )
    return source


def folder_name(source: Path) -> str:
    """``example-<name>`` from the example's ``config["example"]["name"]``."""
    try:
        info = example_info(RunStore.open(source).manifest.config) or {}
    except RunStoreError:
        info = {}
    slug = re.sub(r"[^a-z0-9]+", "-", str(info.get("name", "")).lower()).strip("-")
    return f"example-{slug or 'run'}"


def target_folder(source: Path, runs_dir: Path) -> Path:
    """Where the copy goes: ``example-<name>``, or ``-2``, ``-3``… when a folder of that name
    is not a copy of the example (it is the user's, and is never replaced)."""
    base = runs_dir / folder_name(source)
    path, n = base, 2
    while path.exists() and not _is_example_dir(path):
        path = base.with_name(f"{base.name}-{n}")
        n += 1
    return path


def copy_example(source: Path, runs_dir: Path) -> ExampleCopy:
    """A fresh, writable copy of ``source`` in ``runs_dir`` (blocking: use a thread).

    An earlier copy is replaced unless another process has it open; then it is used as is.

    Raises:
        WebGenError: The copy could not be made (the message names the folder and why).
    """
    target = target_folder(source, runs_dir)
    existed = target.exists()
    if existed and _in_use(target):
        return ExampleCopy(target, in_use=True)
    staging = target.with_name(f".{target.name}.new")
    try:
        shutil.rmtree(staging, ignore_errors=True)
        runs_dir.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, staging, ignore=shutil.ignore_patterns(".lock", ".webgen"))
        _make_writable(staging)
        if existed:
            shutil.rmtree(target)
        staging.rename(target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise WebGenError(f"cannot copy the example run to {target}: {exc}") from exc
    return ExampleCopy(target, replaced=existed)


def _is_example_dir(path: Path) -> bool:
    try:
        return is_example(RunStore.open(path))
    except (RunStoreError, OSError, ValueError, TypeError, AttributeError):
        return False


def _in_use(path: Path) -> bool:
    """Another window (or this one) holds the copy's writer lock."""
    try:
        store = RunStore.open(path)
    except RunStoreError:
        return False
    try:
        store.lock()
    except RunStoreError:
        return True
    store.unlock()
    return False


def _make_writable(folder: Path) -> None:
    """Installed resources may be read-only; the copy is the user's to write."""
    for root, dirs, files in os.walk(folder):
        for name in (*dirs, *files):
            path = Path(root) / name
            with contextlib.suppress(OSError):
                path.chmod(path.stat().st_mode | stat.S_IWUSR | stat.S_IRUSR)
    folder.chmod(folder.stat().st_mode | stat.S_IWUSR | stat.S_IRUSR | stat.S_IXUSR)
