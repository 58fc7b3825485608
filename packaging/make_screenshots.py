"""Screenshots of the real window for the docs, taken under Xvfb.

Scenes: ``run`` (during and after a real run: npm, Vite, Chromium, the GUI agent, the Qt
WebEngine preview; only the models are scripted, the stock-report scenario of
``make_example_run.py``, streamed slowly enough to catch a reply mid-stream), ``welcome``
(first start with nothing configured and a scripted Ollama answering), ``example`` (the
shipped example run opened, its site served) and ``candidates`` (a step taken as four real
candidates: a broken build, a blank page and two good ones, side by side).

    PYTHONPATH=. xvfb-run -a -s "-screen 0 1600x1000x24" \\
        .venv/bin/python packaging/make_screenshots.py [--scenes run,welcome,example] \\
        [--size 1024x700]

At a size other than the documentation's 1440x900 the file names get the size as a suffix
(``window-running-1024x700.png``), to check that nothing is cut on a small screen.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from make_example_run import build_stock_run, close_studio, open_studio, qt_app, scripted_models
from PySide6.QtWidgets import QApplication

from app.desktop.preflight import OLLAMA_PORT
from app.desktop.session import SessionStatus
from app.desktop.warmup import warm_up
from tests.fakes.model_server import RecordedRequest, ScriptedModelServer, queue
from tests.support.agent import CODER, CRITIC, coder_reply, graded, settings_for
from tests.support.desktop import write_settings
from tests.support.npm import offline_npm_env
from tests.support.qtasync import run_on_qt_loop, wait_until
from tests.support.stock_site import APP_V1, APP_V2, INSTRUCTION, stock_site
from ui.main_window import TAB_CODE, TAB_PREVIEW, TAB_STEP, MainWindow

OUT = Path(__file__).resolve().parent.parent / "docs" / "images"
SCENES = ("run", "welcome", "example", "candidates")
OLLAMA_MODELS = ["qwen2.5-coder:14b", "qwen2.5vl:7b", "llama3.2-vision:11b", "llama3.2:3b"]


SUFFIX = ""
"""Added to each file name (``-1024x700``) when the window is not at the default size."""


async def grab(window: MainWindow, name: str) -> None:
    await asyncio.sleep(0.6)  # let layouts and the web view paint
    QApplication.processEvents()
    screen = window.screen()
    pixmap = screen.grabWindow(0, window.x(), window.y(), window.width(), window.height())
    stem, dot, ext = name.rpartition(".")
    path = OUT / f"{stem}{SUFFIX}{dot}{ext}"
    pixmap.save(str(path))
    print(f"wrote {path} ({pixmap.width()}x{pixmap.height()})")


async def run_scene(root: Path, keep_run: Path | None) -> None:
    window, controller = open_studio(root)
    await warm_up()
    try:
        session = await build_stock_run(
            window, controller, while_streaming=lambda: grab(window, "window-running.png")
        )
        window.tabs.setCurrentIndex(TAB_PREVIEW)
        await asyncio.sleep(2)
        await grab(window, "window-finished.png")
        controller.show_step(3)
        await controller.ops.wait_idle()
        window.tabs.setCurrentIndex(TAB_STEP)
        await grab(window, "window-gui-step.png")
        controller.show_step(2)
        await controller.ops.wait_idle()
        window.tabs.setCurrentIndex(TAB_CODE)
        window.code.select_file("src/App.jsx")
        window.code.diff.set_compare_to(1)
        await grab(window, "window-code.png")
        if keep_run is not None:
            shutil.rmtree(keep_run, ignore_errors=True)
            shutil.copytree(
                session.store.run_dir,
                keep_run,
                ignore=shutil.ignore_patterns("node_modules", ".webgen", ".lock"),
            )
            print(f"kept the run in {keep_run}")
    finally:
        await close_studio(window, controller)


async def welcome_scene(root: Path) -> None:
    window, controller = open_studio(root)
    try:
        controller.first_start()
        view = window.welcome
        await wait_until(lambda: view.probe_state() == "found", 20, "Ollama to be found")
        view.use_ollama_button.setFocus()
        await grab(window, "window-welcome.png")
    finally:
        await close_studio(window, controller)


async def example_scene(root: Path) -> None:
    window, controller = open_studio(root)
    try:
        controller.open_flow.open_example()
        await controller.ops.wait_idle()
        session = controller.session
        assert session is not None and session.status is SessionStatus.FINISHED
        controller.serve_preview()
        await wait_until(lambda: window.preview.current_url() is not None, 120, "the preview")
        await controller.ops.wait_idle()
        await asyncio.sleep(2)
        await grab(window, "window-example.png")
    finally:
        await close_studio(window, controller)


CANDIDATES = {1: "export default function App() { return <h1>Stock</h1>\n",  # breaks the build
              2: "export default function App() { return null; }\n",  # a blank page
              3: APP_V1.replace("Stock Reports", "Stock Reports, plain"), 4: APP_V2}


def candidate_coder(request: RecordedRequest) -> str:
    """The site in the first step; then each candidate's reply by its seed."""
    seed = request.body.get("seed")
    if seed is None:
        return coder_reply(stock_site(APP_V1), shell=["npm install"], start="npm run dev")
    return coder_reply({"src/App.jsx": CANDIDATES[seed]})


