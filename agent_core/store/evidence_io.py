"""Reading and writing the evidence dicts of a step record, leniently and losslessly.

``Fields`` is the one place that copes with old or odd records (see
:mod:`agent_core.store.evidence`): a missing key reads as its default, a value of the wrong
type is dropped for the default, and every key no reader asked for is handed back by
``Fields.extra`` so that ``dump`` can write it out again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

EVIDENCE_VERSION = 1
"""Layout version of the evidence dicts; 1 is the first one that writes it."""

T = TypeVar("T")


class Fields:
    """Reads one evidence dict leniently and remembers which keys were asked for.

    Args:
        data: The dict as stored; anything else reads as an empty dict.
    """

    def __init__(self, data: Any) -> None:
        self._data: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        self._used: set[str] = {"version"}

    def get(self, key: str) -> Any:
        """The raw value of ``key`` (None when missing)."""
        self._used.add(key)
        return self._data.get(key)

    def text(self, key: str) -> str:
        """A string ('' when missing or not a string)."""
        value = self.get(key)
        return value if isinstance(value, str) else ""

    def maybe_text(self, key: str) -> str | None:
        """A string, or None."""
        value = self.get(key)
        return value if isinstance(value, str) else None

    def flag(self, key: str, default: bool = False) -> bool:
        """A boolean (``default`` when missing or not a boolean)."""
        value = self.get(key)
        return value if isinstance(value, bool) else default

    def maybe_flag(self, key: str) -> bool | None:
        """A boolean, or None."""
        value = self.get(key)
        return value if isinstance(value, bool) else None

    def number(self, key: str) -> float:
        """A number as a float (0.0 when missing or not a number)."""
        value = self.get(key)
        return float(value) if _is_number(value) else 0.0

    def whole(self, key: str) -> int | None:
        """An integer (not a boolean), or None."""
        value = self.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def texts(self, key: str) -> tuple[str, ...]:
        """The strings of a list; a lone non-blank string counts as a list of one."""
        value = self.get(key)
        if isinstance(value, str):
            return (value,) if value.strip() else ()
        if isinstance(value, list | tuple):
            return tuple(item for item in value if isinstance(item, str))
        return ()

    def text_map(self, key: str) -> dict[str, str]:
        """The string values of an object."""
        value = self.get(key)
        if not isinstance(value, Mapping):
            return {}
        return {str(k): v for k, v in value.items() if isinstance(v, str)}

    def number_map(self, key: str) -> dict[str, float]:
        """The numeric values of an object, as floats."""
        value = self.get(key)
        if not isinstance(value, Mapping):
            return {}
        return {str(k): float(v) for k, v in value.items() if _is_number(v)}

    def items(self, key: str) -> list[Mapping[str, Any]]:
        """The objects of a list (other entries are dropped)."""
        value = self.get(key)
        return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []

    def part(self, key: str, read: Callable[[Mapping[str, Any]], T]) -> T | None:
        """An object read by ``read``, or None when missing or not an object."""
        value = self.get(key)
        return read(value) if isinstance(value, Mapping) else None

    def extra(self) -> dict[str, Any]:
        """The keys no reader asked for, as they were."""
        return {k: v for k, v in self._data.items() if k not in self._used}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def dump(known: dict[str, Any], extra: Mapping[str, Any], *,
         versioned: bool = False) -> dict[str, Any]:
    """``known`` plus the unknown keys kept from reading (a known key always wins).

    Args:
        known: The keys this version writes.
        extra: The keys read but not understood.
        versioned: Put ``"version"`` first (the top-level evidence dicts).
    """
    data: dict[str, Any] = {"version": EVIDENCE_VERSION} if versioned else {}
    data.update(known)
    for key, value in extra.items():
        data.setdefault(key, value)
    return data


__all__ = ["EVIDENCE_VERSION", "Fields", "dump"]
