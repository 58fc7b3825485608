"""File > Export: which step, as what (zip, static build, git repository, or opened), and where.

The app lists the steps and names the current one; the dialog reads nothing from disk. It
emits one :class:`ExportChoice` when the user presses Export with a usable choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

ZIP, BUILD, GIT, EDITOR, FOLDER = "zip", "build", "git", "editor", "folder"
KINDS: tuple[tuple[str, str, str], ...] = (
    (ZIP, "Zip of the sources",
     "The step's files, without node_modules and the app's own files, in one folder."),
    (BUILD, "Static build",
     "Runs npm run build on the step's files (confined, like the run's own commands) and "
     "copies its output to a new or empty folder."),
    (GIT, "Git repository",
     "One commit per step: the path to this step on main, the other lines of steps as "
     "branches. Each message holds the request, the grades and their reasons."),
    (EDITOR, "Open in my editor", ""),
    (FOLDER, "Show in the file manager", ""),
)
OPENS = frozenset({EDITOR, FOLDER})
_SUFFIX = {ZIP: "-step-{n}.zip", BUILD: "-step-{n}-build", GIT: "-git"}


@dataclass(frozen=True)
class ExportChoice:
    """What the user asked for.

    Attributes:
        step: The step to export.
        kind: ``zip``, ``build``, ``git``, ``editor`` or ``folder``.
        destination: The zip file or folder to write ('' for the two that open).
        replace: The user confirmed replacing an existing zip (in the file picker).
    """

    step: int
    kind: str
    destination: str = ""
    replace: bool = False


class ExportSiteDialog(QDialog):
    """Choose a step, a kind of export and a destination; emits ``exportRequested``.

    Args:
        steps: (step, label) of every step, in order.
        selected: The step chosen at first.
        current: The step whose files the workspace holds (None: the empty start).
        run_name: The run folder's name, used in suggested destinations.
        home: The folder suggested destinations go in.
        parent: The window.
    """

    exportRequested = Signal(object)

    def __init__(self, steps: Sequence[tuple[int, str]], selected: int, current: int | None,
                 run_name: str, home: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportSiteDialog")
        self.setWindowTitle("Export the site")
        self.setMinimumWidth(560)
        self._current, self._run_name, self._home = current, run_name, home
        self._custom = False  # the user typed or picked a destination: no more suggestions
        self._replace = False
        self.step_box = QComboBox()
        for index, label in steps:
            self.step_box.addItem(label, index)
        self.step_box.setCurrentIndex(max(0, self.step_box.findData(selected)))
        self.kind_group = QButtonGroup(self)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.destination = QLineEdit()
        self.browse_button = QPushButton("Browse…")
        self.error = QLabel()
        self.error.setObjectName("exportError")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self._build_layout()
        self._connect()
        self.set_kind(ZIP)

    def _build_layout(self) -> None:
        kinds = QVBoxLayout()
        for number, (key, text, _hint) in enumerate(KINDS):
            button = QRadioButton(text)
            button.setObjectName(f"kind_{key}")
            self.kind_group.addButton(button, number)
            kinds.addWidget(button)
        where = QHBoxLayout()
        where.addWidget(self.destination, 1)
        where.addWidget(self.browse_button)
        self.where_row = QWidget()
        self.where_row.setLayout(where)
        where.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.addRow("Step", self.step_box)
        form.addRow("Export as", kinds)
        form.addRow("", self.hint)
        form.addRow("Destination", self.where_row)
        self.where_label = form.labelForField(self.where_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _connect(self) -> None:
        self.kind_group.idClicked.connect(lambda number: self.set_kind(KINDS[number][0]))
        self.step_box.currentIndexChanged.connect(lambda _i: self._suggest())
        self.destination.textEdited.connect(self._typed)
        self.browse_button.clicked.connect(self._browse)
        self.buttons.accepted.connect(self._export)
        self.buttons.rejected.connect(self.reject)

    # -- state shown -------------------------------------------------------------------

    def kind(self) -> str:
        """The kind of export chosen."""
        return KINDS[max(0, self.kind_group.checkedId())][0]

    def step(self) -> int:
        """The step chosen."""
        return int(self.step_box.currentData())

    def set_kind(self, kind: str) -> None:
        """Choose a kind of export (as clicking its button does)."""
        number = next(i for i, (key, _t, _h) in enumerate(KINDS) if key == kind)
        self.kind_group.button(number).setChecked(True)
        opens = kind in OPENS
        if opens and self._current is not None:
            self.step_box.setCurrentIndex(max(0, self.step_box.findData(self._current)))
        self.step_box.setEnabled(not opens)
        self.where_row.setVisible(not opens)
        if self.where_label is not None:
            self.where_label.setVisible(not opens)
        self.hint.setText(self._open_hint() if opens else KINDS[number][2])
        self.error.hide()
        self._suggest()

    def _open_hint(self) -> str:
        held = ("the files of the current step, step " + str(self._current)
                if self._current is not None else "no step's files yet (the empty start)")
        return (f"Opens the run's workspace folder, which holds {held}. To open another "
                "step's files, restore that step first, or export it.")

    def _suggest(self) -> None:
        kind = self.kind()
        if self._custom or kind in OPENS:
            return
        name = self._run_name + _SUFFIX[kind].format(n=self.step())
        self.destination.setText(str(Path(self._home) / name))
        self._replace = False

    def _typed(self, _text: str) -> None:
        self._custom = True
        self._replace = False
        self.error.hide()

    # -- intents -----------------------------------------------------------------------

    def _browse(self) -> None:
        """Pick the destination (window-modal, not blocking)."""
        zip_file = self.kind() == ZIP
        dialog = QFileDialog(self, "Save the zip as" if zip_file else "Choose a new or empty "
                             "folder", self.destination.text() or self._home)
        dialog.setObjectName("exportDestinationDialog")
        if zip_file:
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            dialog.setNameFilter("Zip archives (*.zip)")
            dialog.setDefaultSuffix("zip")
        else:
            dialog.setFileMode(QFileDialog.FileMode.Directory)
            dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self.pick_destination(path, replace=zip_file))
        dialog.open()

    def pick_destination(self, path: str, *, replace: bool = False) -> None:
        """Take ``path`` from the file picker; ``replace``: it confirmed replacing a file."""
        self.destination.setText(path)
        self._custom, self._replace = True, replace
        self.error.hide()

    def _export(self) -> None:
        kind = self.kind()
        destination = self.destination.text().strip() if kind not in OPENS else ""
        if kind not in OPENS and not destination:
            what = "the zip file" if kind == ZIP else "a new or empty folder"
            self.error.setText(f"Choose where to write the export: {what}.")
            self.error.show()
            return
        if destination:
            path = Path(destination).expanduser()
            destination = str(path if path.is_absolute() else Path(self._home) / path)
        self.exportRequested.emit(ExportChoice(self.step(), kind, destination,
                                               self._replace and kind == ZIP))
        self.accept()
