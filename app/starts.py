"""What a new run can start from: nothing, a shipped template, or a project folder.

The templates live in ``resources/templates`` (listed in its ``templates.json``). The same
choice is made by ``webgen run --from TEMPLATE|DIR``, the welcome page and File > New.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from agent_core.agent.start import seed_run
from agent_core.errors import ConfigError
from agent_core.store.run_store import RunStore
from agent_core.store.start import RunStart
from agent_core.workspace.seed import SeedFiles, SeedLimits, StartRefused, read_seed
from app.resources import resource_path

CATALOG = "templates.json"
TEMPLATE_NAMES = ("vite-react", "react-ts", "vue", "svelte", "vanilla", "plain-html")
"""For the command line's help (reading the catalog there would slow every start)."""


@dataclass(frozen=True)
class Template:
    """A starter project shipped with the app.

    Attributes:
        name: Its name on the command line, e.g. ``vite-react``.
        title: Its name in the window, e.g. ``React (Vite)``.
        description: One sentence on what it holds.
        folder: Where its files are.
    """

    name: str
    title: str
    description: str
    folder: Path


@dataclass(frozen=True)
class StartChoice:
    """Where a new run starts.

    Attributes:
        kind: ``empty``, ``template`` or ``folder``.
        name: The template's name or the folder's path.
        title: For the user: ``an empty project``, ``the React (Vite) template``, ...
        folder: The folder to copy from (None for an empty start).
    """

    kind: str = "empty"
    name: str = ""
    title: str = "an empty project"
    folder: Path | None = None


EMPTY = StartChoice()


def templates_root() -> Path:
    """The folder of the shipped templates."""
    return resource_path("templates")


def list_templates(root: Path | None = None) -> list[Template]:
    """The shipped templates in the catalog's order.

    Raises:
        ConfigError: The catalog is missing or damaged (a broken install).
    """
    root = root or templates_root()
    try:
        entries = json.loads((root / CATALOG).read_text(encoding="utf-8"))["templates"]
        return [Template(e["name"], e["title"], e["description"], root / e["name"])
                for e in entries]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"the template list {root / CATALOG} cannot be read ({exc}); "
                          "reinstall WebGen Studio") from exc


def template_choice(template: Template) -> StartChoice:
    """The start for ``template``."""
    return StartChoice("template", template.name, f"the {template.title} template",
                       template.folder)


def folder_choice(folder: Path) -> StartChoice:
    """The start for the project folder ``folder`` (checked when it is read)."""
    folder = Path(folder).expanduser().resolve()
    return StartChoice("folder", str(folder), f"the folder {folder.name}", folder)


def resolve_start(text: str, root: Path | None = None) -> StartChoice:
    """The start named by ``--from``: a template's name, else a folder's path.

    Raises:
        ConfigError: Neither a template nor an existing folder, naming the templates.
    """
    templates = list_templates(root)
    for template in templates:
        if text == template.name:
            return template_choice(template)
    path = Path(text).expanduser()
    if path.is_dir():
        return folder_choice(path)
    names = ", ".join(t.name for t in templates)
    raise ConfigError(f"--from {text}: not a template ({names}) and not a folder")


def read_start(choice: StartChoice, limits: SeedLimits | None = None) -> SeedFiles | None:
    """Read the starting files (None for an empty start), before the run is created.

    Raises:
        StartRefused: The folder is missing, unreadable or over the limits.
    """
    if choice.folder is None:
        return None
    return read_seed(choice.folder, limits)


async def apply_start(store: RunStore, choice: StartChoice, seed: SeedFiles | None) -> None:
    """Put the starting files of ``choice`` into the new run ``store``."""
    if seed is None:
        return
    await seed_run(store, seed, RunStart(choice.kind, choice.name, choice.title))


__all__ = ["EMPTY", "StartChoice", "StartRefused", "Template", "apply_start", "folder_choice",
           "list_templates", "read_start", "resolve_start", "template_choice"]
