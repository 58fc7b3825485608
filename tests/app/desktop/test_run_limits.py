"""The toolbar's "Candidates per step": what a run gets from it, what it remembers, what it shows
for a reopened run, and what it says about a local coder."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from agent_core.config import RunConfig
from agent_core.store.records import StepKind
from app.desktop.session import SessionStatus
from tests.fakes.model_server import RecordedRequest, ScriptedModelServer
from tests.support.agent import (
    CODER,
    CRITIC,
    FAST_TIMEOUTS,
    bakery_page,
    coder_reply,
    graded,
    settings_for,
)
from tests.support.desktop import Desk, choose, drive, make_desk, write_settings
from tests.support.runs import StepSpec, build_run

NO_GUI = RunConfig(gui_testing=False, timeouts=FAST_TIMEOUTS)
IGNORED_N = "The coder's server ignores n: asking 2 times with different seeds."
LOCAL_CODER = {"provider": "openai", "base_url": "http://127.0.0.1:8080/v1", "model": "qwen"}


def shown(desk: Desk) -> int:
    """The count the control shows."""
    return desk.window.limits.candidates.value()


def settings_file(desk: Desk) -> dict:
    return json.loads(desk.settings_file.read_text())


def stored_run(desk: Desk, name: str, **config):
    """A finished one-step run whose manifest's config is ``RunConfig(**config)``'s."""
    store = build_run(desk.root / name, [StepSpec()], best=1)
    store.update_manifest(config=RunConfig(**config).to_dict())
    return store


async def open_run(desk: Desk, store) -> None:
    desk.controller.open_flow.open_run(str(store.run_dir))
    await desk.controller.ops.wait_idle()


def by_seed() -> object:
    """Each candidate's request (by its seed) gets its own page, new at every step."""
    asked: Counter[int] = Counter()

    def script(request: RecordedRequest) -> str:
        seed = request.body["seed"]
        asked[seed] += 1
        return coder_reply(bakery_page(f"Candidate {seed}, take {asked[seed]}"))

    return script


