"""``--ray-address`` and ``--ray`` on the command line, before any run starts."""

from __future__ import annotations

import sys

import pytest

from app.cli import main
from tests.support.ray_cluster import free_ports


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("WEBGEN_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WEBGEN_STATE_DIR", str(tmp_path / "state"))


def batch_args(out, *where: str) -> list[str]:
    models = ["--coder-model", "coder", "--coder-base-url", "http://127.0.0.1:9/v1",
              "--critic-model", "critic", "--critic-base-url", "http://127.0.0.1:9/v1",
              "--feedback-model", "feedback", "--feedback-base-url", "http://127.0.0.1:9/v1"]
    return ["batch", "--instruction", "A bakery page.", "--out", str(out), *models, *where]


@pytest.mark.ray
def test_an_unreachable_cluster_names_its_address_and_creates_nothing(tmp_path, capsys):
    address = f"127.0.0.1:{free_ports(1)[0]}"
    code = main(batch_args(tmp_path / "out", "--ray-address", address, "--json"))
    out, err = capsys.readouterr()

    assert code == 1 and out == ""
    assert err.startswith(f"webgen batch: cannot reach the Ray cluster at {address}: ")
    assert not (tmp_path / "out").exists()


def test_without_the_ray_extra_the_message_says_how_to_install_it(tmp_path, capsys,
                                                                   monkeypatch):  # fmt: skip
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    code = main(batch_args(tmp_path / "out", "--ray"))

    assert code == 1
    assert "running on Ray needs the ray extra: pip install 'webgen-studio[ray]'" in (
        capsys.readouterr().err)  # fmt: skip
    assert not (tmp_path / "out").exists()


def test_the_cluster_flags_exclude_each_other(tmp_path, capsys):
    with pytest.raises(SystemExit) as raised:
        main(batch_args(tmp_path / "out", "--ray", "--ray-address", "auto"))
    assert raised.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
