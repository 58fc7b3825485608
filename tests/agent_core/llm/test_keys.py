"""API keys kept for this session when no keyring can keep them, and telling keyrings apart."""

from __future__ import annotations

from collections.abc import Iterator

import keyring.backends.fail
import keyring.backends.null
import pytest

from agent_core.config import Provider, RoleConfig
from agent_core.errors import ConfigError
from agent_core.llm.factory import make_chat_model
from agent_core.llm.keys import (
    KEYRING_SERVICE,
    forget_session_keys,
    keep_for_session,
    key_env_name,
    keyring_usable,
    resolve_api_key,
    session_api_key,
    store_api_key,
)
from tests.agent_core.llm.conftest import url_for
from tests.fakes.model_server import ScriptedModelServer, queue
from tests.support.keyring_backend import LockedForWriting, MemoryKeyring, NoKeyring, installed

CODER = RoleConfig(provider=Provider.OPENAI, model="coder-model")
KEY = "sk-session-only-7d2a"


@pytest.fixture(autouse=True)
def _clean_session() -> Iterator[None]:
    forget_session_keys()
    yield
    forget_session_keys()


@pytest.mark.parametrize(
    "backend",
    [NoKeyring(), keyring.backends.fail.Keyring(), keyring.backends.null.Keyring()],
    ids=["no-backend", "keyring-fail", "keyring-null"],
)
def test_backends_that_keep_nothing_are_not_usable(backend) -> None:
    with installed(backend):
        assert keyring_usable() is False


def test_a_real_backend_is_usable_even_before_it_holds_a_key() -> None:
    with installed(MemoryKeyring()):
        assert keyring_usable() is True


async def test_a_key_kept_for_the_session_is_sent_by_the_next_client() -> None:
    with installed(NoKeyring()), ScriptedModelServer(
        {"coder-model": queue("hello")}, require_api_key=KEY
    ) as server:
        keep_for_session("coder", KEY)
        model = make_chat_model(RoleConfig(provider=Provider.OPENAI, model="coder-model",
                                           base_url=url_for("openai", server), max_retries=0),
                                "coder")
        try:
            assert await model.list_models() == ["coder-model"]
        finally:
            await model.close()
    assert [r.headers.get("authorization") for r in server.requests] == [f"Bearer {KEY}"]


def test_the_environment_beats_the_session_key_and_the_session_key_beats_the_keyring(
    monkeypatch,
) -> None:
    with installed(MemoryKeyring({(KEYRING_SERVICE, "coder"): "from-keyring"})):
        assert resolve_api_key(CODER, "coder") == "from-keyring"
        keep_for_session("coder", KEY)
        assert resolve_api_key(CODER, "coder") == KEY
        assert resolve_api_key(CODER, "critic") is None  # kept for the coder only
        monkeypatch.setenv("WEBGEN_CODER_API_KEY", "from-env")
        assert resolve_api_key(CODER, "coder") == "from-env"


def test_forgetting_a_session_key_leaves_the_keyring_in_charge() -> None:
    with installed(NoKeyring()):
        keep_for_session("critic", f"  {KEY}  ")
        assert session_api_key("critic") == KEY
        keep_for_session("critic", "")
        assert session_api_key("critic") is None
        assert resolve_api_key(CODER, "critic") is None


@pytest.mark.parametrize("backend", [NoKeyring(), LockedForWriting()], ids=["none", "locked"])
def test_a_refused_store_says_what_to_do_in_plain_words(backend) -> None:
    with installed(backend), pytest.raises(ConfigError) as caught:
        store_api_key("feedback", KEY)
    message = str(caught.value)
    assert "set WEBGEN_FEEDBACK_API_KEY in the environment" in message
    assert "Error" not in message and KEY not in message


def test_the_variable_named_to_users_is_the_one_the_role_reads() -> None:
    assert key_env_name(CODER, "coder") == "WEBGEN_CODER_API_KEY"
    named = RoleConfig(provider=Provider.OPENAI, model="m", api_key_env="OPENROUTER_API_KEY")
    assert key_env_name(named, "critic") == "OPENROUTER_API_KEY"
