"""File > Export in the window, on real runs: the dialog, the export, and what the user is told."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from app.desktop.site_export import NO_RUN
from tests.agent_core.export.test_site import backtracked_run
from tests.support.desktop import Desk, drive, make_desk
from tests.support.qtasync import wait_until
from ui.export_site_dialog import BUILD, EDITOR, FOLDER, GIT, ZIP, ExportSiteDialog


class FileUrls(QObject):
    """Receives the file URLs the app asks the desktop to open (Qt's own URL-handler hook)."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open_url(self, url: QUrl) -> None:
        self.opened.append(url.toLocalFile())


@pytest.fixture
def file_urls():
    catcher = FileUrls()
    QDesktopServices.setUrlHandler("file", catcher, "open_url")
    yield catcher
    QDesktopServices.unsetUrlHandler("file")


@pytest.fixture
def desk(qtbot, tmp_path, monkeypatch) -> Desk:
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    return make_desk(qtbot, tmp_path)


async def open_export(desk: Desk, run_dir: Path) -> ExportSiteDialog:
    desk.controller.open_flow.open_run(str(run_dir))
    await desk.controller.ops.wait_idle()
    desk.window.export_site_action.trigger()
    dialog = desk.controller.site_export.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


async def export(qtbot, desk: Desk, dialog: ExportSiteDialog, kind: str, dest: str = "") -> None:
    dialog.set_kind(kind)
    if dest:
        dialog.destination.setText(dest)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    await desk.controller.ops.wait_idle()


def test_a_git_repository_is_exported_from_the_window_and_shown_in_its_folder(
        qapp, qtbot, tmp_path, desk, file_urls):
    store = backtracked_run(tmp_path / "runs" / "bakery")
    store.unlock()
    repo = tmp_path / "bakery-git"

    async def scenario() -> None:
        dialog = await open_export(desk, store.run_dir)
        assert dialog.step_box.currentText() == "Step 5 · GUI test · Look 5/5 · GUI 5/5 · ★ best"
        assert dialog.step_box.itemText(5) == "Step 6 · Edit · Look 4/5 · GUI – · current"
        await export(qtbot, desk, dialog, GIT, str(repo))
        assert desk.controller.site_export.dialog is None  # closed once the choice was made
        assert desk.notices.text() == (
            f"Exported a git repository ending at step 5 to {repo} (3 files; 3 commits on "
            "main, 6 in all, 2 other branches).")
        desk.notices.trigger("Show in folder")
        assert file_urls.opened == [str(repo)]

    drive(qapp, desk, scenario)
    log = subprocess.run(["git", "-C", str(repo), "log", "--format=%s", "main"], check=True,
                         capture_output=True, text=True).stdout.splitlines()
    assert [line.split(" (")[0] for line in log] == ["Step 5", "Step 4", "Step 1"]


def test_a_zip_of_the_step_selected_on_the_timeline(qapp, qtbot, tmp_path, desk):
    store = backtracked_run(tmp_path / "runs" / "bakery")
    store.unlock()
    archive = tmp_path / "two.zip"

    async def scenario() -> None:
        desk.controller.open_flow.open_run(str(store.run_dir))
        await desk.controller.ops.wait_idle()
        desk.window.timeline.select(2)
        desk.window.export_site_action.trigger()
        dialog = desk.controller.site_export.dialog
        assert dialog is not None and dialog.step() == 2
        await export(qtbot, desk, dialog, ZIP, str(archive))
        assert desk.notices.text() == f"Exported the sources of step 2 to {archive} (3 files)."

    drive(qapp, desk, scenario)
    with zipfile.ZipFile(archive) as opened:
        assert "bread 2" in opened.read("bakery-step-2/src/App.jsx").decode()


def test_an_export_that_cannot_be_made_says_why_and_offers_the_dialog_again(
        qapp, qtbot, tmp_path, desk):
    store = backtracked_run(tmp_path / "runs" / "bakery")
    store.unlock()
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("keep me")

    async def scenario() -> None:
        desk.window.export_site_action.trigger()  # no run open yet
        assert desk.notices.text() == NO_RUN
        dialog = await open_export(desk, store.run_dir)
        await export(qtbot, desk, dialog, GIT, str(taken))
        assert desk.notices.level() == "error"
        assert desk.notices.text() == (
            f"Export: {taken} is not empty; name a new or empty folder")
        assert desk.notices.action_labels() == ["Export…"]
        desk.window.export_site_action.trigger()
        await export(qtbot, desk, desk.controller.site_export.dialog, BUILD,
                     str(tmp_path / "public"))
        assert desk.notices.text() == (
            'Export: step 5 cannot be built: its package.json has no "build" script; export '
            "its sources as a zip instead")
        assert not (tmp_path / "public").exists()
        desk.notices.trigger("Export…")
        await wait_until(lambda: desk.controller.site_export.dialog is not None, 5, "the dialog")
        desk.controller.site_export.dialog.reject()

    drive(qapp, desk, scenario)
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]


def test_the_workspace_opens_in_the_users_editor_or_else_in_the_file_manager(
        qapp, qtbot, tmp_path, desk, file_urls, monkeypatch):
    store = backtracked_run(tmp_path / "runs" / "bakery")
    store.unlock()
    said = tmp_path / "editor-args.txt"
    editor = tmp_path / "my-editor"
    editor.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {said}.part && mv {said}.part {said}\n")
    editor.chmod(0o755)

    async def scenario() -> None:
        monkeypatch.setenv("WEBGEN_EDITOR", f"{editor} --new-window")
        dialog = await open_export(desk, store.run_dir)
        await export(qtbot, desk, dialog, EDITOR)
        await wait_until(said.exists, 10, "the editor to start")
        assert said.read_text().splitlines() == ["--new-window", str(store.workspace)]
        assert desk.notices.text() == f"Opened the workspace {store.workspace} in my-editor."

        monkeypatch.delenv("WEBGEN_EDITOR")
        monkeypatch.setenv("PATH", str(tmp_path / "no-editors-here"))
        desk.window.export_site_action.trigger()
        await export(qtbot, desk, desk.controller.site_export.dialog, EDITOR)
        assert desk.notices.text().startswith("No code editor was found (set WEBGEN_EDITOR")
        desk.window.export_site_action.trigger()
        await export(qtbot, desk, desk.controller.site_export.dialog, FOLDER)
        assert file_urls.opened == [str(store.workspace), str(store.workspace)]

    drive(qapp, desk, scenario)
