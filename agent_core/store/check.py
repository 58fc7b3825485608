"""What is damaged in a run folder: ``webgen doctor RUN_DIR``.

Reads everything a run's records point at (file contents by hash, screenshots, the GUI
turns' pictures), the manifest and the event log, and names each thing that is missing or
does not match, with what it costs. It never changes the folder.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from agent_core.errors import RunStoreError
from agent_core.store.run_store import MANIFEST, RunStore


@dataclass
class RunCheck:
    """The outcome of checking one run folder.

    Attributes:
        run_dir: The folder.
        steps: Step records that could be read.
        problems: One sentence per damaged thing, saying what is lost.
    """

    run_dir: Path
    steps: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def damaged(self) -> bool:
        """Whether anything is damaged."""
        return bool(self.problems)


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _check_blobs(store: RunStore, check: RunCheck) -> None:
    seen: dict[str, str | None] = {}
    for step in store.steps():
        for rel, digest in step.files.items():
            if digest not in seen:
                blob = store.run_dir / "objects" / digest[:2] / digest[2:]
                seen[digest] = None if not blob.is_file() else _digest(blob)
            got = seen[digest]
            if got is None:
                check.problems.append(f"step {step.index}: the content of {rel} is missing "
                                      f"(objects/{digest[:2]}/{digest[2:12]}…); that step "
                                      "cannot be restored or exported whole")
            elif got != digest:
                check.problems.append(f"step {step.index}: the content of {rel} is damaged "
                                      "(its hash does not match)")


def _check_pictures(store: RunStore, check: RunCheck) -> None:
    for step in store.steps():
        wanted = [step.screenshot] if step.screenshot else []
        if step.gui is not None:
            wanted += [t.screenshot for t in step.gui.turns if isinstance(t.screenshot, str)]
        for rel in wanted:
            if rel and not (store.run_dir / rel).is_file():
                check.problems.append(f"step {step.index}: the picture {rel} is missing "
                                      "(the step's grades and files are intact)")


def _check_events(run_dir: Path, check: RunCheck) -> None:
    path = run_dir / "events.jsonl"
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return
    except OSError as exc:
        check.problems.append(f"events.jsonl cannot be read ({exc}); the chat of a reopened "
                              "run is rebuilt from the step records")
        return
    bad = 0
    for number, line in enumerate(lines, start=1):
        try:
            json.loads(line)
        except ValueError:
            if number < len(lines):  # a torn last line is what a kill leaves: not damage
                bad += 1
    if bad:
        check.problems.append(f"events.jsonl has {bad} unreadable line(s); they are skipped "
                              "when the run is reopened")


def check_run(run_dir: Path) -> RunCheck:
    """Check ``run_dir`` and say what is damaged (nothing is changed)."""
    run_dir = Path(run_dir).resolve()
    check = RunCheck(run_dir)
    try:
        store = RunStore.open(run_dir)
    except RunStoreError as exc:
        check.problems.append(f"{MANIFEST}: {exc}")
        return check
    check.steps = len(store.steps())
    check.problems += [f"{what}; that step is left out" for what in store.damaged]
    _check_blobs(store, check)
    _check_pictures(store, check)
    _check_events(run_dir, check)
    return check
