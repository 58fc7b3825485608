"""The installed Qt bindings must not lose references (PySide6 6.12.0 on Python 3.11 does)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject


def test_void_qt_calls_keep_their_reference_to_none():
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(200):
        probe.setObjectName("probe")
    # A defective build drops 200 references here and the app dies after ~10,000 calls.
    assert sys.getrefcount(None) >= before - 20
