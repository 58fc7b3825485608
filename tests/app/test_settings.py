"""Where role settings come from: flags beat environment beat the settings file."""

from __future__ import annotations

import json

import pytest

from agent_core.config import Provider
from agent_core.errors import ConfigError
from app import settings


def test_precedence_flags_then_env_then_file():
    file_data = {"roles": {
        "coder": {"provider": "ollama", "model": "file-coder", "context_length": 8192},
        "critic": {"provider": "openai", "model": "file-critic", "base_url": "http://f/v1"},
    }}
    env = {"WEBGEN_CODER_MODEL": "env-coder", "WEBGEN_CRITIC_BASE_URL": "http://env/v1"}
    flags = {"coder": {"model": "flag-coder"}, "critic": {}, "feedback": {}}
    resolved = settings.resolve_model_settings(flags, env=env, file_data=file_data)
    assert resolved.coder.model == "flag-coder"
    assert resolved.coder.provider is Provider.OLLAMA
    assert resolved.coder.context_length == 8192
    assert resolved.critic.base_url == "http://env/v1"
    # The feedback role falls back to the critic's model, as in the paper.
    assert resolved.feedback.model == "file-critic"
    assert resolved.feedback.url == "http://env/v1"


def test_missing_model_names_the_flag_and_variable():
    with pytest.raises(ConfigError, match="--critic-model or set WEBGEN_CRITIC_MODEL"):
        settings.resolve_model_settings(
            {"coder": {"model": "c"}}, env={}, file_data={})


def test_bad_values_are_explained():
    with pytest.raises(ConfigError, match="provider must be 'openai' or 'ollama'"):
        settings.resolve_model_settings(
            {"coder": {"model": "c", "provider": "anthropic"}}, env={}, file_data={})
    with pytest.raises(ConfigError, match="WEBGEN_CODER_CONTEXT_LENGTH"):
        settings.resolve_model_settings(
            {}, env={"WEBGEN_CODER_CONTEXT_LENGTH": "lots"}, file_data={})


def test_settings_file_never_keeps_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path))
    path = settings.save_settings_file({"roles": {"coder": {
        "model": "m", "api_key": "sk-1", "api_key_env": "OPENAI_API_KEY"}}})
    saved = json.loads(path.read_text())
    assert saved == {"roles": {"coder": {"model": "m", "api_key_env": "OPENAI_API_KEY"}}}
    assert settings.load_settings_file() == saved


def test_broken_settings_file_says_where(tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path))
    (tmp_path / "settings.json").write_text("{not json")
    with pytest.raises(ConfigError, match="cannot read settings file"):
        settings.load_settings_file()


@pytest.mark.parametrize(
    ("data", "counts"),
    [({}, {}),
     ({"candidates": 4, "coder_requests": 1, "roles": {}}, {"candidates": 4, "coder_requests": 1}),
     ({"candidates_served": 3}, {"candidates_served": 3})],
)
def test_the_candidate_counts_the_file_has(data, counts):
    assert settings.candidate_settings(data) == counts


@pytest.mark.parametrize(
    ("data", "said"),
    [({"candidates": 9}, '"candidates" must be a whole number from 1 to 8, not 9'),
     ({"candidates": 0}, '"candidates" must be a whole number from 1 to 8, not 0'),
     ({"coder_requests": "one"}, '"coder_requests" must be a whole number of at least 1, '
                                 'not "one"'),
     ({"candidates_served": True}, '"candidates_served" must be a whole number of at least 1, '
                                   "not true")],
)
def test_a_count_that_is_not_one_is_explained(data, said):
    with pytest.raises(ConfigError, match=f"settings file: {said}$"):
        settings.candidate_settings(data)


def test_remembering_one_value_keeps_the_rest_of_the_file(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"roles": {"coder": {"model": "c"}}, "candidates": 2}))
    settings.remember_setting("candidates", 5, path)
    assert json.loads(path.read_text()) == {"roles": {"coder": {"model": "c"}}, "candidates": 5}
    path.write_text("{broken")
    with pytest.raises(ConfigError):
        settings.remember_setting("candidates", 3, path)
    assert path.read_text() == "{broken"
