"""Building clients per role: where API keys come from, and listing a server's models."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import keyring
import keyring.backend
import pytest
from keyring.errors import KeyringLocked

from agent_core.config import Provider, RoleConfig
from agent_core.errors import ConfigError, ModelNotFound, ModelUnreachable
from agent_core.llm import (
    KEYRING_SERVICE,
    Message,
    OllamaChatModel,
    OpenAIChatModel,
    list_server_models,
    make_chat_model,
    resolve_api_key,
)
from tests.agent_core.llm.conftest import PROVIDERS, closed_base_url, url_for
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.keyring_backend import MemoryKeyring


class LockedKeyring(MemoryKeyring):
    """A backend that fails like a locked or unreachable secret store."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")


@pytest.fixture
def use_keyring() -> Iterator[Callable[[keyring.backend.KeyringBackend], None]]:
    """Install a keyring backend for one test, restoring the previous one afterwards."""
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


CODER = RoleConfig(provider=Provider.OPENAI, model="coder-model", api_key_env="MY_CODER_KEY")


def test_named_env_var_beats_role_var_and_keyring(monkeypatch, use_keyring) -> None:
    use_keyring(MemoryKeyring({(KEYRING_SERVICE, "coder"): "from-keyring"}))
    monkeypatch.setenv("MY_CODER_KEY", "from-named-var")
    monkeypatch.setenv("WEBGEN_CODER_API_KEY", "from-role-var")

    assert resolve_api_key(CODER, "coder") == "from-named-var"


def test_role_env_var_beats_keyring(monkeypatch, use_keyring) -> None:
    use_keyring(MemoryKeyring({(KEYRING_SERVICE, "coder"): "from-keyring"}))
    monkeypatch.setenv("WEBGEN_CODER_API_KEY", "from-role-var")

    assert resolve_api_key(CODER, "coder") == "from-role-var"


def test_keyring_entry_of_the_role_is_used_last(use_keyring) -> None:
    store = MemoryKeyring({(KEYRING_SERVICE, "critic"): "critic-key"})
    use_keyring(store)
    config = RoleConfig(provider=Provider.OLLAMA, model="vision-model")

    assert resolve_api_key(config, "critic") == "critic-key"
    assert resolve_api_key(config, "coder") is None
    assert store.lookups == [(KEYRING_SERVICE, "critic"), (KEYRING_SERVICE, "coder")]


def test_blank_env_var_does_not_count_as_a_key(monkeypatch, use_keyring) -> None:
    use_keyring(MemoryKeyring())
    monkeypatch.setenv("MY_CODER_KEY", "   ")

    assert resolve_api_key(CODER, "coder") is None


def test_broken_keyring_means_no_key_and_no_noise(use_keyring, capsys, caplog) -> None:
    use_keyring(LockedKeyring())

    with caplog.at_level("INFO"):
        assert resolve_api_key(CODER, "coder") is None

    assert capsys.readouterr() == ("", "")
    assert caplog.records == []


def test_key_files_are_never_read(tmp_path, monkeypatch, use_keyring) -> None:
    use_keyring(MemoryKeyring())
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("WEBGEN_CODER_API_KEY=from-dotenv\nMY_CODER_KEY=x\n")
    (tmp_path / "api_key.txt").write_text("from-file\n")

    assert resolve_api_key(CODER, "coder") is None


@pytest.mark.parametrize(
    ("provider", "cls"), [("openai", OpenAIChatModel), ("ollama", OllamaChatModel)]
)
async def test_make_chat_model_picks_the_client_and_sends_the_role_key(
    provider: str, cls: type, server: ScriptedModelServer, monkeypatch, use_keyring
) -> None:
    use_keyring(MemoryKeyring())
    monkeypatch.setenv("WEBGEN_FEEDBACK_API_KEY", "feedback-key")
    server.set_script("summary-model", queue("summary"))
    config = RoleConfig(
        provider=Provider(provider), model="summary-model", base_url=url_for(provider, server)
    )

    model = make_chat_model(config, "feedback")
    try:
        assert isinstance(model, cls)
        assert (await model.complete([Message("user", "sum up")])).text == "summary"
    finally:
        await model.close()

    assert server.chat_requests[0].headers["authorization"] == "Bearer feedback-key"


def test_make_chat_model_without_a_model_name_says_what_to_set() -> None:
    with pytest.raises(ConfigError, match="no model is set for the critic role"):
        make_chat_model(RoleConfig(provider=Provider.OLLAMA), "critic")


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_list_server_models_works_before_a_model_is_chosen(
    provider: str, server: ScriptedModelServer
) -> None:
    server.set_script("qwen2.5-coder:7b", queue())
    server.set_script("llava:13b", queue())
    config = RoleConfig(provider=Provider(provider), base_url=url_for(provider, server))

    names = await list_server_models(config, api_key="typed-in-settings")

    assert sorted(names) == ["llava:13b", "qwen2.5-coder:7b"]
    assert server.requests[-1].headers["authorization"] == "Bearer typed-in-settings"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_list_server_models_reports_a_dead_server_once(provider: str) -> None:
    url = closed_base_url(provider)
    config = RoleConfig(provider=Provider(provider), base_url=url, max_retries=5)

    with pytest.raises(ModelUnreachable, match="connection refused") as caught:
        await list_server_models(config)

    assert url in str(caught.value) and "gave up" not in str(caught.value)


@pytest.mark.parametrize(
    ("provider", "hint"), [("openai", "expect it to end in /v1"), ("ollama", "without /v1")]
)
async def test_listing_models_at_a_wrong_url_says_to_check_the_url(
    provider: str, hint: str, server: ScriptedModelServer
) -> None:
    wrong = server.base_url_ollama if provider == "openai" else server.base_url_openai
    config = RoleConfig(provider=Provider(provider), base_url=wrong)

    with pytest.raises(ModelNotFound, match="has no model list") as caught:
        await list_server_models(config)

    assert wrong in str(caught.value) and hint in str(caught.value)
