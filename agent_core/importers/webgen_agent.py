"""Import a log directory of the official WebGen-Agent code as a WebGen Studio run.

What the official implementation writes, read in the public repository
``mnluzimu/WebGen-Agent`` (commit 0e84767): ``src/agent/webgen_agent.py`` (``WebGenAgent``:
``step``, ``get_feedback``, ``save_history``, ``choose_best_node``, ``run``),
``src/utils/execute_for_feedback.py``, ``src/utils/get_webvoyager_feedback.py``,
``src/webvoyager/run.py`` (``run_single_task``) and its workspace-state helper
(``directory_to_dict``, ``restore_from_last_step``):

* One log directory per task. After each step ``i`` the agent writes ``step{i}.json``,
  counting from 0. A step that raised an exception is retried under the *next* number,
  so numbers can have gaps.
* A step file is one JSON object: ``messages`` (the whole coder conversation so far: the
  system prompt, the instruction verbatim as the first user message, then reply and
  feedback pairs, each carrying an ``info`` object), ``gui_instruction``, ``files``
  (relative path -> text of every project file, without ``node_modules``, ``dist`` and
  ``package-lock.json``), ``screenshot_grade``, ``webvoyager_grade``, ``pre`` (the step it
  continued from, ``-1`` for the empty start), ``nodes`` (for every step so far, keyed
  ``"step{i}.json"``: the two grades, ``pre`` and ``has_error``) and ``has_error``.
* The kind comes from a plain substring test on the reply: a ``finish`` boltAction (the
  reply's ``info`` then says ``is_finish`` and no feedback follows), a
  ``screenshot_validated`` one (a GUI test), otherwise an edit. The feedback is the user
  message appended right after the reply, in the same file.
* Grades are whatever the models' JSON held: normally ints, but strings or null slip
  through. An edit step resets the GUI grade to 0, so 0 means "not tested"; a GUI test
  whose agent failed also records 0. GUI-test and finish steps keep the screenshot grade
  of the state they stand on. ``has_error`` is forced true at a screenshot grade of 2 or
  lower.
* Screenshots lie beside the step files as ``screenshot_step{i}_{timestamp}.png``; the
  feedback's ``info.feedback.screenshot_path`` names the step's one (an absolute path on
  the machine that ran it). The GUI agent keeps its turns in ``taskstep{i}/screenshot{n}.png``.
* Backtracking (error limit reached, or a retry after an exception) restores the chosen
  step's messages and files and sets ``pre`` to it; with no valid step it starts over
  with ``pre = -1``.
* Resuming rereads the highest-numbered step file and continues with the next number and
  ``pre`` pointing at it, so a resumed log reads like one session. Its traces: a step cut
  off mid-way leaves an extra screenshot of its number (the retaken one is named in the
  feedback), and a resume with a larger ``--max-iter`` continues past the old limit.

The step files name no model and hold no timings or per-action results; those stay empty.
Steps are renumbered densely from 1 in their original order (``manifest.config`` keeps the
mapping). All of this is synchronous file work; async callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_core.errors import RunStoreError, WorkspaceViolation
from agent_core.importers import webgen_agent_fields as fields
from agent_core.importers.webgen_agent_fields import MISSING, UNKNOWN_MODEL, Notes, StepFile
from agent_core.store.evidence import GuiTest, GuiTestSummary, GuiTurn
from agent_core.store.selection import select_best_step

__all__ = ["SOURCE", "UNKNOWN_MODEL", "ImportReport", "import_webgen_agent_log"]
from agent_core.store.records import RunStatus, StepKind, StepRecord
from agent_core.store.run_store import RunStore
from agent_core.workspace.guard import Workspace

SOURCE = "webgen-agent"
NOTE = (
    "Imported from a log directory of the official WebGen-Agent implementation, which "
    "records no model names, timings, per-action results or run limits."
)
_STEP_FILE = re.compile(r"step(\d+)\.json", re.IGNORECASE)
_TURN_FILE = re.compile(r"screenshot(\d+)\.png")
_SUMMARY_KEYS = ("test_passed", "improvement_suggestions", "grade")
_PNG = b"\x89PNG\r\n\x1a\n"


@dataclass
class ImportReport:
    """What an import did.

    Attributes:
        run_dir: The new run directory.
        steps_imported: How many step files became steps.
        problems: One message per odd field of an imported step, starting with its file
            name (``"step7.json: ..."``).
        skipped: One message per step file that could not be imported.
    """

    run_dir: Path
    steps_imported: int
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def import_webgen_agent_log(log_dir: Path, out_dir: Path) -> ImportReport:
    """Turn an official WebGen-Agent log directory into a finished run in ``out_dir``.

    Odd or missing fields never stop the import: each becomes a message in
    ``problems`` and the field is stored as missing (or taken from where the official
    code would have taken it). Nothing outside ``log_dir`` is read, symbolic links
    included, and project paths that would leave the project are skipped.

    Args:
        log_dir: The folder holding ``step0.json``, ``step1.json``, ... and screenshots.
        out_dir: Where the run directory is created (must be new or empty).

    Returns:
        The report: run directory, steps imported, problems and skipped step files.

    Raises:
        RunStoreError: ``log_dir`` is not a directory or holds no readable step file, or
            ``out_dir`` already holds something.
    """
    log_dir = Path(log_dir).resolve()
    steps, skipped = _read_step_files(log_dir)
    problems: list[str] = []
    store = RunStore.create(
        out_dir,
        fields.instruction_of(steps, problems),
        models={"coder": {"model": fields.model_name(steps)}},
        config={
            "imported_from": SOURCE,
            "source": str(log_dir),
            "note": NOTE,
            "source_steps": {str(i): s.name for i, s in enumerate(steps, start=1)},
        },
    )
    store.lock()
    try:
        _Importer(store, log_dir, steps, problems).run()
    except BaseException as exc:
        store.update_manifest(status=RunStatus.FAILED, end_reason=f"import stopped: {exc}")
        raise
    finally:
        store.unlock()
    return ImportReport(store.run_dir, len(steps), problems, skipped)


def _read_step_files(log_dir: Path) -> tuple[list[StepFile], list[str]]:
    if not log_dir.is_dir():
        raise RunStoreError(
            f"{log_dir} is not a directory; expected a WebGen-Agent log directory holding "
            "step0.json, step1.json, ..."
        )
    numbered = sorted(
        (p.name, int(match.group(1)))
        for p in log_dir.iterdir()
        if (match := _STEP_FILE.fullmatch(p.name))
    )
    if not numbered:
        raise RunStoreError(
            f"{log_dir} holds no step files; expected the step0.json, step1.json, ... that "
            "the official WebGen-Agent writes into its log directory"
        )
    found: dict[int, StepFile] = {}
    skipped: list[str] = []
    for name, number in numbered:
        loaded = _load_step(log_dir, name, number)
        if isinstance(loaded, str):
            skipped.append(f"{name}: {loaded}; skipped")
        elif number in found:
            skipped.append(
                f"{name}: step number {number} is taken by {found[number].name}; skipped"
            )
        else:
            found[number] = loaded
    if not found:
        raise RunStoreError(
            f"none of the {len(numbered)} step files in {log_dir} could be read: "
            + "; ".join(skipped)
        )
    return [found[n] for n in sorted(found)], skipped


def _load_step(log_dir: Path, name: str, number: int) -> StepFile | str:
    path = log_dir / name
    if not _inside(path, log_dir):
        return "a symbolic link leading out of the log directory"
    if not path.is_file():
        return "not a regular file"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        mtime = path.stat().st_mtime
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot be read ({exc})"
    except ValueError as exc:
        return f"not valid JSON ({exc})"
    if not isinstance(data, dict):
        return f"holds {fields.json_type(data)} instead of an object"
    return StepFile(number, name, data, mtime)


class _Importer:
    """Commits the step files of one log, in order, into a new run."""

    def __init__(
        self, store: RunStore, log_dir: Path, steps: list[StepFile], problems: list[str]
    ) -> None:
        self.store = store
        self.log_dir = log_dir
        self.steps = steps
        self.problems = problems
        self.numbers = {s.number: i for i, s in enumerate(steps, start=1)}
        self.workspace = Workspace(store.workspace)
        self.test_instruction = next(
            (
                s.data["gui_instruction"]
                for s in reversed(steps)
                if fields.text_field(s.data, "gui_instruction")
            ),
            None,
        )

    def run(self) -> None:
        for position, step in enumerate(self.steps):
            following = self.steps[position + 1] if position + 1 < len(self.steps) else None
            self._commit(position, step, following)
        self._finish()

    def _commit(self, position: int, step: StepFile, following: StepFile | None) -> None:
        note = Notes(step.name, self.problems)
        reply, reply_info, feedback, info = fields.conversation(step, following, note)
        kind = fields.step_kind(reply, reply_info)
        parent = self._parent(position, step, note)
        appearance, gui, has_error = fields.step_grades(step, note)
        files = self._files(step, parent, note)
        base = self.store.step(parent).files if parent else {}
        index = position + 1
        record = StepRecord(
            index=index,
            kind=kind,
            parent=parent,
            appearance_grade=appearance,
            gui_grade=gui,
            has_error=has_error,
            reply=reply,
            feedback=feedback,
            files=files,
            files_changed=sorted(p for p in base | files if base.get(p) != files.get(p)),
            critic=fields.critic_report(info) if kind is StepKind.EDIT else None,
            gui=self._gui(index, step, info, note) if kind is StepKind.GUI_TEST else None,
            errors=fields.error_reasons(info, appearance, kind) if has_error else [],
            started_at=step.mtime,
            finished_at=step.mtime,
        )
        shot = self._screenshot(step.number, info, note) if kind is StepKind.EDIT else None
        self.store.commit_step(record, shot)

    def _parent(self, position: int, step: StepFile, note: Notes) -> int | None:
        raw = fields.step_field(step, "pre", note)
        if raw is MISSING:
            if position == 0:
                note("pre is missing; continued from the empty start")
                return None
            previous = self.steps[position - 1].name
            note(f"pre is missing; continued from {previous}, the step file before it")
            return position
        if raw is None or (isinstance(raw, int) and not isinstance(raw, bool) and raw == -1):
            return None
        if isinstance(raw, bool) or not isinstance(raw, int):
            note(f"pre {raw!r} is not a step number; continued from the empty start")
        elif raw >= step.number:
            note(f"pre {raw} is not an earlier step; continued from the empty start")
        elif raw not in self.numbers:
            note(
                f"pre {raw} names step{raw}.json, which was not imported; "
                "continued from the empty start"
            )
        else:
            return self.numbers[raw]
        return None

    def _files(self, step: StepFile, parent: int | None, note: Notes) -> dict[str, str]:
        raw = step.data.get("files", step.data.get("workspace_files", MISSING))
        if not isinstance(raw, dict):
            what = "missing" if raw is MISSING else f"{fields.json_type(raw)}, not an object"
            note(f"files is {what}; kept the files of the step it continued from")
            return dict(self.store.step(parent).files) if parent else {}
        contents: dict[str, bytes] = {}
        for path, text in raw.items():
            try:
                real = self.workspace.resolve(path, verb="import")
            except WorkspaceViolation as exc:
                note(f"files: {exc}; skipped")
                continue
            if not isinstance(text, str):
                note(f"files: '{path}' holds {fields.json_type(text)}, not text; skipped")
                continue
            contents[real.relative_to(self.workspace.root).as_posix()] = text.encode(
                "utf-8", "replace"
            )
        return self.store.put_files(contents)

    def _screenshot(self, number: int, info: dict[str, Any], note: Notes) -> bytes | None:
        named = fields.basename(fields.as_dict(info.get("feedback")).get("screenshot_path"))
        if named and ((self.log_dir / named).is_symlink() or (self.log_dir / named).exists()):
            return self._read_png(named, note, "imported without a screenshot")
        own = re.compile(rf"screenshot_step{number}(_[^/]*)?\.png")
        # Timestamps sort in time order: when a step was retaken, the latest is its picture.
        taken = sorted(
            (p.name for p in self.log_dir.iterdir() if own.fullmatch(p.name)), reverse=True
        )
        if named:
            note(
                f"screenshot {named} named in the feedback is not in the log directory; "
                + (f"used {taken[0]}" if taken else "imported without a screenshot")
            )
        return self._read_png(taken[0], note, "imported without a screenshot") if taken else None

    def _read_png(self, rel: str, note: Notes, outcome: str) -> bytes | None:
        path = self.log_dir / rel
        if not _inside(path, self.log_dir):
            note(f"{rel} is a symbolic link leading out of the log directory; {outcome}")
            return None
        try:
            data = path.read_bytes()
        except OSError as exc:
            note(f"{rel} cannot be read ({exc.strerror or exc}); {outcome}")
            return None
        if not data.startswith(_PNG):
            note(f"{rel} is not a PNG image; {outcome}")
            return None
        return data

    def _gui(self, index: int, step: StepFile, info: dict[str, Any], note: Notes) -> GuiTest:
        feedback = fields.as_dict(info.get("feedback"))
        summary = feedback.get("webvoyager_feedback")
        if isinstance(summary, dict):  # the grading's own keys; the rest is the official log's
            summary = {key: summary[key] for key in _SUMMARY_KEYS if key in summary}
        return GuiTest(
            test_instruction=fields.text_field(step.data, "gui_instruction") or None,
            turns=self._turns(index, step.number, note),
            summary=GuiTestSummary.from_dict(summary) if isinstance(summary, dict) else None,
            raw_summary=fields.text_field(feedback, "webvoyager_text") or None,
        )

    def _turns(self, index: int, number: int, note: Notes) -> tuple[GuiTurn, ...]:
        folder = f"taskstep{number}"
        if not (self.log_dir / folder).is_dir():
            return ()
        if not _inside(self.log_dir / folder, self.log_dir):
            note(
                f"{folder} is a symbolic link leading out of the log directory; "
                "GUI-agent screenshots not imported"
            )
            return ()
        shots = sorted(
            (int(m.group(1)), p.name)
            for p in (self.log_dir / folder).iterdir()
            if (m := _TURN_FILE.fullmatch(p.name))
        )
        turns = []
        for turn, name in shots:
            data = self._read_png(f"{folder}/{name}", note, "GUI-agent turn not imported")
            if data is not None:
                rel = self.store.write_artifact(f"gui/{index:06d}/turn-{turn:02d}.png", data)
                turns.append(GuiTurn(index=turn, screenshot=rel))
        return tuple(turns)

    def _finish(self) -> None:
        best = select_best_step(self.store.steps())
        if best is not None:
            self.workspace.restore(self.store.files_of(best.index))
        self.store.set_head(best.index if best else None)
        finished = any(s.kind is StepKind.FINISH for s in self.store.steps())
        self.store.update_manifest(
            status=RunStatus.FINISHED,
            best_step=best.index if best else None,
            end_reason="finish" if finished else "the log ends without a finish step",
            test_instruction=self.test_instruction,
        )


# -- small helpers --------------------------------------------------------------------


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path``, symbolic links followed, stays inside ``root`` (already resolved)."""
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop
        return False
