"""A role's API key field: where its key is kept, Forget, and a warning when no keyring exists.

The field never stores a key. It shows where the app keeps the role's key (the OS keyring,
this session's memory, nowhere yet) and returns what the user changed; the app decides where
the key goes.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from ui.naming import named

WARN_COLOUR = "#c98a0b"
KEY_STORED_HINT = "stored in the OS keyring"
KEY_SESSION_HINT = "kept for this session only (not saved)"
KEY_NONE_HINT = "not needed for local servers"
KEY_UNKNOWN_HINT = "checking the system keyring…"
KEY_FORGET_HINT = "stored key will be removed when you press OK"
KEY_FORGET_SESSION_HINT = "the key kept for this session will be dropped when you press OK"


class KeyPlace(StrEnum):
    """Where the app keeps a role's key."""

    UNKNOWN = "unknown"
    NONE = "none"
    KEYRING = "keyring"
    SESSION = "session"


def no_keyring_text(reason: str, env_name: str) -> str:
    """The warning under a key field when no keyring can keep keys.

    Args:
        reason: Why, in plain words (a sentence).
        env_name: The environment variable the role's key is read from.
    """
    return (
        f"⚠ {reason} A key typed here is kept in memory for this session only and is gone "
        f"when you quit WebGen Studio. To keep it, set {env_name} in the environment "
        "before starting WebGen Studio."
    )


class KeyField(QWidget):
    """The key box with its Forget button; ``note_label`` goes in the row below it.

    Attributes:
        edit: The password box.
        forget_button: Forget / Keep key, shown when a key is kept somewhere.
        note_label: The no-keyring warning (hidden while there is a keyring).
    """

    def __init__(self, place: KeyPlace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._place = place
        self._forget = False
        self.edit = named(QLineEdit(), "apiKeyEdit")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setToolTip("Type a key to replace the stored one; empty keeps it")
        self.forget_button = named(QPushButton("Forget key"), "clearKeyButton")
        self.forget_button.clicked.connect(self._toggle_forget)
        self.note_label = named(QLabel(), "noKeyringNote")
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet(f"color: {WARN_COLOUR};")
        self.note_label.setVisible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.forget_button)
        self._show_place()

    def place(self) -> KeyPlace:
        """Where the role's key is kept, as the app last said."""
        return self._place

    def set_place(self, place: KeyPlace) -> None:
        """Show where the role's key is kept now (a pending Forget is undone)."""
        self._place = place
        self._forget = False
        self._show_place()

    def show_no_keyring(self, text: str | None) -> None:
        """Warn under the box that a typed key cannot be saved (None: there is a keyring)."""
        self.note_label.setText(text or "")
        self.note_label.setVisible(bool(text))

    def api_key(self) -> str | None:
        """None: keep the key as it is; "": forget it; other text: the new key."""
        typed = self.edit.text().strip()
        if typed:
            return typed
        return "" if self._forget else None

    def _show_place(self) -> None:
        kept = self._place in (KeyPlace.KEYRING, KeyPlace.SESSION)
        self.forget_button.setVisible(kept)
        if self._forget:
            self.forget_button.setText("Keep key")
            self.forget_button.setToolTip("Keep the stored key after all")
            self.edit.setPlaceholderText(
                KEY_FORGET_HINT if self._place is KeyPlace.KEYRING else KEY_FORGET_SESSION_HINT
            )
            return
        self.forget_button.setText("Forget key")
        self.forget_button.setToolTip(
            "Remove the stored key from the keyring on OK" if self._place is KeyPlace.KEYRING
            else "Drop the key kept for this session on OK")
        self.edit.setPlaceholderText({
            KeyPlace.KEYRING: KEY_STORED_HINT,
            KeyPlace.SESSION: KEY_SESSION_HINT,
            KeyPlace.UNKNOWN: KEY_UNKNOWN_HINT,
        }.get(self._place, KEY_NONE_HINT))

    @Slot()
    def _toggle_forget(self) -> None:
        self._forget = not self._forget
        if self._forget:
            self.edit.clear()
        self._show_place()