async def candidates_scene(root: Path) -> None:
    window, controller = open_studio(root)
    controller.base_config = replace(controller.base_config, gui_testing=False)
    await warm_up()
    try:
        window.max_steps.setValue(1)
        window.chat.input.instruction_edit().setPlainText(INSTRUCTION)
        window.start_action.trigger()
        await wait_until(lambda: controller.session is not None
                         and controller.session.status is SessionStatus.FINISHED, 300, "step 1")
        await controller.ops.wait_idle()
        session = controller.session
        window.limits.candidates.setValue(4)
        window.max_steps.setValue(4)
        controller.run_flow.start()
        await wait_until(lambda: len(session.store.steps()) == 5
                         and session.status is SessionStatus.FINISHED, 300, "the candidates")
        await controller.ops.wait_idle()
        window.timeline.select(5)
        window.timeline.candidatesRequested.emit(5)
        await controller.ops.wait_idle()
        await grab(window, "candidates.png")
    finally:
        await close_studio(window, controller)


@contextmanager
def scripted_ollama() -> Iterator[ScriptedModelServer]:
    """A scripted Ollama with a few models, at Ollama's own port when it is free."""
    ollama = {name: queue() for name in OLLAMA_MODELS}
    try:
        server = ScriptedModelServer(ollama, port=OLLAMA_PORT).start()
        os.environ.pop("OLLAMA_HOST", None)  # the default address, as most users have it
    except OSError:
        server = ScriptedModelServer(ollama).start()
        os.environ["OLLAMA_HOST"] = server.base_url_ollama
    try:
        yield server
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep-run", type=Path, default=None, help="copy the finished run here (no node_modules)"
    )
    parser.add_argument("--scenes", default=",".join(SCENES), help="comma-separated scenes")
    parser.add_argument("--size", default="1440x900", help="window size, WIDTHxHEIGHT")
    args = parser.parse_args()
    global SUFFIX
    width, height = (int(n) for n in args.size.split("x"))
    SUFFIX = "" if (width, height) == (1440, 900) else f"-{width}x{height}"
    os.environ["WEBGEN_SHOT_SIZE"] = f"{width}x{height}"
    scenes = [s for s in args.scenes.split(",") if s]
    unknown = set(scenes) - set(SCENES)
    if unknown:
        parser.error(f"unknown scenes {sorted(unknown)}; choose from {', '.join(SCENES)}")
    os.environ.update(offline_npm_env())
    OUT.mkdir(parents=True, exist_ok=True)
    app = qt_app()
    with tempfile.TemporaryDirectory() as tmp:
        if "run" in scenes:
            root = Path(tmp) / "run"
            with scripted_models(root, pace=(24, 0.015)):
                run_on_qt_loop(app, lambda: run_scene(root, args.keep_run), 600)
        os.environ["WEBGEN_CONFIG_DIR"] = str(Path(tmp) / "no-config")  # nothing configured
        if "welcome" in scenes:
            root = Path(tmp) / "welcome"
            with scripted_ollama() as _server:
                run_on_qt_loop(app, lambda: welcome_scene(root), 120)
        if "example" in scenes:
            root = Path(tmp) / "example"
            run_on_qt_loop(app, lambda: example_scene(root), 300)
        if "candidates" in scenes:
            root = Path(tmp) / "candidates"
            os.environ["WEBGEN_CONFIG_DIR"] = str(root / "config")
            scripts = {CODER: candidate_coder, CRITIC: graded(3, 3, 5)}
            with ScriptedModelServer(scripts) as server:
                write_settings(root / "config", settings_for(server, "openai"))
                run_on_qt_loop(app, lambda: candidates_scene(root), 600)


if __name__ == "__main__":
    main()
