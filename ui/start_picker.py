"""Choosing what a new run starts from: an empty project, a template, or a project folder.

:class:`StartPicker` is the choice itself (used on the welcome page and in File > New);
:class:`NewRunDialog` puts it in a small dialog. Both only say what was chosen: the app reads
the folder and refuses one that is too big.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

EMPTY, TEMPLATE, FOLDER = "empty", "template", "folder"
TemplateInfo = tuple[str, str, str]
"""A template as the picker lists it: name, title, description."""


class StartPicker(QWidget):
    """A list of starts (empty, each template, a folder) and, for a folder, its path.

    Signals:
        changed(): The choice or the folder changed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startPicker")
        self.combo = QComboBox()
        self.combo.setObjectName("startChoice")
        self.combo.setAccessibleName("Start from")
        self.folder_edit = QLineEdit()
        self.folder_edit.setObjectName("startFolder")
        self.folder_edit.setPlaceholderText("The project folder to copy")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.setObjectName("startBrowse")
        self.browse_button.clicked.connect(self._browse)
        self.about = QLabel()
        self.about.setObjectName("startAbout")
        self.about.setWordWrap(True)
        folder_row = QHBoxLayout()
        folder_row.setContentsMargins(0, 0, 0, 0)
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.browse_button)
        self.folder_row = QWidget()
        self.folder_row.setLayout(folder_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addWidget(self.folder_row)
        layout.addWidget(self.about)
        self.combo.currentIndexChanged.connect(self._update)
        self.folder_edit.textChanged.connect(lambda _text: self.changed.emit())
        self.set_templates([])

    def set_templates(self, templates: Sequence[TemplateInfo]) -> None:
        """List an empty start, ``templates`` and a folder, and select the empty start."""
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem("Empty project", (EMPTY, "", "The coder writes every file."))
        for name, title, description in templates:
            self.combo.addItem(f"Template: {title}", (TEMPLATE, name, description))
        self.combo.addItem("A project folder…", (FOLDER, "", (
            "A copy of the folder, without node_modules, .git, builds and caches; the folder "
            "itself is never changed.")))
        self.combo.blockSignals(False)
        self.combo.setCurrentIndex(0)
        self._update()

    def choice(self) -> tuple[str, str]:
        """``(kind, value)``: ``("empty", "")``, ``("template", name)`` or ``("folder", path)``."""
        kind, name, _about = self.combo.currentData()
        if kind == FOLDER:
            return FOLDER, self.folder_edit.text().strip()
        return kind, name

    def set_choice(self, kind: str, value: str = "") -> None:
        """Select a start, e.g. ``("template", "vue")`` or ``("folder", "/home/me/site")``."""
        for row in range(self.combo.count()):
            row_kind, name, _about = self.combo.itemData(row)
            if row_kind == kind and (kind != TEMPLATE or name == value):
                self.combo.setCurrentIndex(row)
                if kind == FOLDER:
                    self.folder_edit.setText(value)
                return

    def is_complete(self) -> bool:
        """Whether the choice can be used (a folder start needs a path)."""
        kind, value = self.choice()
        return kind != FOLDER or bool(value)

    def _update(self) -> None:
        kind, _name, about = self.combo.currentData()
        self.folder_row.setVisible(kind == FOLDER)
        self.about.setText(about)
        self.changed.emit()

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Start from a project folder",
                                                self.folder_edit.text())
        if path:
            self.folder_edit.setText(path)


class NewRunDialog(QDialog):
    """File > New: what the next run starts from.

    Args:
        templates: The shipped templates (name, title, description).
        parent: The main window.
    """

    def __init__(self, templates: Sequence[TemplateInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newRunDialog")
        self.setWindowTitle("New run")
        self.picker = StartPicker()
        self.picker.set_templates(templates)
        intro = QLabel("Start the new project from:")
        after = QLabel("Then describe the website in the chat and press Start.")
        after.setObjectName("newRunHint")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.picker.changed.connect(self._update_ok)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.picker)
        layout.addWidget(after)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self._update_ok()

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.picker.is_complete())
