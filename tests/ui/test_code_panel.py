"""The code panel: live file tree with marks, highlighted viewer and per-file diff."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPlainTextEdit, QTabWidget, QTreeView
from pytestqt.qtbot import QtBot

from tests.support.runs import StepSpec, build_run
from ui.code_panel import CodePanel

APP_V2 = b'import "./app.css";\n\nexport default function App() {\n  return <h1>Hi</h1>;\n}\n'
APP_V3 = (
    b'import "./app.css";\n\nexport default function App() {\n'
    b"  const title = 'Bakery';\n  return <h1>{title}</h1>;\n}\n"
)
STEP2 = {
    "package.json": b'{"name": "demo"}\n',
    "index.html": b"<!doctype html><div id=root></div>\n",
    "src/App.jsx": APP_V2,
    "src/app.css": b"h1 { color: red; }\n",
}
STEP3 = {
    **STEP2,
    "src/App.jsx": APP_V3,
    "src/components/Menu.jsx": b"export const Menu = () => <nav>Menu</nav>;\n",
    "node_modules/react/index.js": b"module.exports = {};\n",
    ".git/HEAD": b"ref: refs/heads/main\n",
}


@pytest.fixture
def panel(qtbot: QtBot) -> CodePanel:
    widget = CodePanel()
    qtbot.addWidget(widget)
    widget.resize(900, 420)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def tree(panel: CodePanel) -> QTreeView:
    return panel.findChild(QTreeView, "fileTree")


def row_texts(panel: CodePanel, parent_path: str = "") -> list[str]:
    view = tree(panel)
    model = view.model()
    parent = model.index_of(parent_path) if parent_path else view.rootIndex()
    return [model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]


def show_step3(panel: CodePanel) -> None:
    panel.set_files(STEP3, step=3, base=STEP2, base_step=2)


def click_file(qtbot: QtBot, panel: CodePanel, path: str) -> None:
    view = tree(panel)
    rect = view.visualRect(view.model().index_of(path))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_tree_lists_folders_first_then_files_and_hides_tool_folders(panel: CodePanel) -> None:
    show_step3(panel)

    assert panel.tree_paths() == [
        "index.html",
        "package.json",
        "src/App.jsx",
        "src/app.css",
        "src/components/Menu.jsx",
    ]
    assert row_texts(panel) == ["src  •", "index.html", "package.json"]
    assert row_texts(panel, "src")[0].startswith("components")
    assert tree(panel).isExpanded(tree(panel).model().index_of("src/components"))
    assert panel.findChild(QLabel, "filesHeader").text() == "Files after step 3 · 1 new, 1 modified"


def test_marks_new_and_changed_files_against_the_parent_step(panel: CodePanel) -> None:
    show_step3(panel)

    assert panel.mark_of("src/components/Menu.jsx") == "new"
    assert panel.mark_of("src/App.jsx") == "changed"
    assert panel.mark_of("src/app.css") == ""
    assert row_texts(panel, "src/components") == ["Menu.jsx  ● new"]
    assert "App.jsx  ● modified" in row_texts(panel, "src")

    panel.set_files(STEP3, step=3, base=STEP3, base_step=2)
    assert panel.mark_of("src/App.jsx") == ""
    assert row_texts(panel) == ["src", "index.html", "package.json"]


def test_live_write_inserts_in_place_without_resetting_the_tree(
    qtbot: QtBot, panel: CodePanel
) -> None:
    show_step3(panel)
    panel.begin_live_step()
    view, model = tree(panel), tree(panel).model()
    view.collapse(model.index_of("src/components"))
    src = QPersistentModelIndex(model.index_of("src"))
    click_file(qtbot, panel, "src/App.jsx")

    with qtbot.assertNotEmitted(model.modelReset), qtbot.assertNotEmitted(panel.fileSelected):
        panel.file_written("src/Banner.jsx", b"export const Banner = () => null;\n")
        panel.file_written("src/pages/Home.jsx", b"export default function Home() {}\n")

    assert src.isValid() and view.isExpanded(model.index_of("src"))
    assert not view.isExpanded(model.index_of("src/components"))
    assert view.isExpanded(model.index_of("src/pages"))
    assert row_texts(panel, "src") == [
        "components",
        "pages  •",
        "app.css",
        "App.jsx",
        "Banner.jsx  ● new",
    ]
    assert view.currentIndex() == model.index_of("src/App.jsx")
    assert panel.selected_path() == "src/App.jsx"
    assert panel.findChild(QLabel, "filesHeader").text() == "Files (live, step 4 running) · 2 new"


def test_live_marks_follow_the_content_against_the_step_start(panel: CodePanel) -> None:
    show_step3(panel)
    panel.diff.set_step_choices([1, 2, 3])
    panel.begin_live_step()
    assert panel.mark_of("src/App.jsx") == ""
    assert panel.findChild(QLabel, "filesHeader").text() == "Files (live, step 4 running)"

    panel.file_written("src/app.css", b"h1 { color: navy; }\n")
    assert panel.mark_of("src/app.css") == "changed"
    assert row_texts(panel)[0] == "src  •"

    panel.file_written("src/app.css", STEP3["src/app.css"])
    assert panel.mark_of("src/app.css") == ""
    assert row_texts(panel)[0] == "src"


def test_live_write_to_the_shown_file_refreshes_it_and_keeps_the_scroll(
    qtbot: QtBot, panel: CodePanel
) -> None:
    lines = [f"const line{i} = {i};" for i in range(400)]
    panel.set_files({"src/data.js": "\n".join(lines).encode()}, step=None)
    panel.select_file("src/data.js")
    viewer = panel.findChild(QPlainTextEdit, "codeViewer")
    viewer.verticalScrollBar().setValue(150)

    lines[399] = "const line399 = 'changed';"
    panel.file_written("src/data.js", "\n".join(lines).encode())

    assert panel.viewer_text().endswith("const line399 = 'changed';")
    assert viewer.verticalScrollBar().value() == 150


def test_viewer_highlights_code_and_numbers_lines(panel: CodePanel) -> None:
    show_step3(panel)
    panel.select_file("src/App.jsx")
    viewer = panel.findChild(QPlainTextEdit, "codeViewer")

    assert panel.viewer_text() == APP_V3.decode()
    assert viewer.isReadOnly()
    assert viewer.lineWrapMode() == QPlainTextEdit.LineWrapMode.NoWrap
    keyword_line = viewer.document().findBlockByNumber(2)  # export default function App() {
    coloured = {
        keyword_line.text()[f.start : f.start + f.length] for f in keyword_line.layout().formats()
    }
    assert {"export", "default", "function"} <= coloured
    assert viewer.gutter().width() > 0 and viewer.viewportMargins().left() > 0


def test_binary_and_oversized_files_show_a_note(panel: CodePanel) -> None:
    logo = b"\x89PNG\r\n\x1a\n\x00\x00\xff"
    big = b"// big\n" + b"x" * (1024 * 1024 + 10) + b"\n"
    panel.set_files({"logo.png": logo, "big.js": big}, step=2, base={"logo.png": b"\x89PNG"})

    panel.select_file("logo.png")
    assert panel.viewer_text() == "Binary file, 11 bytes"
    assert "Binary files differ" in panel.diff.text()

    panel.select_file("big.js")
    note = panel.findChild(QLabel, "fileNote")
    assert len(panel.viewer_text()) == 1024 * 1024
    assert note.isVisible() and note.text() == "Showing the first 1.0 MB of 1.0 MB."
    assert panel.diff.text().startswith("Too large to diff here: big.js is 1.0 MB")


def test_diff_against_previous_step_shows_exact_lines_in_colour(
    qtbot: QtBot, panel: CodePanel
) -> None:
    show_step3(panel)
    panel.select_file("src/App.jsx")
    panel.findChild(QTabWidget, "codeTabs").setCurrentIndex(1)

    assert panel.diff.text().splitlines() == [
        "--- step 2/src/App.jsx",
        "+++ step 3/src/App.jsx",
        "@@ -1,5 +1,6 @@",
        ' import "./app.css";',
        " ",
        " export default function App() {",
        "-  return <h1>Hi</h1>;",
        "+  const title = 'Bakery';",
        "+  return <h1>{title}</h1>;",
        " }",
    ]
    assert panel.findChild(QLabel, "diffSummary").text() == "+2 −1 lines"
    document = panel.findChild(QPlainTextEdit, "diffView").document()
    added, removed = document.findBlockByNumber(7), document.findBlockByNumber(6)
    assert added.blockFormat().background().color().green() > 100
    assert removed.blockFormat().background().color().red() > 150


def test_identical_and_new_files_get_plain_messages(panel: CodePanel) -> None:
    show_step3(panel)

    panel.select_file("src/app.css")
    assert panel.diff.text() == "No changes in src/app.css since step 2."

    panel.select_file("src/components/Menu.jsx")
    assert panel.diff.text().splitlines() == [
        "--- (not in step 2)",
        "+++ step 3/src/components/Menu.jsx",
        "@@ -0,0 +1 @@",
        "+export const Menu = () => <nav>Menu</nav>;",
    ]
    assert panel.findChild(QLabel, "diffSummary").text() == "New in step 3 · +1 −0 lines"


def test_user_picks_a_step_to_compare_from_a_real_run(
    qtbot: QtBot, panel: CodePanel, tmp_path: Path
) -> None:
    store = build_run(tmp_path / "run", [StepSpec(), StepSpec(), StepSpec()])
    panel.diff.set_file_loader(store.files_of)
    panel.set_files(store.files_of(3), step=3, base=store.files_of(2), base_step=2)
    panel.diff.set_step_choices([s.index for s in store.steps()])
    panel.select_file("src/App.jsx")
    combo = panel.findChild(QComboBox, "compareCombo")
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Previous step (step 2)",
        "Step 1",
        "Step 2",
    ]

    combo.setFocus()
    with qtbot.waitSignal(panel.diff.compareStepChanged) as chosen:
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert chosen.args == [1]
    assert panel.diff.text().splitlines()[:2] == [
        "--- step 1/src/App.jsx",
        "+++ step 3/src/App.jsx",
    ]
    assert "-  return <h1>Step 1</h1>;" in panel.diff.text().splitlines()
    assert "+  return <h1>Step 3</h1>;" in panel.diff.text().splitlines()

    with qtbot.waitSignal(panel.diff.compareStepChanged) as chosen:
        qtbot.keyClick(combo, Qt.Key.Key_Up)
    assert chosen.args == [None]
    assert "-  return <h1>Step 2</h1>;" in panel.diff.text().splitlines()


def test_a_step_that_cannot_be_read_is_reported_in_the_diff(
    panel: CodePanel, tmp_path: Path
) -> None:
    store = build_run(tmp_path / "run", [StepSpec(), StepSpec()])
    panel.diff.set_file_loader(store.files_of)
    panel.set_files(store.files_of(2), step=2)
    panel.diff.set_step_choices([1, 2, 7])
    panel.diff.set_compare_to(7)
    panel.select_file("src/App.jsx")

    assert panel.diff.text().startswith("Could not read the files of step 7: ")
    panel.diff.set_compare_to(None)
    assert panel.diff.text().startswith("There is no previous step to compare src/App.jsx")


def test_clicking_and_arrow_keys_in_the_tree_emit_file_selected(
    qtbot: QtBot, panel: CodePanel
) -> None:
    show_step3(panel)

    with qtbot.waitSignal(panel.fileSelected) as picked:
        click_file(qtbot, panel, "src/app.css")
    assert picked.args == ["src/app.css"]
    assert panel.viewer_text() == STEP3["src/app.css"].decode()

    with qtbot.waitSignal(panel.fileSelected) as picked:
        qtbot.keyClick(tree(panel), Qt.Key.Key_Down)
    assert picked.args == ["src/App.jsx"]
    assert panel.selected_path() == "src/App.jsx"


def test_selection_survives_a_step_change_and_clear_shows_placeholders(panel: CodePanel) -> None:
    show_step3(panel)
    panel.select_file("src/App.jsx")

    panel.set_files(STEP2, step=2)
    assert panel.selected_path() == "src/App.jsx"
    assert panel.viewer_text() == APP_V2.decode()
    assert panel.findChild(QLabel, "filesHeader").text() == "Files after step 2"

    panel.set_files({"index.html": b"<p>x</p>\n"}, step=1)
    assert panel.selected_path() is None and panel.viewer_text() == ""

    panel.clear()
    assert panel.tree_paths() == []
    viewer = panel.findChild(QPlainTextEdit, "codeViewer")
    assert viewer.placeholderText() == "Select a file in the tree to see its code."
    assert panel.findChild(QLabel, "filesHeader").text() == "Files"


def test_clearing_files_in_folders_does_not_crash(panel: CodePanel) -> None:
    # New run after opening a run clears a tree with nested rows: PySide6 once freed them
    # twice (a segfault), when rows were inserted with the single-item overload.
    files = {"index.html": b"x", "src/App.jsx": b"y", "src/parts/Nav.jsx": b"z"}
    for _ in range(2):
        panel.set_files(files, step=2, base={"index.html": b"x"})
        panel.select_file("src/parts/Nav.jsx")
        assert panel.tree_paths() == sorted(files)
        panel.clear()
        assert panel.tree_paths() == []


def test_long_files_are_highlighted_again_and_again_without_crashing(panel: CodePanel) -> None:
    # PySide6 6.12.0 on Python 3.11 loses a reference to None per void call, so these
    # ~60,000 setFormat calls abort the interpreter (pyproject keeps PySide6 below 6.12).
    source = "".join(
        f"export const item{i} = {{ name: 'n{i}', price: {i}.5 }};\n" for i in range(2000)
    )
    for revision in range(3):
        panel.set_files({"src/menu.js": f"// revision {revision}\n{source}".encode()}, step=None)
        panel.select_file("src/menu.js")

    viewer = panel.findChild(QPlainTextEdit, "codeViewer")
    assert viewer.blockCount() == 2002
    assert viewer.document().findBlockByNumber(1500).layout().formats()


def test_the_diff_tab_fills_in_from_a_worker_thread_and_keeps_the_newest_file(
    qtbot: QtBot, panel: CodePanel, tmp_path: Path
) -> None:
    store = build_run(tmp_path / "run", [StepSpec(), StepSpec(), StepSpec()])
    threads: list[object] = []

    def loader(step: int):
        threads.append(threading.current_thread())
        return store.files_of(step)

    panel.diff.set_file_loader(loader)
    panel.set_files(store.files_of(3), step=3, base=store.files_of(2), base_step=2)
    panel.diff.set_step_choices([1, 2, 3])
    panel.findChild(QTabWidget).setCurrentIndex(1)  # the Diff tab, as a user clicks it
    panel.diff.set_compare_to(1)
    panel.select_file("index.html")
    panel.select_file("src/App.jsx")  # chosen before the first diff could arrive
    view = panel.findChild(QPlainTextEdit, "diffView")
    qtbot.waitUntil(lambda: view.toPlainText().startswith("--- step 1/src/App.jsx"), timeout=5000)
    assert "+  return <h1>Step 3</h1>;" in view.toPlainText().splitlines()
    assert threads and all(t is not threading.main_thread() for t in threads)
