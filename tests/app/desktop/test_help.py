"""Help > About as the app shows it: the version, the paths in use and the documentation."""

from __future__ import annotations

import tomllib
from pathlib import Path

from PySide6.QtCore import QUrl

from app.desktop.help import DOCS_NOTE, about_info
from tests.support.desktop import Desk, drive, make_desk
from tests.support.qtasync import wait_until
from tests.support.runs import StepSpec, build_run
from ui.about_dialog import AboutDialog

ROOT = Path(__file__).resolve().parents[3]


async def open_about(desk: Desk) -> AboutDialog:
    desk.window.about_action.trigger()
    await wait_until(lambda: desk.controller.help.dialog is not None, 5, "the About dialog")
    dialog = desk.controller.help.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_about_shows_the_version_the_paths_in_use_and_the_docs(qapp, qtbot, tmp_path,
                                                             monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WEBGEN_STATE_DIR", str(tmp_path / "state"))
    store = build_run(tmp_path / "runs" / "bakery", [StepSpec(appearance=4)])
    store.unlock()
    desk = make_desk(qtbot, tmp_path)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]

    async def scenario() -> None:
        dialog = await open_about(desk)
        assert dialog.windowTitle() == "About WebGen Studio"
        assert dialog.title_label.text() == f"<h2>WebGen Studio {version}</h2>"
        assert dialog.path_text("Settings file") == str(tmp_path / "config" / "settings.json")
        assert dialog.path_text("Runs folder") == str(tmp_path / "runs")
        assert dialog.path_text("State folder") == str(tmp_path / "state")
        assert dialog.path_text("Window layout") == str(tmp_path / "window.ini")
        assert dialog.path_text("Logs").startswith("the logs/ folder of each run")
        expected = ["README.md", *(f"docs/{p.name}" for p in sorted(ROOT.glob("docs/*.md")))]
        assert [t[t.rindex("(") + 1:-1] for t in dialog.docs_titles()] == expected
        assert dialog.docs_titles()[0] == "WebGen Studio (README.md)"
        link = QUrl.fromLocalFile(str(ROOT / "docs" / "security.md")).toString()
        assert f'href="{link}"' in dialog.docs_label.text()
        dialog.close()
        await wait_until(lambda: desk.controller.help.dialog is None, 5, "About to close")
        # With a run open, its own logs folder is named.
        desk.controller.open_flow.open_run(str(store.run_dir))
        await desk.controller.ops.wait_idle()
        dialog = await open_about(desk)
        assert dialog.path_text("Logs") == str(store.run_dir / "logs")
        dialog.close()

    drive(qapp, desk, scenario)


def test_an_install_without_the_docs_says_where_they_are(qtbot, tmp_path):
    info = about_info(tmp_path / "runs", str(tmp_path / "window.ini"), None, root=tmp_path)
    dialog = AboutDialog(info)
    qtbot.addWidget(dialog)
    assert dialog.docs_titles() == [DOCS_NOTE]
    assert dialog.docs_titles()[0].startswith(
        "The documentation (README.md and the docs/ folder) is not installed")
    assert dialog.path_text("Logs").startswith("the logs/ folder of each run")
