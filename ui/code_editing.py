"""Editing the current step's files in the code view: drafts, who may edit, Ctrl+S.

Only the current (head) step's files can be edited, and only while no run is in progress:
a past step's files are history. Edits are drafts until saved; Ctrl+S (or Save) asks the app
to make them a new step. Drafts survive looking at other files and steps, and a save that
fails keeps them; they are dropped only by a successful save or by Discard.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QWidget

from ui.code_viewer import CodeViewer
from ui.file_diff import VIEW_LIMIT, decode_text
from ui.highlight import Language
from ui.naming import named

CODE_TAB_TITLE = "Code"
DIRTY_TAB_TITLE = "Code •"


def editable_text(data: bytes) -> str | None:
    """The text an editor may show and save back unchanged, None when it cannot.

    Binary files, files too large to show whole, and files with line breaks the editor
    would rewrite (a lone carriage return, Unicode line separators) are not editable. CRLF
    line endings are fine: they are put back on saving (``text_to_save``).
    """
    if len(data) > VIEW_LIMIT:
        return None
    text = decode_text(data)
    if text is None:
        return None
    lf = text.replace("\r\n", "\n")
    if any(mark in lf for mark in ("\r", "\u2028", "\u2029")):
        return None
    return lf


def text_to_save(text: str, original: bytes | None) -> str:
    """``text`` with the line endings of ``original`` (CRLF files stay CRLF)."""
    if original is not None and b"\r\n" in original:
        return text.replace("\n", "\r\n")
    return text


class EditBar(QWidget):
    """The strip above the code: what can be edited and why, unsaved changes, Save, Discard.

    Signals:
        saveClicked(): The user pressed Save.
        discardClicked(): The user pressed Discard.
    """

    saveClicked = Signal()
    discardClicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("editBar")
        self.status = named(QLabel(wordWrap=True), "editStatus")
        self.save_button = named(QPushButton("Save"), "saveEditButton")
        self.save_button.setToolTip("Save your edit as a new step (Ctrl+S)")
        self.save_button.clicked.connect(self.saveClicked)
        self.discard_button = named(QPushButton("Discard"), "discardEditButton")
        self.discard_button.setToolTip("Forget the unsaved changes")
        self.discard_button.clicked.connect(self.discardClicked)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        row.addWidget(self.status, 1)
        row.addWidget(self.save_button)
        row.addWidget(self.discard_button)

    def show_state(self, text: str, *, unsaved: bool, can_save: bool) -> None:
        """Say ``text``; Save and Discard are offered while there are unsaved changes."""
        self.status.setText(text)
        self.save_button.setVisible(unsaved)
        self.save_button.setEnabled(can_save)
        self.discard_button.setVisible(unsaved)


class FileEditor(QObject):
    """Loads files into the code viewer and turns the user's typing into drafts.

    Every text shown in the viewer goes through ``show`` so the editor knows what the file
    held; ``set_context`` says which step is current and whether something (a run) locks
    the files.

    Signals:
        saveRequested(object, object): Save the drafts: the step they edit (int) and
            path -> whole new text.

    Args:
        viewer: The code viewer.
        bar: The edit strip.
        tabs: The code panel's tabs (the Code tab's title marks unsaved changes).
        shortcut_scope: The widget in which Ctrl+S saves.
    """

    saveRequested = Signal(object, object)

    def __init__(self, viewer: CodeViewer, bar: EditBar, tabs: QTabWidget,
                 shortcut_scope: QWidget) -> None:
        super().__init__(shortcut_scope)
        self._viewer, self._bar, self._tabs = viewer, bar, tabs
        self._path: str | None = None
        self._step: int | None = None
        self._original: bytes | None = None
        self._baseline: str | None = None
        self._head: int | None = None
        self._lock = ""
        self._drafts: dict[str, str] = {}
        self._draft_originals: dict[str, bytes] = {}
        self._draft_step: int | None = None
        self._loading = False
        viewer.textChanged.connect(self._on_text_changed)
        bar.saveClicked.connect(self.save)
        bar.discardClicked.connect(self.discard)
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), shortcut_scope)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.setWhatsThis("Save your edit of the current step's files as a new step")
        shortcut.activated.connect(self.save)
        self._apply()

    # -- what the panel and the app tell it ------------------------------------------------

    def show(self, path: str | None, data: bytes | None, step: int | None, text: str,
             language: Language | None, *, keep_scroll: bool) -> None:
        """Show ``text`` (the file ``path`` of ``step``, None: live files) in the viewer.

        A draft of that file, when there is one, is shown instead.
        """
        self._path, self._step, self._original = path, step, data
        self._baseline = editable_text(data) if data is not None else None
        draft = self._drafts.get(path or "") if step == self._draft_step else None
        self._loading = True
        try:
            self._viewer.show_text(draft if draft is not None else text, language,
                                   keep_scroll=keep_scroll)
        finally:
            self._loading = False
        self._apply()

    def set_context(self, head: int | None, lock: str = "") -> None:
        """The current step is ``head``; ``lock`` says why nothing may be edited now ("")."""
        self._head, self._lock = head, lock
        self._apply()

    def saved(self) -> None:
        """The drafts became a step: forget them."""
        self._forget()

    @Slot()
    def discard(self) -> None:
        """Forget the unsaved changes and show the files as they are."""
        self._forget()
        if self._path is not None and self._original is not None:
            self.show(self._path, self._original, self._step, self._baseline or "",
                      self._viewer.language(), keep_scroll=True)

    @Slot()
    def save(self) -> None:
        """Ask for the drafts to be saved as a new step, or say why they cannot be."""
        why = self._why_not_save()
        if why:
            self._apply(why)
            return
        texts = {path: text_to_save(text, self._draft_originals.get(path))
                 for path, text in self._drafts.items()}
        self.saveRequested.emit(self._draft_step, texts)

    # -- read-only accessors ---------------------------------------------------------------

    def unsaved_paths(self) -> list[str]:
        """Files with unsaved changes, sorted."""
        return sorted(self._drafts)

    def status_text(self) -> str:
        """What the edit strip says."""
        return self._bar.status.text()

    def editable(self) -> bool:
        """Whether the shown file can be edited now."""
        return not self._why_locked()

    # -- internals -------------------------------------------------------------------------

    def _forget(self) -> None:
        self._drafts.clear()
        self._draft_originals.clear()
        self._draft_step = None
        self._apply()

    @Slot()
    def _on_text_changed(self) -> None:
        if self._loading or self._viewer.isReadOnly() or self._path is None:
            return
        text = self._viewer.toPlainText()
        if text == self._baseline:
            self._drafts.pop(self._path, None)
        else:
            self._drafts[self._path] = text
            if self._original is not None:
                self._draft_originals[self._path] = self._original
        self._draft_step = self._step if self._drafts else None
        self._apply()

    def _why_locked(self) -> str:
        """Why the shown file cannot be edited now ("" when it can)."""
        if self._path is None:
            return "Select a file to see its code."
        if self._lock:
            return self._lock
        if self._step is None or self._head is None:
            return "These files are read-only."
        if self._step != self._head:
            return (f"Step {self._step} is an earlier step: its files are read-only. Only the "
                    f"current step (step {self._head}) can be edited; restore step "
                    f"{self._step} to edit its files.")
        if self._drafts and self._draft_step != self._step:
            return self._stale_text()
        if self._baseline is None:
            return "This file cannot be edited here (binary, too large, or unusual line breaks)."
        return ""

    def _why_not_save(self) -> str:
        if not self._drafts:
            return "Nothing to save: the files are unchanged."
        if self._lock:
            return self._lock
        if self._draft_step != self._head:
            return self._stale_text()
        return ""

    def _stale_text(self) -> str:
        return (f"Your unsaved changes ({', '.join(self.unsaved_paths())}) are to step "
                f"{self._draft_step}, which is not the current step: restore step "
                f"{self._draft_step} to save them, or discard them.")

    def _apply(self, said: str = "") -> None:
        why = self._why_locked()
        self._viewer.setReadOnly(bool(why))
        self._viewer.setTextInteractionFlags(_EDITABLE if not why else _READ_ONLY)
        unsaved = bool(self._drafts)
        self._tabs.setTabText(0, DIRTY_TAB_TITLE if unsaved else CODE_TAB_TITLE)
        if not said:
            said = why or self._editing_text()
        self._bar.show_state(said, unsaved=unsaved, can_save=not self._why_not_save())

    def _editing_text(self) -> str:
        if self._drafts:
            return (f"Unsaved changes in {', '.join(self.unsaved_paths())}. Ctrl+S saves them "
                    "as a new step.")
        return (f"Step {self._head} is the current step: you can edit its files here. "
                "Ctrl+S saves your edit as a new step.")


_READ_ONLY = (Qt.TextInteractionFlag.TextSelectableByMouse
              | Qt.TextInteractionFlag.TextSelectableByKeyboard)
_EDITABLE = Qt.TextInteractionFlag.TextEditorInteraction
