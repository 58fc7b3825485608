"""Where the files in ``resources/`` are: a source checkout, an installed wheel, a frozen build.

A checkout reads ``<repo>/resources``; a wheel or pipx install carries the same folder as the
``webgen_resources`` package (see ``setup.py``); a PyInstaller build unpacks it to
``<bundle>/resources``. Resources are read-only: anything that is changed (the example run,
once opened) is copied elsewhere first.
"""

from __future__ import annotations

import sys
from importlib import util
from pathlib import Path

ICON_NAME = "webgen-studio"
EXAMPLE_RUN = "example-run"


def resource_root() -> Path:
    """The folder holding WebGen Studio's resources.

    Raises:
        FileNotFoundError: When no layout has it (a broken install), naming where it looked.
    """
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources")
    candidates.append(Path(__file__).resolve().parents[1] / "resources")
    spec = util.find_spec("webgen_resources")
    if spec is not None and spec.submodule_search_locations:
        candidates.extend(Path(p) for p in spec.submodule_search_locations)
    for candidate in candidates:
        if (candidate / "icons").is_dir():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"WebGen Studio's resources are missing (looked in {looked}); "
                            "reinstall WebGen Studio")


def resource_path(*parts: str) -> Path:
    """A path inside :func:`resource_root` (it may not exist)."""
    return resource_root().joinpath(*parts)


def icon_path(size: int | None = None) -> Path:
    """The application icon: the SVG, or the PNG of ``size`` pixels."""
    if size is None:
        return resource_path("icons", f"{ICON_NAME}.svg")
    return resource_path("icons", f"{ICON_NAME}-{size}.png")


def example_run_source() -> Path:
    """The shipped example run (read-only; open a copy, see ``app.desktop`` for how)."""
    return resource_path(EXAMPLE_RUN)
