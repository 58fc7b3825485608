"""Desktop tests fail when they leave a window open."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.qt import no_leaked_windows


@pytest.fixture(autouse=True)
def _no_leaked_windows(qapp) -> Iterator[None]:
    with no_leaked_windows():
        yield
