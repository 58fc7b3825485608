"""What a run started from: nothing, a template or a project folder, with its files.

The files are kept as blobs like a step's, listed in ``start.json`` beside the manifest, so
going back to "the start" (a backtrack past the first step, undoing an unfinished first
step) puts the template or folder back rather than emptying the project.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agent_core.store.atomic import write_json_atomic
from agent_core.store.run_store import RunStore

START_FILE = "start.json"


@dataclass(frozen=True)
class RunStart:
    """The starting point of a run.

    Attributes:
        kind: ``empty``, ``template`` or ``folder``.
        name: The template's name or the folder's path ('' for an empty start).
        title: How to name it to the user, e.g. ``the React (Vite) template``.
        files: Relative path to blob digest of every starting file.
        left_out: Files of the source that were not copied, each with the reason.
    """

    kind: str = "empty"
    name: str = ""
    title: str = ""
    files: dict[str, str] = field(default_factory=dict)
    left_out: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"kind": self.kind, "name": self.name, "title": self.title,
                "files": dict(self.files), "left_out": list(self.left_out)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunStart:
        """Rebuild from :meth:`to_dict`'s form."""
        files = data.get("files")
        left = data.get("left_out")
        return cls(kind=str(data.get("kind", "empty")), name=str(data.get("name", "")),
                   title=str(data.get("title", "")),
                   files={str(k): str(v) for k, v in files.items()}
                   if isinstance(files, dict) else {},
                   left_out=tuple(str(x) for x in left) if isinstance(left, list) else ())


def record_start(store: RunStore, start: RunStart, files: Mapping[str, bytes]) -> RunStart:
    """Keep ``files`` as the run's starting files (blobs first, then ``start.json``).

    Raises:
        RunStoreError: The disk refused a write (say, it is full).
    """
    digests = store.put_files(files)
    recorded = RunStart(start.kind, start.name, start.title, digests, start.left_out)
    write_json_atomic(store.run_dir / START_FILE, recorded.to_dict())
    return recorded


def read_start(store: RunStore) -> RunStart:
    """The run's starting point; an empty start when none was recorded or it is unreadable."""
    try:
        data = json.loads((store.run_dir / START_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return RunStart()
    return RunStart.from_dict(data) if isinstance(data, dict) else RunStart()


def start_files(store: RunStore) -> dict[str, bytes]:
    """The starting files' contents ({} for an empty start)."""
    return {path: store.read_blob(d) for path, d in read_start(store).files.items()}
