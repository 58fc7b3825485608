"""What a run started or continued in the window gets from the toolbar's run limits.

"Candidates per step" shows the open run's count (its manifest's ``candidates``), or, with no
run open, the count the user chose last: kept in the settings file as ``"candidates"``. A run's
``candidates_served`` and ``coder_requests`` are the settings file's when it has them, else
the open run's, else the defaults.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from agent_core.config import CANDIDATES_OFFERED, Provider, RunConfig
from agent_core.errors import ConfigError, WebGenError
from app import settings as app_settings
from app.desktop.ops import Notifier, Ops
from app.doctor_keys import is_loopback
from ui.main_window import MainWindow

SPREAD_KEYS = ("candidates_served", "coder_requests")
"""How a step's candidates are spread out, as ``RunConfig`` and the settings file name it."""


def local_openai_coder(data: Mapping[str, Any]) -> bool:
    """Whether the coder of the settings file (and environment) is an OpenAI-compatible server
    on this computer, as a local llama-cpp-python server is."""
    try:
        coder = app_settings.resolve_model_settings({}, file_data=data).coder
    except WebGenError:
        return False
    return coder.provider is Provider.OPENAI and is_loopback(coder.url)


def local_coder_hint() -> str:
    """The one-line warning shown when several candidates are chosen with a local coder."""
    return ("Your coder runs on this computer: if it is llama-cpp-python, it cuts a reply "
            "short when a second request arrives (the run then asks again, one at a time). "
            "To avoid that, start it with --interrupt_requests False, "
            f"or put \"coder_requests\": 1 in {app_settings.settings_path()}.")


class RunLimitsFlow:
    """Keeps the candidates control, the open run and the settings file in step.

    Args:
        window: The main window (its ``limits`` are the toolbar's spin boxes).
        ops: Runs the saving of the user's count.
        notifier: Where a bad count in the settings file and the local-coder hint go.
    """

    def __init__(self, window: MainWindow, ops: Ops, notifier: Notifier) -> None:
        self.control = window.limits
        self.ops, self.notifier = ops, notifier
        self._chosen = 1  # the user's count: the settings file's, or changed here
        self._saved: int | None = None
        self._preset: int | None = None  # the command line's, until the user changes it
        self._pinned: int | None = None  # the command line's, for the run it names
        self._run_open = False
        self._from_file: dict[str, int] = {}
        self._from_run: dict[str, int] = {}
        self._local_coder = False
        self._hinted = False
        self._changed_here = False
        self._saving = asyncio.Lock()
        self.control.candidatesChosen.connect(self._user_chose)

    # -- what the control shows ----------------------------------------------------------

    def settings_read(self, data: Mapping[str, Any] | None) -> None:
        """The settings file was read (None: it could not be): its counts and its coder."""
        try:
            counts = app_settings.candidate_settings(data or {})
        except ConfigError as exc:
            self.notifier.notify(f"{exc}. Until it is fixed, the window uses its own "
                                 "candidate counts.", "warning")
            counts = {}
        self._saved = counts.get("candidates")
        if not self._changed_here:  # a choice made in this session stands (it is being saved)
            self._chosen = self._preset or self._saved or 1
        self._from_file = {k: v for k, v in counts.items() if k in SPREAD_KEYS}
        self._local_coder = data is not None and local_openai_coder(data)
        self.control.set_local_coder(self._needs_hint())
        if not self._run_open:
            self.control.show_candidates(self._chosen)

    def preset(self, count: int, *, for_next_run: bool) -> None:
        """The command line's count (``webgen gui --candidates N``): shown now and kept for
        this session (not remembered); with ``for_next_run``, the run opened next (the one
        the command line names) continues with it too."""
        self._chosen = self._preset = count
        self._pinned = count if for_next_run else None
        self.control.show_candidates(count)

    def run_opened(self, config: Mapping[str, Any]) -> None:
        """A stored run was opened: the control shows its count (``config``: its manifest's)."""
        config = config if isinstance(config, Mapping) else {}  # an imported run's may be None
        stored = {k: v for k in ("candidates", *SPREAD_KEYS)
                  if isinstance(v := config.get(k), int) and not isinstance(v, bool) and v > 0}
        count, self._pinned = self._pinned or stored.get("candidates", 1), None
        self._from_run = {k: v for k, v in stored.items() if k in SPREAD_KEYS}
        self._run_open = True
        self.control.show_candidates(count)
        if count > CANDIDATES_OFFERED:
            self.notifier.notify(f"This run was made with {count} candidates per step; the "
                                 f"window offers at most {CANDIDATES_OFFERED}, so continuing "
                                 f"it here tries {CANDIDATES_OFFERED}.", "warning")

    def run_created(self) -> None:
        """A new run was made here with the control's count."""
        self._from_run, self._run_open = {}, True

    def run_closed(self) -> None:
        """No run is open: the control shows the user's count again."""
        self._from_run, self._run_open = {}, False
        self.control.show_candidates(self._chosen)

    # -- what a run gets -----------------------------------------------------------------

    def new_run_config(self, base: RunConfig) -> RunConfig:
        """``base`` with the control's count and the candidates' spread."""
        spread = {**self._from_run, **self._from_file}
        return replace(base, candidates=self.control.candidates.value(),
                       candidates_served=spread.get("candidates_served", base.candidates_served),
                       coder_requests=spread.get("coder_requests", base.coder_requests))

    def run_config(self, base: RunConfig, done: int) -> RunConfig:
        """What a start or continue gets: ``done`` steps plus the control's max steps, its
        error limit and candidates."""
        return replace(self.new_run_config(base), max_steps=done + self.control.max_steps.value(),
                       error_limit=self.control.error_limit.value())

    # -- the user's choice ---------------------------------------------------------------

    def _needs_hint(self) -> bool:
        return self._local_coder and self._from_file.get("coder_requests") != 1

    def _user_chose(self, count: int) -> None:
        self._chosen, self._preset, self._changed_here = count, None, True
        if count > 1 and self._needs_hint() and not self._hinted:
            self._hinted = True
            self.notifier.notify(local_coder_hint(), "info")
        self.ops.run("Remember the candidates per step", self._remember())

    async def _remember(self) -> None:
        """Write the user's count to the settings file (the latest one, once)."""
        async with self._saving:
            count = self._chosen
            if count != self._saved:
                await asyncio.to_thread(app_settings.remember_setting, "candidates", count)
                self._saved = count


__all__ = ["RunLimitsFlow", "local_coder_hint", "local_openai_coder"]
