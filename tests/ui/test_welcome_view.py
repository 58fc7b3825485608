"""The welcome page: its actions as signals, and the Ollama probe's busy, found, missing states."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QPushButton

from ui.welcome_view import TAGLINE, TITLE, WelcomeView

URL = "http://localhost:11434"
ICON = Path(__file__).resolve().parents[2] / "resources" / "icons" / "webgen-studio-256.png"
MODELS = ["qwen2.5-coder:14b", "qwen2.5vl:7b", "llama3.2:3b", "gemma3:4b", "phi4:14b", "mistral"]


@pytest.fixture
def view(qtbot) -> WelcomeView:
    widget = WelcomeView()
    qtbot.addWidget(widget)
    widget.resize(1000, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def click(qtbot, button: QPushButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_the_page_says_what_the_app_does_and_offers_three_ways_to_start(view):
    texts = [label.text() for label in view.findChildren(type(view.tagline))]
    assert TITLE in texts and TAGLINE in texts
    buttons = [view.detect_button, view.configure_button, view.example_button]
    assert [b.text().replace("&", "") for b in buttons] == [
        "Detect Ollama",
        "Configure a server…",
        "Open the example run",
    ]
    assert all(b.isVisible() and b.isEnabled() for b in buttons)
    assert not view.use_ollama_button.isVisible() and not view.retry_button.isVisible()
    assert view.probe_state() == "idle" and view.probe_text() == ""
    every = [
        *buttons,
        view.use_ollama_button,
        view.retry_button,
        view.skip_button,
        view.dont_show_button,
    ]
    assert all(b.toolTip() for b in every)
    assert "OpenRouter" in view.findChildren(QFrame, "welcomeCard")[1].text.text()


@pytest.mark.parametrize(
    ("button", "signal"),
    [
        ("detect_button", "detectOllamaRequested"),
        ("configure_button", "configureServerRequested"),
        ("example_button", "openExampleRequested"),
        ("skip_button", "closeRequested"),
        ("dont_show_button", "dontShowAgainRequested"),
    ],
)
def test_each_action_is_asked_for_with_a_signal(qtbot, view, button, signal):
    with qtbot.waitSignal(getattr(view, signal), timeout=1000):
        click(qtbot, getattr(view, button))


def test_the_actions_work_from_the_keyboard(qtbot, view):
    view.focus_first_action()
    assert view.detect_button.hasFocus()
    with qtbot.waitSignal(view.detectOllamaRequested, timeout=1000):
        qtbot.keyClick(view.detect_button, Qt.Key.Key_Space)
    qtbot.keyClick(view.detect_button, Qt.Key.Key_Tab)
    assert view.configure_button.hasFocus()
    with qtbot.waitSignal(view.configureServerRequested, timeout=1000):
        qtbot.keyClick(view.configure_button, Qt.Key.Key_Space)
    with qtbot.waitSignal(view.closeRequested, timeout=1000):
        qtbot.keyClick(view.configure_button, Qt.Key.Key_Escape)


def test_while_probing_the_page_is_busy_and_names_the_address(view):
    view.show_probe_busy(URL)
    assert view.probe_state() == "busy"
    assert view.probe_text() == f"Looking for Ollama at {URL}…"
    assert view.busy_bar.isVisible()
    assert view.detect_button.isVisible() and not view.detect_button.isEnabled()


def test_ollama_found_lists_a_few_models_and_use_ollama_passes_them_on(qtbot, view):
    view.show_probe_busy(URL)
    view.show_ollama_found(URL, MODELS)
    assert view.probe_state() == "found" and not view.busy_bar.isVisible()
    text = view.probe_text()
    assert f"Ollama is running at {URL} with 6 models:" in text
    assert "qwen2.5-coder:14b, qwen2.5vl:7b, llama3.2:3b, gemma3:4b and 2 more" in text
    assert "mistral" not in text
    assert not view.detect_button.isVisible() and not view.retry_button.isVisible()
    with qtbot.waitSignal(view.useOllamaRequested, timeout=1000) as signal:
        click(qtbot, view.use_ollama_button)
    assert signal.args == [URL, MODELS]


def test_ollama_without_models_says_what_to_pull_and_offers_retry(qtbot, view):
    view.show_ollama_found(URL, [])
    assert view.probe_state() == "empty"
    assert "has no models yet" in view.probe_text() and "ollama pull" in view.probe_text()
    assert not view.use_ollama_button.isVisible()
    with qtbot.waitSignal(view.detectOllamaRequested, timeout=1000):
        click(qtbot, view.retry_button)


def test_ollama_missing_says_where_it_looked_and_how_to_start_it(qtbot, view):
    view.show_probe_busy("http://gpu-box:8080")
    view.show_ollama_missing("http://gpu-box:8080")
    assert view.probe_state() == "missing"
    text = view.probe_text()
    assert text.startswith("No Ollama answers at http://gpu-box:8080.")
    for hint in ("ollama serve", "ollama pull qwen2.5-coder:7b", "OLLAMA_HOST"):
        assert hint in text
    assert not view.use_ollama_button.isVisible() and not view.busy_bar.isVisible()
    with qtbot.waitSignal(view.detectOllamaRequested, timeout=1000):
        click(qtbot, view.retry_button)
    view.show_ollama_found("http://gpu-box:8080", ["llama3.2:3b"])
    assert "with 1 model: llama3.2:3b." in view.probe_text()


def test_model_names_are_shown_as_text_not_markup(view):
    view.show_ollama_found(URL, ["<b>odd</b>"])
    assert "<b>odd</b>" in view.probe_text()


def test_the_icon_comes_from_the_path_the_app_gives(view, tmp_path):
    assert not view.icon_label.isVisible()
    view.set_icon(str(ICON))
    assert view.icon_label.isVisible() and not view.icon_label.pixmap().isNull()
    view.set_icon(str(tmp_path / "missing.png"))
    assert not view.icon_label.isVisible()


def test_the_page_follows_a_dark_palette(qapp, qtbot):
    saved = QPalette(qapp.palette())
    dark = QPalette(saved)
    for role, colour in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.Base, "#2b2c30"),
        (QPalette.ColorRole.Text, "#e8e8e8"),
        (QPalette.ColorRole.WindowText, "#e8e8e8"),
    ):
        dark.setColor(role, QColor(colour))
    qapp.setPalette(dark)
    try:
        view = WelcomeView()
        qtbot.addWidget(view)
        view.resize(1000, 800)
        image = view.grab().toImage()
        card = view.findChildren(QFrame, "welcomeCard")[0]
        inside = card.mapTo(view, QPoint(8, card.height() // 2))
        outside = card.mapTo(view, QPoint(-8, card.height() // 2))
        assert QColor(image.pixel(inside)).name() == "#2b2c30"
        assert QColor(image.pixel(outside)).name() == "#202124"
    finally:
        qapp.setPalette(saved)
    assert "white" not in view.styleSheet().lower() and "#fff" not in view.styleSheet().lower()
