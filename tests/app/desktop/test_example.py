"""Opening the shipped example run in the window: a fresh copy, labelled, browsable, not runnable.

The window and controller are the app's own; the example is the real ``resources/example-run``
(its copy goes to the test's runs folder). The slow test serves its site with real npm
(offline, from the warm cache), Vite and Qt WebEngine.
"""

from __future__ import annotations

import hashlib
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from agent_core.errors import WebGenError
from agent_core.store.run_store import RunStore
from app import resources
from app.desktop import example
from tests.fakes.model_server import ScriptedModelServer
from tests.support.agent import settings_for
from tests.support.desktop import Desk, wait_for_page, write_settings
from tests.support.qtasync import run_on_qt_loop, wait_until
from ui.main_window import TAB_RUNS

SOURCE = resources.example_run_source()
COPY_NAME = "example-stock-reports"
TITLE = "WebGen Studio — Example run (scripted models)"
CTRL = Qt.KeyboardModifier.ControlModifier


def tree_hash(folder: Path) -> str:
    """One digest of every file's path, bytes and mode under ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(oct(path.stat().st_mode).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def shipped_hash() -> Iterator[str]:
    """The shipped example's digest; checked again after the module's tests."""
    before = tree_hash(SOURCE)
    yield before
    assert tree_hash(SOURCE) == before, "the shipped example run was changed"


@pytest.fixture
def models(desktop: Desk) -> Iterator[ScriptedModelServer]:
    """Configured models on a scripted server that must never be asked anything."""
    with ScriptedModelServer({}) as server:
        write_settings(desktop.config_dir, settings_for(server, "openai"))
        yield server


async def example_opened(desktop: Desk) -> RunStore:
    await desktop.controller.ops.wait_idle()
    session = desktop.controller.session
    assert session is not None, desktop.notices.text()
    return session.store


def test_open_the_example_from_the_welcome_page(qapp, qtbot, desktop, shipped_hash):
    async def scenario() -> None:
        w = desktop.window
        desktop.controller.first_start()
        assert w.welcome_shown()
        qtbot.mouseClick(w.welcome.example_button, Qt.MouseButton.LeftButton)
        store = await example_opened(desktop)
        assert store.run_dir == (desktop.runs_dir / COPY_NAME).resolve()
        assert not w.welcome_shown()
        assert w.windowTitle() == TITLE
        banner = w.banner.text()
        for words in (
            "Example run.",
            "real pipeline",
            "scripted models",
            "no language model",
            "New run starts your own project",
        ):
            assert words in banner
        assert [b.text() for b in w.banner.buttons()] == ["Serve preview", "New run"]
        # The timeline has the example's steps with their grades; the last is the best.
        timeline = w.timeline
        assert timeline.indices() == [1, 2, 3, 4]
        looks = [timeline.card(i).appearance_label.text() for i in (1, 2, 3, 4)]
        assert looks == ["Look 3/5", "Look 4/5", "Look 4/5", "Look 4/5"]
        assert timeline.card(3).gui_label.text() == "GUI 5/5"
        assert timeline.card(4).best_marker.isVisible()
        transcript = " ".join(text for _role, text in w.chat.transcript())
        assert "wrote src/App.jsx" in transcript
        assert "Serve preview" in w.preview.placeholder_text()
        # The Runs tab marks it as the example.
        w.tabs.setCurrentIndex(TAB_RUNS)
        await desktop.controller.ops.wait_idle()
        summary = next(s for s in w.runs.runs() if s.run_dir == store.run_dir)
        assert summary.example
        row = w.runs.visible_rows().index(str(store.run_dir))
        assert w.runs.table.model().index(row, 8).data() == "finished · example"
        # New run leaves the example: no banner, the box takes an instruction again.
        qtbot.mouseClick(w.banner.buttons()[1], Qt.MouseButton.LeftButton)
        await desktop.controller.ops.wait_idle()
        assert desktop.controller.session is None and not w.banner.isVisible()
        assert w.windowTitle() == "WebGen Studio" and w.chat.input.input_mode() == "first"

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))


def test_the_example_browses_but_never_asks_its_models(qapp, qtbot, desktop, models, shipped_hash):
    async def scenario() -> None:
        w, c = desktop.window, desktop.controller
        w.example_action.trigger()  # Help > Open example run
        store = await example_opened(desktop)
        # The chat is locked, with the reason and what to do instead.
        box = w.chat.input.instruction_edit()
        assert w.chat.input.input_mode() == "locked" and box.isReadOnly()
        assert box.placeholderText() == example.CHAT_HINT and "New run" in example.CHAT_HINT
        assert not w.chat.input.send_button().isEnabled() and not w.start_action.isEnabled()
        qtbot.keyClicks(box, "Add a footer")
        qtbot.keyClick(box, Qt.Key.Key_Return, CTRL)
        assert box.toPlainText() == ""
        c.run_flow.submit("Add a footer")  # however a request arrives, the example does not run it
        assert desktop.notices.text() == example.CHAT_HINT
        assert desktop.notices.action_labels() == ["New run"]
        c.run_flow.continue_run()
        await c.ops.wait_idle()
        assert c.session is not None and not c.session.running
        # Steps, code, chart, GUI replay and compare all work.
        c.show_step(3)
        await c.ops.wait_idle()
        assert "Step 3 · GUI test" in w.detail.title_text()
        assert w.replay.turn_count() == 3 and "enter a code" in w.replay.thought_text()
        assert w.chart.best_step() == 4
        w.code.select_file("src/App.jsx")
        assert "Search stocks" in w.code.viewer_text()
        c.research.compare.compare_steps(store, 1, 2)
        await c.ops.wait_idle()
        assert w.compare.changed_files() == [("src/App.jsx", "changed")]
        assert w.restore_action.isEnabled() and w.best_action.isEnabled()

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))
    assert models.requests == []


def test_opening_the_example_again_gives_a_fresh_copy(qapp, desktop, shipped_hash):
    async def scenario() -> None:
        c = desktop.controller
        c.open_flow.open_example()
        store = await example_opened(desktop)
        (store.run_dir / "scribble.txt").write_text("mine?")
        c.open_flow.open_example()
        again = await example_opened(desktop)
        assert again.run_dir == store.run_dir
        assert not (again.run_dir / "scribble.txt").exists()
        assert desktop.notices.level() == "info"
        assert "fresh copy of the example run" in desktop.notices.text()
        assert "nothing of yours is lost" in desktop.notices.text()
        assert desktop.window.windowTitle() == TITLE

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))


def test_a_missing_example_is_reported_with_where_it_was_looked_for(
    qapp, desktop, monkeypatch, tmp_path
):
    missing = tmp_path / "no-resources" / "example-run"
    monkeypatch.setattr(resources, "example_run_source", lambda: missing)

    async def scenario() -> None:
        desktop.controller.open_flow.open_example()
        await desktop.controller.ops.wait_idle()
        assert desktop.notices.level() == "error"
        assert desktop.notices.text() == (
            f"Open the example run: the example run is missing from this installation "
            f"(no {missing / 'manifest.json'}); reinstall WebGen Studio"
        )
        assert desktop.controller.session is None

    run_on_qt_loop(qapp, lambda: desktop.run(scenario))


# -- the copy ------------------------------------------------------------------------------


def read_only_source(tmp_path: Path) -> Path:
    """The example as an install holds it: every file and folder read-only."""
    source = tmp_path / "site-packages" / "example-run"
    shutil.copytree(SOURCE, source)
    for path in [*source.rglob("*"), source]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return source


def test_the_copy_of_a_read_only_example_is_writable(tmp_path):
    source = read_only_source(tmp_path)
    try:
        copied = example.copy_example(source, tmp_path / "runs")
        assert copied == example.ExampleCopy(tmp_path / "runs" / COPY_NAME)
        writable = [
            p for p in [copied.path, *copied.path.rglob("*")] if p.stat().st_mode & stat.S_IWUSR
        ]
        assert len(writable) == len([copied.path, *copied.path.rglob("*")])
        store = RunStore.open(copied.path)
        store.lock()
        store.set_head(1)
        store.unlock()
        assert RunStore.open(source).head == 4
    finally:
        for path in [source, *source.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_a_users_folder_of_that_name_is_never_replaced(tmp_path):
    runs = tmp_path / "runs"
    mine = runs / COPY_NAME
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("my notes")
    copied = example.copy_example(SOURCE, runs)
    assert copied.path == runs / f"{COPY_NAME}-2" and not copied.replaced
    assert (mine / "notes.txt").read_text() == "my notes"
    again = example.copy_example(SOURCE, runs)
    assert again.path == copied.path and again.replaced


def test_a_copy_open_in_another_window_is_left_as_it_is(tmp_path):
    runs = tmp_path / "runs"
    first = example.copy_example(SOURCE, runs)
    other_window = RunStore.open(first.path)
    other_window.lock()
    try:
        (first.path / "review").mkdir()
        again = example.copy_example(SOURCE, runs)
        assert again == example.ExampleCopy(first.path, in_use=True)
        assert (first.path / "review").is_dir()
    finally:
        other_window.unlock()


def test_copying_into_a_folder_that_cannot_be_made_says_where(tmp_path):
    blocker = tmp_path / "runs"
    blocker.write_text("a file where the runs folder should be")
    with pytest.raises(WebGenError, match=f"cannot copy the example run to {blocker / COPY_NAME}"):
        example.copy_example(SOURCE, blocker)


# -- its site --------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_example_serves_its_site_and_restores_on_a_copy(qapp, qtbot, desktop, shipped_hash):
    async def scenario() -> None:
        w, c = desktop.window, desktop.controller
        c.open_flow.open_example()
        store = await example_opened(desktop)
        serve = w.banner.buttons()[0]
        qtbot.mouseClick(serve, Qt.MouseButton.LeftButton)  # real npm install (offline), Vite
        await wait_until(lambda: w.preview.current_url() is not None, 120, "the preview")
        assert w.preview.current_url().startswith("http://127.0.0.1:")
        await wait_for_page(w, "Search stocks")
        # Restoring step 1 changes the copy, and the preview follows.
        qtbot.mouseClick(w.timeline.card(1), Qt.MouseButton.LeftButton)
        await c.ops.wait_idle()
        w.restore_action.trigger()
        await c.ops.wait_idle()
        assert store.head == 1 and RunStore.open(store.run_dir).head == 1
        await wait_for_page(w, "Stock Reports", absent="Search stocks")
        assert w.chat.input.input_mode() == "locked"

    run_on_qt_loop(qapp, lambda: desktop.run(scenario), 240)
    assert RunStore.open(SOURCE).head == 4
