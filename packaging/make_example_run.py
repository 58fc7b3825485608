"""Build the shipped example run (``resources/example-run``) with the real pipeline.

Everything is real (the window and its controller, npm, Vite, Chromium screenshots, the GUI
agent, the critic's and feedback's parsing) except the models: their replies are the fixed
scripts of the stock-report scenario (``tests/app/desktop/test_gui_e2e.py``), served by a
loopback test server speaking the OpenAI protocol. The finished run is copied without
``node_modules``, ``.webgen`` and its lock, marked as an example in ``manifest.config``, and
scrubbed of machine details (the temporary folder, the loopback ports); the script fails if
any absolute path, loopback port or home folder is left in it.

    PYTHONPATH=. xvfb-run -a -s "-screen 0 1600x1000x24" \
        .venv/bin/python packaging/make_example_run.py

``packaging/make_screenshots.py`` drives the same scenario (see ``build_stock_run``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from agent_core import __version__
from agent_core.config import ModelSettings, RunConfig
from app.desktop.controller import MainController
from app.desktop.main import prepare_environment
from app.desktop.session import RunSession, SessionStatus
from tests.fakes.model_server import ScriptedModelServer
from tests.support.agent import CODER, CRITIC, FAST_TIMEOUTS, FEEDBACK, role
from tests.support.npm import offline_npm_env
from tests.support.qtasync import run_on_qt_loop, wait_until
from tests.support.stock_scenario import scripts
from tests.support.stock_site import INSTRUCTION
from ui.main_window import MainWindow

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "resources" / "example-run"
MODEL_NAMES = {CODER: "scripted-coder", CRITIC: "scripted-critic", FEEDBACK: "scripted-feedback"}
SCRIPTED_URL = "scripted://example"
DEV_SERVER = "localhost:5173"
"""Vite's usual address, written instead of the loopback port the dev server had."""
RUN_PLACEHOLDER = "example-run"
"""Written instead of the temporary run folder's absolute path (in events.jsonl)."""
EXAMPLE_NAME = "stock-reports"
EXCLUDED = ("node_modules", ".webgen", ".lock")
TEXT_FILES = ("manifest.json", "events.jsonl", "steps/*.json", "logs/*")
"""Files rewritten; ``objects/`` and ``workspace/`` hold the site's files and are only checked
(blobs are named by their SHA-256, so they must not change)."""


# -- the scenario (shared with make_screenshots.py) ------------------------------------


def qt_app() -> QApplication:
    """The QApplication, with WebEngine's sandbox turned off when running as root."""
    prepare_environment()
    return QApplication.instance() or QApplication(sys.argv[:1])


@contextmanager
def scripted_models(
    root: Path, pace: tuple[int, float] | None = None
) -> Iterator[ScriptedModelServer]:
    """The scripted models on loopback, configured in ``root/config`` as the Models dialog would.

    Args:
        root: A scratch folder (settings go to ``root/config``).
        pace: Stream the coder ``pace[0]`` characters every ``pace[1]`` seconds (None: at once).
    """
    os.environ.update(offline_npm_env())
    config_dir = root / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    os.environ["WEBGEN_CONFIG_DIR"] = str(config_dir)
    os.environ.pop("OLLAMA_HOST", None)
    named = {MODEL_NAMES[model]: script for model, script in scripts(pace=pace).items()}
    with ScriptedModelServer(named) as server:
        settings = ModelSettings(
            coder=role(server, "openai", MODEL_NAMES[CODER], context_length=16384),
            critic=role(server, "openai", MODEL_NAMES[CRITIC]),
            feedback=role(server, "openai", MODEL_NAMES[FEEDBACK]),
        )
        (config_dir / "settings.json").write_text(json.dumps({"roles": settings.to_public_dict()}))
        yield server


def open_studio(root: Path) -> tuple[MainWindow, MainController]:
    """The app's window and controller, shown at the documentation's size."""
    window = MainWindow()
    width, height = (int(n) for n in os.environ.get("WEBGEN_SHOT_SIZE", "1440x900").split("x"))
    window.resize(width, height)
    window.move(40, 40)
    qsettings = QSettings(str(root / "window.ini"), QSettings.Format.IniFormat)
    controller = MainController(
        window,
        runs_dir=root / "runs",
        qsettings=qsettings,
        base_config=RunConfig(timeouts=FAST_TIMEOUTS),
    )
    window.show()
    return window, controller


async def build_stock_run(
    window: MainWindow,
    controller: MainController,
    *,
    while_streaming: Callable[[], Awaitable[None]] | None = None,
) -> RunSession:
    """Type the stock-report instruction, press Start and wait for the run to finish.

    Args:
        window: The shown main window.
        controller: Its controller.
        while_streaming: Awaited once step 2's reply is streaming (e.g. a screenshot).

    Returns:
        The finished run's session (still open in the window).
    """
    window.chat.input.instruction_edit().setPlainText(INSTRUCTION)
    window.start_action.trigger()
    if while_streaming is not None:
        await wait_until(
            lambda: (reply := window.chat.reply_widget(2)) is not None and len(reply.text()) > 300,
            120,
            "step 2 streaming",
        )
        await while_streaming()
    await wait_until(
        lambda: (
            controller.session is not None and controller.session.status is SessionStatus.FINISHED
        ),
        300,
        "the run",
    )
    session = controller.session
    assert session is not None
    return session