@pytest.mark.slow
def test_two_candidates_chosen_in_the_window_make_two_siblings_per_step(qapp, qtbot, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    seen: dict[str, object] = {}
    with ScriptedModelServer({CODER: by_seed(), CRITIC: graded(4, 4, 4, 4)}) as server:
        write_settings(tmp_path / "config", settings_for(server, "openai"))
        desk = make_desk(qtbot, tmp_path, NO_GUI)

        async def live() -> None:
            choose(qtbot, desk.window.limits.candidates, 2)
            choose(qtbot, desk.window.max_steps, 4)  # two edit steps of two candidates
            await desk.send(qtbot, "A one-page site for a bakery.")
            await desk.wait_status(SessionStatus.FINISHED, timeout_s=180)
            await desk.controller.ops.wait_idle()
            store = desk.controller.session.store
            config = store.manifest.config
            assert (config["candidates"], config["candidates_served"],
                    config["coder_requests"]) == (2, 2, 4)  # the spread left at its defaults
            steps = store.steps()
            assert [s.kind for s in steps] == [StepKind.EDIT] * 4
            first, second = steps[:2], steps[2:]
            assert [s.parent for s in first] == [None, None]
            chosen = [s.index for s in first if s.runtime.candidate["chosen"]]
            assert len(chosen) == 1 and [s.parent for s in second] == chosen * 2
            assert [s.runtime.candidate["of"] for s in steps] == [2, 2, 2, 2]
            transcript = desk.window.chat.transcript()
            assert transcript.count(("notice", IGNORED_N)) == 1  # said once, not per step
            seen.update(run_dir=store.run_dir, chat=transcript)

        drive(qapp, desk, live, timeout_s=300)

    again = make_desk(qtbot, tmp_path, NO_GUI)

    async def reopen() -> None:
        again.controller.open_flow.open_run(str(seen["run_dir"]))
        await again.controller.ops.wait_idle()
        assert shown(again) == 2
        assert again.window.chat.transcript() == seen["chat"]

    drive(qapp, again, reopen)


def test_the_chosen_count_is_remembered_after_restarting_the_window(qapp, qtbot, tmp_path,
                                                                    monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "config").mkdir()
    roles = {"coder": {**LOCAL_CODER, "provider": "ollama"}, "critic": LOCAL_CODER}
    (tmp_path / "config" / "settings.json").write_text(json.dumps({"roles": roles}))
    first = make_desk(qtbot, tmp_path)

    async def pick() -> None:
        assert shown(first) == 1  # one reply per step, as before
        choose(qtbot, first.window.limits.candidates, 3)
        await first.controller.ops.wait_idle()
        data = settings_file(first)
        assert data == {"roles": roles, "candidates": 3}  # the rest of the file is kept

    drive(qapp, first, pick)
    again = make_desk(qtbot, tmp_path)

    async def look() -> None:
        assert shown(again) == 3
        config = again.controller.limits.run_config(again.controller.base_config, 0)
        assert (config.candidates, config.candidates_served, config.coder_requests) == (3, 2, 4)

    drive(qapp, again, look)


def test_saving_the_models_while_the_count_is_being_saved_keeps_the_count(qapp, qtbot,
                                                                         tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    desk = make_desk(qtbot, tmp_path)

    async def scenario() -> None:
        choose(qtbot, desk.window.limits.candidates, 3)
        desk.controller.load_sandbox_settings()  # what saving the Models dialog does
        assert shown(desk) == 3
        await desk.controller.ops.wait_idle()
        assert settings_file(desk)["candidates"] == 3

    drive(qapp, desk, scenario)


def test_a_reopened_run_shows_its_own_count_and_a_new_run_the_users(qapp, qtbot, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    desk = make_desk(qtbot, tmp_path)

    async def scenario() -> None:
        choose(qtbot, desk.window.limits.candidates, 3)
        await desk.controller.ops.wait_idle()
        four = stored_run(desk, "four", candidates=4, coder_requests=1)
        await open_run(desk, four)
        assert shown(desk) == 4
        config = desk.controller.limits.run_config(desk.controller.base_config, 1)
        assert (config.candidates, config.coder_requests) == (4, 1)  # continued as it was made
        assert settings_file(desk)["candidates"] == 3  # opening a run is not a choice
        await open_run(desk, stored_run(desk, "plain"))
        assert shown(desk) == 1
        desk.window.new_action.trigger()
        await desk.controller.ops.wait_idle()
        assert shown(desk) == 3

    drive(qapp, desk, scenario)


def test_the_command_lines_count_is_shown_and_continues_the_run_it_names(qapp, qtbot, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    desk = make_desk(qtbot, tmp_path)

    async def scenario() -> None:
        four = stored_run(desk, "four", candidates=4)
        desk.controller.limits.preset(2, for_next_run=True)  # as `webgen gui four --candidates 2`
        assert shown(desk) == 2
        await open_run(desk, four)
        assert shown(desk) == 2
        await open_run(desk, stored_run(desk, "plain"))  # opened later: its own count
        assert shown(desk) == 1
        assert not desk.settings_file.exists()  # a preset is not remembered

    drive(qapp, desk, scenario)


def test_a_bad_count_in_the_settings_file_is_named_and_left_alone(qapp, qtbot, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "config").mkdir()
    text = json.dumps({"candidates": 12, "coder_requests": 1})
    (tmp_path / "config" / "settings.json").write_text(text)
    desk = make_desk(qtbot, tmp_path)

    async def scenario() -> None:
        assert desk.notices.text().startswith(
            'settings file: "candidates" must be a whole number from 1 to 8, not 12')
        assert shown(desk) == 1
        assert desk.settings_file.read_text() == text

    drive(qapp, desk, scenario)


def test_a_broken_settings_file_is_not_overwritten_by_the_count(qapp, qtbot, tmp_path,
                                                                monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.json").write_text('{"roles": ')
    desk = make_desk(qtbot, tmp_path)

    async def scenario() -> None:
        choose(qtbot, desk.window.limits.candidates, 2)
        await desk.controller.ops.wait_idle()
        assert desk.notices.text().startswith(
            "Remember the candidates per step: cannot read settings file")
        assert desk.settings_file.read_text() == '{"roles": '
        config = desk.controller.limits.run_config(desk.controller.base_config, 0)
        assert config.candidates == 2  # this session still uses the choice

    drive(qapp, desk, scenario)


@pytest.mark.parametrize(
    ("coder", "extra", "warned"),
    [(LOCAL_CODER, {}, True),
     (LOCAL_CODER, {"coder_requests": 1}, False),  # the user already asks one at a time
     ({**LOCAL_CODER, "base_url": "https://api.example.com/v1"}, {}, False),
     ({**LOCAL_CODER, "provider": "ollama", "base_url": "http://127.0.0.1:11434"}, {}, False)],
    ids=["local-openai", "local-one-request", "remote", "ollama"],
)
def test_a_local_openai_coder_gets_the_llama_cpp_warning(qapp, qtbot, tmp_path, monkeypatch,
                                                         coder, extra, warned):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "config").mkdir()
    roles = {"coder": coder, "critic": {**LOCAL_CODER, "model": "vl"}}
    (tmp_path / "config" / "settings.json").write_text(json.dumps({"roles": roles, **extra}))
    desk = make_desk(qtbot, tmp_path)

    async def scenario() -> None:
        tip = desk.window.limits.candidates.toolTip()
        assert "250 MB" in tip and "Candidates tab" in tip
        assert ("llama-cpp-python" in tip) is warned
        choose(qtbot, desk.window.limits.candidates, 2)
        await desk.controller.ops.wait_idle()
        said = [text for _level, text in desk.controller.notifier.history]
        assert any("llama-cpp-python" in text for text in said) is warned
        if warned:
            assert "--interrupt_requests False" in desk.notices.text()

    drive(qapp, desk, scenario)
