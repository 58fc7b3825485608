"""The installed Qt bindings must not lose references (PySide6 6.12.0 on Python 3.11 does)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtCore import QObject

SURVIVE = """
from PySide6.QtCore import QObject
probe = QObject()
for _ in range(100_000):
    probe.setObjectName("probe")
print("still running")
"""


def none_is_counted() -> bool:
    """Whether this Python counts references to None (up to 3.11; from 3.12 it is immortal)."""
    before = sys.getrefcount(None)
    held = [None] * 100
    counted = sys.getrefcount(None) >= before + 100
    del held
    return counted


@pytest.mark.skipif(
    not none_is_counted(),
    reason="None is immortal on this Python: its reference count never moves, so a lost "
    "reference can neither be seen nor crash the app",
)
def test_void_qt_calls_keep_their_reference_to_none():
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(200):
        probe.setObjectName("probe")
    # A defective build drops 200 references here and the app dies after ~10,000 calls.
    assert sys.getrefcount(None) >= before - 20


def test_a_hundred_thousand_void_qt_calls_do_not_stop_the_program():
    done = subprocess.run([sys.executable, "-c", SURVIVE], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert (done.returncode, done.stdout.strip()) == (0, "still running"), done.stderr[-2000:]