async def close_studio(window: MainWindow, controller: MainController) -> None:
    """Close the window; every process it started is stopped."""
    window.close()
    await asyncio.wait_for(controller.closed.wait(), 60)


# -- turning the run into the shipped example ------------------------------------------


def example_info(when: float | None = None) -> dict[str, str]:
    """What ``manifest.config["example"]`` says about the example."""
    day = time.strftime("%Y-%m-%d", time.localtime(when))
    return {
        "name": EXAMPLE_NAME,
        "made_by": f"WebGen Studio {__version__} on {day}",
        "models": "scripted (no language model): the replies are fixed scripts served by a "
        "loopback test server speaking the OpenAI protocol",
        "source": "packaging/make_example_run.py",
        "rewritten": f"model servers are shown as {SCRIPTED_URL}, the dev server as "
        f"{DEV_SERVER} and the run folder as {RUN_PLACEHOLDER}",
    }


def _text_files(run_dir: Path) -> list[Path]:
    return sorted({p for pattern in TEXT_FILES for p in run_dir.glob(pattern) if p.is_file()})


def _rewrites(text: str, run_dir: Path, model_url: str) -> str:
    text = text.replace(model_url, SCRIPTED_URL)
    for path in (str(run_dir), str(run_dir.resolve())):
        text = text.replace(path, RUN_PLACEHOLDER)
    # Whatever still names a loopback port is the dev server (Vite; maybe restarted on another).
    for port in set(re.findall(r"(?:127\.0\.0\.1|localhost):(\d+)", text)):
        text = text.replace(f"127.0.0.1:{port}", DEV_SERVER)
        text = text.replace(f"localhost:{port}", DEV_SERVER)
        text = text.replace(f"--port {port}", f"--port {DEV_SERVER.split(':')[1]}")
    return text


def leftovers(folder: Path, extra: tuple[str, ...] = ()) -> list[str]:
    """Machine details still in the text files of ``folder``: ``path: what`` per finding.

    Looked for: absolute paths under the usual roots, the home folder, a loopback address
    with a port, and any string of ``extra`` (e.g. the temporary folder, a port number).
    """
    home = str(Path.home())
    pattern = re.compile(
        r"(?:^|[\s\"'=(:,])(/(?:tmp|home|root|Users|work|var|private|opt|mnt|srv)/\S*)"
        r"|([A-Za-z]:\\\\\S+)|(127\.0\.0\.1:\d+)"
    )
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".png"):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        rel = path.relative_to(folder)
        hits = [m.group(0).strip() for m in pattern.finditer(text)]
        hits += [s for s in (*extra, home if home not in ("/", "") else None) if s and s in text]
        found += [f"{rel}: {hit[:120]}" for hit in hits]
    return found


def make_example(run_dir: Path, out: Path, model_url: str) -> Path:
    """Copy the finished run to ``out`` as the shipped example.

    Args:
        run_dir: The finished run (its session closed).
        out: Where the example goes (replaced).
        model_url: The scripted server's base URL, rewritten to ``SCRIPTED_URL``.

    Raises:
        RuntimeError: Machine details are left after rewriting (they are listed).
    """
    staging = out.with_name(f".{out.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(run_dir, staging, ignore=shutil.ignore_patterns(*EXCLUDED))
    for path in _text_files(staging):
        path.write_text(
            _rewrites(path.read_text(encoding="utf-8"), run_dir, model_url), encoding="utf-8"
        )
    manifest_path = staging / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["config"]["example"] = example_info()
    for settings in manifest["models"].values():
        settings["base_url"] = SCRIPTED_URL
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for path in [staging, *staging.rglob("*")]:  # the store writes its files owner-only
        path.chmod(0o755 if path.is_dir() else 0o644)
    port = model_url.rsplit(":", 1)[-1].split("/")[0]
    found = leftovers(staging, (str(run_dir.parent.parent), f":{port}", str(REPO)))
    if found:
        raise RuntimeError("machine details left in the example:\n  " + "\n  ".join(found))
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    return out


def folder_size(folder: Path) -> int:
    """Bytes of every file under ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


async def _scenario(root: Path, out: Path, server: ScriptedModelServer) -> Path:
    window, controller = open_studio(root)
    try:
        session = await build_stock_run(window, controller)
        run_dir = session.store.run_dir
    finally:
        await close_studio(window, controller)
    return make_example(run_dir, out, server.base_url_openai)


def main() -> None:
    """Build the example run and say where it is and how big."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write it ({OUT})")
    args = parser.parse_args()
    app = qt_app()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with scripted_models(root) as server:
            out = run_on_qt_loop(app, lambda: _scenario(root, args.out.resolve(), server), 600)
    files = sum(1 for p in out.rglob("*") if p.is_file())
    print(
        f"wrote {out}: {files} files, {folder_size(out) / 1024:.0f} KiB, "
        f"in {time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
