"""What a site's page may request: its own server and the public internet, nothing private."""

from __future__ import annotations

import pytest

from agent_core.browser.network_policy import SitePolicy, blocked_reason

SITE = "http://127.0.0.1:5173/"
PRIVATE = "a loopback or private address other than the site"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:5173/src/main.jsx", None),
        ("http://localhost:5173/@vite/client", None),  # the same server by another name
        ("ws://127.0.0.1:5173/?token=x", None),  # Vite's hot reload socket
        ("data:image/png;base64,AAAA", None),
        ("blob:http://127.0.0.1:5173/0f3c", None),
        ("https://fonts.googleapis.com/css2?family=Inter", None),
        ("http://127.0.0.1:11434/api/tags", PRIVATE),  # Ollama
        ("http://localhost:8000/v1/models", PRIVATE),  # a local OpenAI-compatible server
        ("ws://127.0.0.1:9222/devtools/browser", PRIVATE),
        ("http://[::1]:11434/", PRIVATE),
        ("http://0.0.0.0:11434/", PRIVATE),
        ("http://127.9.9.9:5173/", PRIVATE),  # all of 127/8 is this machine
        ("http://192.168.1.1/admin", PRIVATE),
        ("http://10.0.0.5:3000/", PRIVATE),
        ("http://172.16.3.4/", PRIVATE),
        ("http://169.254.169.254/latest/meta-data/", PRIVATE),  # cloud metadata
        ("http://[fd00::1]/", PRIVATE),
        ("http://[::ffff:127.0.0.1]:11434/", PRIVATE),
        ("http://printer.local/", PRIVATE),
        ("http://app.localhost:5173/", PRIVATE),
        ("https://[::1]:5173/", None),  # its own server, whatever the scheme
    ],
)
def test_the_site_reaches_its_server_and_the_internet_only(url: str, reason: str | None) -> None:
    assert blocked_reason(url, SITE) == reason


def test_the_internet_can_be_turned_off_but_the_site_stays_reachable() -> None:
    assert blocked_reason("https://cdn.example.com/x.css", SITE, allow_internet=False) == (
        "the public internet (turned off in the settings)")
    assert blocked_reason("http://localhost:5173/app.js", SITE, allow_internet=False) is None


def test_without_a_site_every_local_address_is_refused() -> None:
    assert blocked_reason("http://127.0.0.1:5173/", None) == PRIVATE


def test_the_policy_logs_what_it_blocked_until_drained() -> None:
    policy = SitePolicy(site_url=SITE)
    assert policy.check("http://127.0.0.1:11434/api/tags") == PRIVATE
    assert policy.check("http://127.0.0.1:5173/") is None
    assert policy.check("http://10.0.0.1/", log=False) == PRIVATE
    assert policy.drain() == [f"blocked http://127.0.0.1:11434/api/tags ({PRIVATE})"]
    assert policy.drain() == []


def test_a_fresh_policy_takes_the_first_address_as_the_site() -> None:
    policy = SitePolicy()
    assert policy.check("data:text/html,hi") is None and policy.site_url is None
    assert policy.check("http://127.0.0.1:4000/") is None
    assert policy.site_url == "http://127.0.0.1:4000/"
    assert policy.check("http://127.0.0.1:11434/api/tags") == PRIVATE
