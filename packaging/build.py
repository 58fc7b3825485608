"""Build the one-folder bundle of WebGen Studio with PyInstaller, then self-test it.

    PYTHONPATH=. .venv/bin/python packaging/build.py [--out DIR] [--work DIR] [--clean]
                                                      [--skip-self-test]

The bundle lands in ``DIR/webgen`` (default ``dist/webgen``): the program ``webgen``, its
``_internal`` folder, and for the desktop ``webgen-studio.desktop``, ``icons/`` and
``install-desktop-entry.sh`` (which adds the launcher to the user's menu). Then
``webgen --self-test`` runs from the bundle, with a clean environment; a failure makes this
script exit 1.

Run this file as a script, never with ``-m``: this repository's top-level ``packaging/``
folder would then stand in for PyPI's ``packaging``, which PyInstaller imports. PyInstaller
itself runs in a child process whose working directory is the work folder and which has no
PYTHONPATH, so nothing of this repository is on its path except what the spec adds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "packaging" / "webgen.spec"
RESOURCES = REPO / "resources"
NAME = "webgen"
DESKTOP_FILE = "webgen-studio.desktop"
INSTALLER = REPO / "packaging" / "install-desktop-entry.sh"
SELF_TEST_TIMEOUT_S = 300


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a user's shell: no virtual env, no PYTHONPATH, system PATH only.

    Args:
        extra: Variables to set on top.

    Returns:
        A copy of ``os.environ`` without the variables that would let the bundle borrow this
        checkout's Python (``PYTHONPATH``, ``PYTHONHOME``, ``VIRTUAL_ENV``), with PATH cut to
        the entries outside the virtual env.
    """
    venv = str(Path(sys.prefix).resolve())
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
    }
    path = [
        p
        for p in env.get("PATH", "").split(os.pathsep)
        if p and not str(Path(p).resolve()).startswith(venv)
    ]
    env["PATH"] = os.pathsep.join(path or ["/usr/local/bin", "/usr/bin", "/bin"])
    env.update(extra or {})
    return env


def run_pyinstaller(out: Path, work: Path, clean: bool) -> None:
    """Run PyInstaller on the spec; the bundle goes to ``out/webgen``.

    Raises:
        RuntimeError: PyInstaller failed (its output has been printed).
    """
    work.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(out),
        "--workpath",
        str(work),
        str(SPEC),
    ]
    if clean:
        argv.insert(3, "--clean")
    env = clean_env()
    done = subprocess.run(argv, cwd=work, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"PyInstaller failed with exit code {done.returncode}: {' '.join(argv)} (in {work})"
        )


def add_desktop_files(bundle: Path) -> None:
    """Copy the desktop entry, the icons and the menu installer next to the program."""
    shutil.copy2(RESOURCES / DESKTOP_FILE, bundle / DESKTOP_FILE)
    icons = bundle / "icons"
    shutil.rmtree(icons, ignore_errors=True)
    shutil.copytree(RESOURCES / "icons", icons)
    shutil.copy2(INSTALLER, bundle / INSTALLER.name)
    (bundle / INSTALLER.name).chmod(0o755)


def folder_size(path: Path) -> int:
    """Bytes in the files under ``path`` (symbolic links are not followed)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            file = Path(root) / name
            if not file.is_symlink():
                total += file.stat().st_size
    return total


def self_test(bundle: Path) -> tuple[int, float]:
    """Run ``webgen --self-test`` from the bundle in a clean environment.

    Returns:
        The exit code and the seconds it took.
    """
    program = bundle / NAME
    start = time.monotonic()
    try:
        done = subprocess.run(
            [str(program), "--self-test"],
            env=clean_env(),
            cwd=bundle,
            timeout=SELF_TEST_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        print(
            f"build: {program} --self-test did not finish in {SELF_TEST_TIMEOUT_S} s",
            file=sys.stderr,
        )
        return 1, time.monotonic() - start
    return done.returncode, time.monotonic() - start


def build(out: Path, work: Path, clean: bool) -> Path:
    """Build the bundle into ``out/webgen`` and add the desktop files; returns the bundle."""
    bundle = out / NAME
    if clean:
        shutil.rmtree(bundle, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    run_pyinstaller(out, work, clean)
    add_desktop_files(bundle)
    return bundle


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: build, report size and time, self-test."""
    parser = argparse.ArgumentParser(description="Build the WebGen Studio bundle.")
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "dist",
        help="where the bundle folder `webgen` goes (default: dist)",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="PyInstaller's work folder, reused by the next build (default: build/pyinstaller)",
    )
    parser.add_argument(
        "--clean",
        action="store_true",
        help="start from nothing: remove the old bundle and PyInstaller's cache",
    )
    parser.add_argument(
        "--skip-self-test",
        action="store_true",
        help="do not run `webgen --self-test` from the bundle",
    )
    args = parser.parse_args(argv)
    out = args.out.resolve()
    work = (args.work or REPO / "build" / "pyinstaller").resolve()
    start = time.monotonic()
    try:
        bundle = build(out, work, args.clean)
    except (RuntimeError, OSError) as exc:
        print(f"build: {exc}", file=sys.stderr)
        return 1
    took = time.monotonic() - start
    size = folder_size(bundle) / 2**20
    print(f"build: {bundle} ({size:.0f} MiB) built in {took:.0f} s", flush=True)
    if args.skip_self_test:
        return 0
    code, seconds = self_test(bundle)
    verdict = "passed" if code == 0 else f"FAILED (exit code {code})"
    print(f"build: {bundle / NAME} --self-test {verdict} in {seconds:.1f} s", flush=True)
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
