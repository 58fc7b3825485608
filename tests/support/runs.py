"""Real run directories on disk for tests and benchmarks, without running the agent.

``build_run`` writes records through the real ``RunStore``, with real PNG screenshots and
real file blobs, then reads the folder back the way the app opens a run and checks that every
record survived the trip unchanged. Readers (widgets, exporters, the CLI) therefore see
exactly what a run leaves, and a spec the stored schema cannot hold fails where it is built.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from agent_core.store.evidence import CriticReview, GuiTest, RuntimeResult
from agent_core.store.records import RunStatus, StepKind, StepRecord
from agent_core.store.run_store import RunStore


def solid_png(width: int, height: int, rgb: tuple[int, int, int],
              band: tuple[int, int, int] | None = None) -> bytes:
    """An RGB PNG of one colour, with an optional band across its top fifth."""
    row = bytes(rgb) * width
    top = bytes(band) * width if band else row
    rows = [top if y < height // 5 else row for y in range(height)]
    raw = b"".join(b"\x00" + r for r in rows)

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


@dataclass
class StepSpec:
    """One step to write: kind, grades, files (path -> text) and extras for the record.

    ``extra`` holds other ``StepRecord`` fields by name; evidence is typed, e.g.
    ``{"gui": GuiTest(...), "runtime": RuntimeResult(...), "critic": CriticReview(...)}``
    (a plain dict there is refused).
    """

    kind: StepKind = StepKind.EDIT
    appearance: int | None = 4
    gui: int | None = None
    errors: list[str] = field(default_factory=list)
    files: dict[str, str] | None = None
    parent: int | str | None = "previous"
    screenshot: bool = True
    reply: str = ""
    feedback: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def default_files(index: int) -> dict[str, str]:
    """A small Vite-like project whose App.jsx changes at every step."""
    return {
        "package.json": '{"name": "demo", "scripts": {"dev": "vite"}}\n',
        "index.html": "<!doctype html><div id=root></div>\n",
        "src/App.jsx": f"export default function App() {{\n  return <h1>Step {index}</h1>;\n}}\n",
    }


EVIDENCE = {"critic": CriticReview, "runtime": RuntimeResult, "gui": GuiTest}
"""The typed evidence classes of a step record, by field."""
_SET_BY_BUILD_RUN = {"index", "kind", "parent", "appearance_grade", "gui_grade", "has_error",
                     "errors", "reply", "feedback", "files", "files_changed", "screenshot",
                     "started_at", "finished_at"}


def check_extra(extra: dict[str, Any]) -> None:
    """Refuse a ``StepSpec.extra`` the real record could not hold as given.

    Raises:
        TypeError: A key is not a ``StepRecord`` field (or is one ``StepSpec`` sets itself),
            or evidence is not its typed class.
    """
    settable = {f.name for f in fields(StepRecord)} - _SET_BY_BUILD_RUN
    for key, value in extra.items():
        if key not in settable:
            raise TypeError(f"StepSpec.extra[{key!r}]: not a StepRecord field that extra may "
                            f"set (those are: {', '.join(sorted(settable))})")
        wanted = EVIDENCE.get(key)
        if wanted is not None and not isinstance(value, wanted):
            raise TypeError(f"StepSpec.extra[{key!r}] must be a {wanted.__name__}, "
                            f"not {type(value).__name__}")


def build_run(run_dir: Path, specs: Sequence[StepSpec], *, instruction: str = "Build a bakery site",
              best: int | None = None, status: RunStatus = RunStatus.FINISHED,
              models: dict[str, Any] | None = None) -> RunStore:
    """Write a run with one committed step per spec.

    Returns:
        The run as the app opens it from disk (unlocked).

    Raises:
        TypeError: A spec's ``extra`` does not fit the record (see :func:`check_extra`).
        AssertionError: A record read back differs from the one written.
    """
    for spec in specs:
        check_extra(spec.extra)
    store = RunStore.create(run_dir, instruction, models=models or {
        "coder": {"provider": "ollama", "model": "coder-7b"},
        "critic": {"provider": "openai", "model": "vl-32b"},
        "feedback": {"provider": "openai", "model": "vl-32b"},
    })
    previous: dict[str, str] = {}
    for index, spec in enumerate(specs, start=1):
        parent = index - 1 or None if spec.parent == "previous" else spec.parent
        files = spec.files if spec.files is not None else (
            default_files(index) if spec.kind is StepKind.EDIT else None)
        texts = files if files is not None else _texts_of(store, parent)
        digests = store.put_files({p: t.encode() for p, t in texts.items()})
        changed = sorted(p for p in set(previous) | set(digests)
                         if previous.get(p) != digests.get(p))
        previous = digests
        shot = None
        if spec.screenshot and spec.kind is StepKind.EDIT:
            shot = solid_png(256, 192, (250, 245, 235), band=(20, 30, 90 + 10 * index % 160))
        record = StepRecord(
            index=index, kind=spec.kind, parent=parent, appearance_grade=spec.appearance,
            gui_grade=spec.gui, has_error=bool(spec.errors), errors=list(spec.errors),
            reply=spec.reply or _reply(texts, spec.kind),
            feedback=spec.feedback or f"Feedback after step {index}.",
            files=digests, files_changed=changed,
            started_at=1_700_000_000.0 + index * 20, finished_at=1_700_000_012.5 + index * 20,
            **spec.extra,
        )
        store.commit_step(record, shot)
    store.update_manifest(status=status, best_step=best)
    return _read_back(store)


def _read_back(written: RunStore) -> RunStore:
    """The run opened afresh from disk, after checking that nothing changed on the way."""
    stored = RunStore.open(written.run_dir)
    assert stored.damaged == [], stored.damaged
    assert stored.manifest == written.manifest, "the manifest changed when read back"
    assert [s.index for s in stored.steps()] == [s.index for s in written.steps()]
    for kept, read in zip(written.steps(), stored.steps(), strict=True):
        lost = [f.name for f in fields(StepRecord)
                if getattr(kept, f.name) != getattr(read, f.name)]
        assert not lost, f"step {kept.index} changed when read back, in: {', '.join(lost)}"
    return stored


def _texts_of(store: RunStore, index: int | None) -> dict[str, str]:
    if not index:
        return {}
    return {p: b.decode() for p, b in store.files_of(index).items()}


def _reply(files: dict[str, str], kind: StepKind) -> str:
    if kind is StepKind.FINISH:
        return '<boltArtifact id="done" title="Done"><boltAction type="finish"/></boltArtifact>'
    if kind is StepKind.GUI_TEST:
        return ('<boltArtifact id="ok" title="Looks right">'
                '<boltAction type="screenshot_validated"/></boltArtifact>')
    body = "".join(f'<boltAction type="file" filePath="{p}">{t}</boltAction>'
                   for p, t in files.items())
    return f'Here is the site.\n<boltArtifact id="site" title="Site">{body}</boltArtifact>'
