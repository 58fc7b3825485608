"""Choosing the browser executable: configured path, environment, PATH, usual places."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from agent_core.browser import LAUNCH_ARGS, BrowserUnavailable, chromium, find_chromium


def fake_browser(folder: Path, name: str = "chromium") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / name
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return program


@pytest.fixture
def no_installed_browser(tmp_path, monkeypatch):
    """A machine with nothing on PATH and nothing in the usual places."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(chromium, "KNOWN_PATHS", ())
    return empty


def test_configured_path_wins(tmp_path, monkeypatch):
    mine = fake_browser(tmp_path / "mine", "my-chrome")
    monkeypatch.setenv("WEBGEN_CHROMIUM", str(fake_browser(tmp_path / "env")))
    assert find_chromium(str(mine)) == str(mine)


def test_configured_path_that_does_not_exist_is_named():
    with pytest.raises(BrowserUnavailable) as caught:
        find_chromium("/opt/missing/chrome")
    assert "/opt/missing/chrome" in str(caught.value)
    assert "Settings / --chromium" in str(caught.value)


def test_configured_file_that_is_not_executable_is_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a browser")
    with pytest.raises(BrowserUnavailable, match="not an executable"):
        find_chromium(str(text))


def test_environment_variable_comes_next(tmp_path, monkeypatch, no_installed_browser):
    from_env = fake_browser(tmp_path / "env")
    monkeypatch.setenv("WEBGEN_CHROMIUM", str(from_env))
    assert find_chromium() == str(from_env)
    assert find_chromium("") == str(from_env)  # an empty setting means automatic


def test_environment_variable_naming_nothing_is_reported(monkeypatch):
    monkeypatch.setenv("WEBGEN_CHROMIUM", "/nope/chromium")
    with pytest.raises(BrowserUnavailable) as caught:
        find_chromium()
    assert "WEBGEN_CHROMIUM" in str(caught.value) and "/nope/chromium" in str(caught.value)


def test_browser_on_path_is_found(tmp_path, monkeypatch, no_installed_browser):
    on_path = fake_browser(no_installed_browser, "google-chrome-stable")
    assert find_chromium() == str(on_path)


def test_usual_install_location_is_found(tmp_path, monkeypatch, no_installed_browser):
    installed = fake_browser(tmp_path / "Applications", "Google Chrome")
    monkeypatch.setattr(chromium, "KNOWN_PATHS", ("/does/not/exist", str(installed)))
    assert find_chromium() == str(installed)


def test_nothing_found_means_playwrights_own_browser(no_installed_browser):
    assert find_chromium() is None


def test_mac_app_bundle_resolves_to_its_binary(tmp_path):
    binary = fake_browser(tmp_path / "Chromium.app" / "Contents" / "MacOS", "Chromium")
    assert find_chromium(str(tmp_path / "Chromium.app")) == str(binary)


def test_system_chromium_of_this_machine_is_found():
    found = find_chromium()
    assert found is not None and Path(found).exists()


def test_launch_flags_keep_the_browser_quiet_and_container_friendly():
    assert "--no-sandbox" in LAUNCH_ARGS and "--disable-dev-shm-usage" in LAUNCH_ARGS
    assert "--disable-background-networking" in LAUNCH_ARGS
    assert len(LAUNCH_ARGS) == len(set(LAUNCH_ARGS)) == 7
