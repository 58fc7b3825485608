"""A machine without some system libraries, for the start-up checks: real files, hidden.

``bwrap`` (bubblewrap) runs a command with the whole file system as it is, except that the
named libraries read as empty files, which the dynamic loader skips: to every program inside,
they are not installed. So a test reproduces a Debian machine lacking ``libxcb-icccm4``
without touching this one. ``cc`` builds a library that needs one nobody has.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

RESOLVED = re.compile(r"^\s*(\S+)\s+=>\s+(/\S+)\s+\(0x[0-9a-f]+\)\s*$", re.MULTILINE)


def resolved_libraries(*files: Path) -> dict[str, Path]:
    """Each library ``files`` load (soname) and the file the loader finds for it here."""
    done = subprocess.run(
        ["ldd", *map(str, files)], capture_output=True, text=True, timeout=30, check=True
    )
    return {name: Path(path).resolve() for name, path in RESOLVED.findall(done.stdout)}


def bwrap_works() -> bool:
    """Whether bubblewrap can start a command here (it needs user namespaces)."""
    if shutil.which("bwrap") is None:
        return False
    try:
        done = subprocess.run(
            ["bwrap", "--dev-bind", "/", "/", "true"], capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def without_libraries(libraries: dict[str, Path], *names: str) -> list[str]:
    """The ``bwrap`` command prefix under which the libraries ``names`` are not installed.

    Args:
        libraries: What :func:`resolved_libraries` found (soname -> file).
        names: The sonames to hide.
    """
    argv = ["bwrap", "--dev-bind", "/", "/"]
    for name in names:
        argv += ["--ro-bind", "/dev/null", str(libraries[name])]
    return argv


def library_needing(folder: Path, soname: str) -> Path:
    """Build (with ``cc``) a shared library whose DT_NEEDED names ``soname``, absent here.

    The library it needs is built beside it to link against, then deleted.
    """
    stub_dir = folder / "stub"
    stub_dir.mkdir()
    stub_c, user_c = folder / "stub.c", folder / "user.c"
    stub_c.write_text("int webgen_stub(void) { return 1; }\n", encoding="utf-8")
    user_c.write_text(
        "int webgen_stub(void);\nint webgen_user(void) { return webgen_stub(); }\n",
        encoding="utf-8",
    )
    stub = stub_dir / soname
    user = folder / "libwebgen-user.so"
    cc = ["cc", "-shared", "-fPIC"]
    subprocess.run([*cc, f"-Wl,-soname,{soname}", "-o", str(stub), str(stub_c)], check=True)
    subprocess.run([*cc, "-o", str(user), str(user_c), f"-L{stub_dir}", f"-l:{soname}"], check=True)
    stub.unlink()
    return user


def env_without_display(tmp_path: Path) -> dict[str, str]:
    """The current environment as a user's shell without a desktop: no display, Qt's choice.

    Settings, state and runs go under ``tmp_path``; no model is configured.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBGEN_")}
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        env.pop(name, None)
    env.update(
        WEBGEN_CONFIG_DIR=str(tmp_path / "config"),
        WEBGEN_STATE_DIR=str(tmp_path / "state"),
        WEBGEN_RUNS_DIR=str(tmp_path / "runs"),
    )
    return env
