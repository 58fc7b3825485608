"""Naming a widget in the expression that builds it."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject

_Obj = TypeVar("_Obj", bound=QObject)


def named(obj: _Obj, name: str) -> _Obj:
    """Give ``obj`` the object name ``name`` (what style sheets and tests find it by).

    Qt takes ``objectName=`` in any constructor, but PySide6's type stubs list only each
    class's own properties, so a type checker rejects it there; this keeps the one-line form.

    Args:
        obj: A freshly built widget (or any QObject).
        name: Its object name.

    Returns:
        ``obj`` itself.
    """
    obj.setObjectName(name)
    return obj
