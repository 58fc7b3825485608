"""The images a user attached, kept in the run folder's ``inputs/`` and named by content.

Events and records hold only the relative paths (``inputs/<hash>.png``): the pictures are
never inlined in ``events.jsonl`` or a step record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from agent_core.errors import RunStoreError
from agent_core.store.run_store import RunStore

INPUTS = "inputs"


def save_input_images(store: RunStore, images: Iterable[tuple[str, bytes]]) -> tuple[str, ...]:
    """Write ``(file name, bytes)`` pairs into ``inputs/``; returns their relative paths.

    A name already there is the same picture (names are content hashes) and is not written
    again.

    Raises:
        RunStoreError: A file could not be written (a full disk), with what to do.
    """
    paths = []
    for name, data in images:
        rel = f"{INPUTS}/{PurePosixPath(name).name}"
        if not (store.run_dir / rel).exists():
            store.write_artifact(rel, data)
        paths.append(rel)
    return tuple(dict.fromkeys(paths))


def attach_to_instruction(store: RunStore, images: Iterable[tuple[str, bytes]]) -> list[str]:
    """Save the pictures that came with a new run's instruction and name them in its manifest.

    Raises:
        RunStoreError: A file could not be written.
    """
    paths = list(save_input_images(store, images))
    if paths:
        store.update_manifest(images=paths)
    return paths


def read_input_images(store: RunStore, paths: Sequence[str]) -> list[bytes]:
    """The bytes of attached images, in order.

    Raises:
        RunStoreError: One is missing or unreadable (named, with the run folder).
    """
    found = []
    for rel in paths:
        path = store.run_dir / rel
        if PurePosixPath(rel).parts[:1] != (INPUTS,) or ".." in PurePosixPath(rel).parts:
            raise RunStoreError(f"{rel} is not an attached image of {store.run_dir}")
        try:
            found.append(path.read_bytes())
        except OSError as exc:
            raise RunStoreError(
                f"the attached image {rel} of {store.run_dir} cannot be read "
                f"({exc.strerror or exc}); attach it again with your next request") from exc
    return found


__all__ = ["INPUTS", "attach_to_instruction", "read_input_images", "save_input_images"]
