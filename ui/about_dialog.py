"""Help > About: the version, the files and folders in use, and links to the documentation.

The app gathers what is shown (``AboutInfo``); the dialog reads nothing from disk.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

SUMMARY = (
    "Builds a website from one sentence with the WebGen-Agent loop: a coding model writes "
    "the site, a vision model grades its screenshots, and every step is kept."
)


@dataclass(frozen=True)
class AboutInfo:
    """What the About dialog shows.

    Attributes:
        version: The app's version.
        paths: (what, where) of each file or folder in use, e.g. ("Settings file", "...").
        docs: (title, file) of each document, the README first.
        docs_note: Said instead of links when the documentation is not installed.
    """

    version: str
    paths: list[tuple[str, str]] = field(default_factory=list)
    docs: list[tuple[str, str]] = field(default_factory=list)
    docs_note: str = ""


def _link(target: str, text: str | None = None) -> str:
    url = QUrl.fromLocalFile(target).toString()
    return f'<a href="{html.escape(url)}">{html.escape(text or target)}</a>'


class AboutDialog(QDialog):
    """The version, the paths in use (each opens in the file manager) and the docs."""

    def __init__(self, info: AboutInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About WebGen Studio")
        self.setMinimumWidth(640)
        self.title_label = QLabel(f"<h2>WebGen Studio {html.escape(info.version)}</h2>")
        self.title_label.setObjectName("aboutTitle")
        summary = QLabel(SUMMARY)
        summary.setWordWrap(True)
        paths = QFormLayout()
        self.path_labels: dict[str, QLabel] = {}
        for what, where in info.paths:
            label = self._rich(_link(where) if Path(where).is_absolute() else html.escape(where))
            self.path_labels[what] = label
            paths.addRow(f"{what}:", label)
        docs = "<br>".join(_link(path, title) for title, path in info.docs)
        self.docs_label = self._rich(docs or html.escape(info.docs_note))
        self.docs_label.setObjectName("aboutDocs")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(summary)
        layout.addLayout(paths)
        layout.addWidget(QLabel("<b>Documentation</b>"))
        layout.addWidget(self.docs_label)
        layout.addWidget(buttons)

    def _rich(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setOpenExternalLinks(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        return label

    def path_text(self, what: str) -> str:
        """The shown text of the path called ``what`` (e.g. "Settings file")."""
        label = self.path_labels.get(what)
        return _plain(label.text()) if label is not None else ""

    def docs_titles(self) -> list[str]:
        """The documents' titles as shown (or the note when none are installed)."""
        return [line for line in _plain(self.docs_label.text()).split("\n") if line]


def _plain(rich: str) -> str:
    """The text a user reads in a rich-text label."""
    return QTextDocumentFragment.fromHtml(rich).toPlainText()
