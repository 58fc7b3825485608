"""A run directory on disk: self-contained, content-addressed, committed step by step.

Layout (schema version 1, documented in docs/run-directory.md)::

    RUN_DIR/
      manifest.json          instruction, public model settings, status, head, best step
      steps/000001.json      one StepRecord per committed step
      screenshots/000001.png screenshot of the step, when one was taken
      objects/ab/cdef...     file contents, named by their SHA-256 (shared by all steps)
      events.jsonl           the run's events, one JSON object a line (tokens left out)
      workspace/             the live project the coder edits
      logs/                  install and dev-server output

A step exists once its JSON file exists: blobs and the screenshot are written first, the
record last, each through a temporary file and a rename. A ``kill -9`` at any moment
therefore leaves a readable run whose last step is complete.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from agent_core import __version__
from agent_core.errors import RunStoreError
from agent_core.events import AnswerToken, Event, Token
from agent_core.store.atomic import write_bytes_atomic, write_json_atomic
from agent_core.store.locks import LockHeld, is_locked, take_pid_lock
from agent_core.store.records import SCHEMA_VERSION, Manifest, StepRecord

MANIFEST = "manifest.json"
log = logging.getLogger(__name__)


class RunStore:
    """Reads and writes one run directory.

    Use ``RunStore.create`` for a new run and ``RunStore.open`` for an existing one. A
    writer holds an exclusive lock on the directory (released by the OS even on kill -9),
    so two processes never write the same run.
    """

    def __init__(self, run_dir: Path, manifest: Manifest) -> None:
        self.run_dir = run_dir
        self._manifest = manifest
        self._lock_fd: int | None = None
        self._manifest_lock = threading.Lock()
        self._steps: dict[int, StepRecord] = {}
        self._log_failed = False
        self.damaged: list[str] = []
        """Step records that could not be read (left out; ``webgen doctor RUN`` says more)."""
        self._load_steps()

    # -- opening ---------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        run_dir: Path,
        instruction: str,
        *,
        models: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> RunStore:
        """Start a new run in ``run_dir`` (which must not hold a run already)."""
        run_dir = Path(run_dir).resolve()
        if (run_dir / MANIFEST).exists():
            raise RunStoreError(
                f"{run_dir} already holds a run; use `webgen resume {run_dir}` or another --out"
            )
        if run_dir.exists() and any(p.name != "workspace" for p in run_dir.iterdir()):
            raise RunStoreError(f"{run_dir} is not empty; choose a new folder for the run")
        now = time.time()
        manifest = Manifest(
            run_id=uuid.uuid4().hex[:12],
            instruction=instruction,
            created_at=now,
            updated_at=now,
            models=dict(models or {}),
            config=dict(config or {}),
            app_version=__version__,
        )
        for sub in ("steps", "screenshots", "objects", "workspace", "logs"):
            (run_dir / sub).mkdir(parents=True, exist_ok=True)
        write_json_atomic(run_dir / MANIFEST, manifest.to_dict())
        return cls(run_dir, manifest)

    @classmethod
    def open(cls, run_dir: Path) -> RunStore:
        """Open an existing run for reading (call ``lock()`` before writing)."""
        run_dir = Path(run_dir).resolve()
        path = run_dir / MANIFEST
        if not path.exists():
            raise RunStoreError(f"{run_dir} is not a WebGen run (no {MANIFEST})")
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            steps = len(list((run_dir / "steps").glob("*.json")))
            raise RunStoreError(
                f"cannot read {path}: {exc}. The run's {steps} step record(s) are in "
                f"{run_dir / 'steps'}; `webgen doctor {run_dir}` lists what is damaged"
            ) from exc
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise RunStoreError(
                f"{run_dir} uses run-directory schema {version}; this version of WebGen "
                f"Studio reads schema {SCHEMA_VERSION}"
            )
        return cls(run_dir, Manifest.from_dict(data))

    def lock(self) -> None:
        """Take the writer's lock, or explain who holds it."""
        try:
            self._lock_fd = take_pid_lock(self.run_dir / ".lock")
        except LockHeld as held:
            raise RunStoreError(
                f"{self.run_dir} is being run by process {held.holder}; stop it first"
            ) from None

    def is_being_run(self) -> bool:
        """Whether a process (this one included) holds the writer's lock now."""
        return self._lock_fd is not None or is_locked(self.run_dir / ".lock")

    def unlock(self) -> None:
        """Release the writer's lock."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- reading ---------------------------------------------------------------------

    @property
    def manifest(self) -> Manifest:
        """The current manifest."""
        return self._manifest

    @property
    def workspace(self) -> Path:
        """The project folder the coder edits."""
        return self.run_dir / "workspace"

    @property
    def logs_dir(self) -> Path:
        """Where install and server output is mirrored."""
        return self.run_dir / "logs"

    def steps(self) -> list[StepRecord]:
        """Committed steps in index order."""
        return [self._steps[i] for i in sorted(self._steps)]

    def step(self, index: int) -> StepRecord:
        """The committed step ``index``."""
        try:
            return self._steps[index]
        except KeyError:
            raise RunStoreError(f"step {index} does not exist in {self.run_dir}") from None

    def next_index(self) -> int:
        """Index the next committed step will get."""
        return max(self._steps, default=0) + 1

    def read_blob(self, digest: str) -> bytes:
        """Content of the blob ``digest``."""
        try:
            return self._blob_path(digest).read_bytes()
        except OSError as exc:
            raise RunStoreError(f"missing file content {digest[:12]} in {self.run_dir}") from exc

    def files_of(self, index: int) -> dict[str, bytes]:
        """The whole project as it was after step ``index``."""
        return {path: self.read_blob(d) for path, d in self.step(index).files.items()}

    def screenshot_path(self, index: int) -> Path | None:
        """Absolute path of the step's screenshot, if it has one."""
        rel = self.step(index).screenshot
        return self.run_dir / rel if rel else None

    def iter_events(self) -> Iterator[dict[str, Any]]:
        """The stored events, oldest first; a torn last line (after a kill) is skipped."""
        path = self.run_dir / "events.jsonl"
        if not path.exists():
            return
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                with contextlib.suppress(ValueError):
                    yield json.loads(line)

    # -- writing ---------------------------------------------------------------------

    def put_files(self, files: Mapping[str, bytes]) -> dict[str, str]:
        """Store file contents as blobs; return path -> digest. Known blobs cost nothing.

        Raises:
            RunStoreError: A blob could not be written (a full disk, say), with what to do.
        """
        digests = {}
        for path, data in files.items():
            digest = hashlib.sha256(data).hexdigest()
            blob = self._blob_path(digest)
            if not blob.exists():
                with self._saving(f"the content of {path}"):
                    write_bytes_atomic(blob, data)
            digests[path] = digest
        return digests

    def write_artifact(self, rel: str, data: bytes) -> str:
        """Store a file that a step record will point at (write it before the record)."""
        with self._saving(rel):
            write_bytes_atomic(self.run_dir / rel, data)
        return rel

    @contextlib.contextmanager
    def _saving(self, what: str) -> Iterator[None]:
        """Turn a failed write into a message that says what was kept and what to do."""
        try:
            yield
        except OSError as exc:
            full = " (the disk is full)" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else ""
            raise RunStoreError(
                f"could not save {what} in {self.run_dir}: {exc.strerror or exc}{full}. The "
                "step was not kept; the steps before it are intact. Free some space, then "
                "continue the run (Continue in the window, or `webgen resume`)"
            ) from exc

    def commit_step(self, record: StepRecord, screenshot: bytes | None = None) -> StepRecord:
        """Make ``record`` durable; its blobs must have been stored with ``put_files``.

        The screenshot is written before the record, so a committed step never points at
        a missing picture. Also moves the manifest's head to this step.
        """
        if record.index in self._steps:
            raise RunStoreError(f"step {record.index} is already committed")
        if screenshot is not None:
            rel = f"screenshots/{record.index:06d}.png"
            with self._saving(f"the screenshot of step {record.index}"):
                write_bytes_atomic(self.run_dir / rel, screenshot)
            record = replace(record, screenshot=rel)
        with self._saving(f"step {record.index}"):
            write_json_atomic(self.run_dir / "steps" / f"{record.index:06d}.json",
                              record.to_dict())
        self._steps[record.index] = record
        self.set_head(record.index)
        return record

    def set_head(self, index: int | None) -> None:
        """Make ``index`` the step the run continues from."""
        self.update_manifest(head=index, head_set_at=max(self._steps, default=0))

    async def set_head_async(self, index: int | None) -> None:
        """``set_head`` in a worker thread: the event loop (the window's) never waits on disk."""
        await asyncio.to_thread(self.set_head, index)

    @property
    def head(self) -> int | None:
        """The step the run continues from, robust to a kill right after a commit."""
        last = max(self._steps, default=0)
        if last > self._manifest.head_set_at:
            return last
        return self._manifest.head

    def update_manifest(self, **changes: Any) -> Manifest:
        """Change manifest fields atomically (from any thread, one writer at a time)."""
        with self._manifest_lock:
            self._manifest = replace(self._manifest, updated_at=time.time(), **changes)
            with self._saving("the run's manifest"):
                write_json_atomic(self.run_dir / MANIFEST, self._manifest.to_dict())
            return self._manifest

    async def update_manifest_async(self, **changes: Any) -> Manifest:
        """``update_manifest`` in a worker thread (it fsyncs): the event loop never waits."""
        return await asyncio.to_thread(self.update_manifest, **changes)

    def append_event(self, event: Event) -> None:
        """Append ``event`` to events.jsonl (streamed tokens are not kept: the reply is)."""
        if isinstance(event, Token | AnswerToken):
            return
        line = json.dumps(event.to_dict(), ensure_ascii=False)
        try:
            with (self.run_dir / "events.jsonl").open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError as exc:  # a full disk: the steps say what happened, once is enough
            if not self._log_failed:
                log.warning("the event log of %s could not be written (%s); reopening the "
                            "run rebuilds its chat from the step records", self.run_dir,
                            exc.strerror or exc)
            self._log_failed = True

    # -- internals -------------------------------------------------------------------

    def _blob_path(self, digest: str) -> Path:
        return self.run_dir / "objects" / digest[:2] / digest[2:]

    def _load_steps(self) -> None:
        steps_dir = self.run_dir / "steps"
        if not steps_dir.exists():
            return
        for path in sorted(steps_dir.glob("*.json")):
            try:
                record = StepRecord.from_dict(json.loads(path.read_text()))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                # One damaged record must not cost the others: it is left out and named.
                self.damaged.append(f"steps/{path.name} cannot be read ({exc})")
                continue
            self._steps[record.index] = record
