"""A child of the start-up checks: start Qt's platform plugin and print which one started.

Run as ``python -m app.qt_probe`` (a frozen build: ``webgen --run-module app.qt_probe``) with
``QT_QPA_PLATFORM`` naming the plugin. When the plugin cannot load, Qt aborts this process
rather than the one that asked, and its complaint is on stderr (see :mod:`app.qt_platform`).
"""

from __future__ import annotations

import sys


def main() -> int:
    """Create a QGuiApplication on the chosen plugin and print the plugin's name."""
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(sys.argv[:1] or ["webgen"])
    print(app.platformName(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
