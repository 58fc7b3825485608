"""Carrying out one GUI action on the page of the site under test, with bounded time.

What each kind does to the page (click, type, scroll, wait, go back) is in
:mod:`agent_core.gui.page_actions`. Around it the executor keeps these rules, which the agent
can rely on (the system prompt repeats the ones it needs):

- When a click opens a new tab on the same origin the agent continues in that tab; a tab on
  another origin is closed and the action is refused.
- Dialogs (alert, confirm, prompt, beforeunload) are accepted and their message reported.
- Any action that ends on another origin is undone (history back or forward, else the
  previous URL is loaded again) and reported as refused.
- After an action the page gets up to ``settle_max_s`` to fire its load event and go quiet
  on the network (then two frames are painted); a page still loading by then is
  screenshot as it is and the outcome says what it was still waiting for.
- Nothing raises: a missing element, a timeout, a crashed tab all come back as an outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from playwright.async_api import Dialog, Page, Request
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent_core.browser.activity import PageActivity
from agent_core.browser.navigation import describe_navigation_error
from agent_core.gui.grammar import GuiAction
from agent_core.gui.marks import MarkedElement
from agent_core.gui.page_actions import ActionOutcome, ActionTimes, OutcomeStatus, perform_action
from agent_core.gui.pagetools import (
    close_page_quietly,
    crash_aware,
    first_line,
    same_origin,
    settle_page,
    why_not_clickable,
)

__all__ = ["ActionExecutor", "ActionOutcome", "OutcomeStatus", "close_page_quietly", "same_origin"]

_MAX_REPORTED = 3


@dataclass
class _Watch:
    """What happened on the page while one action ran."""

    dialogs: list[str] = field(default_factory=list)
    popups: list[Page] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class ActionExecutor:
    """Runs GUI actions in one tab of the site under test and reports each outcome.

    Args:
        page: The tab to act in; the executor may move on to a same-origin tab it opens.
        site_url: The start URL; its origin is the site under test.
        action_timeout_s: Upper bound for one action including the settling afterwards.
        element_timeout_s: How long a click or key press may wait for its element.
        wait_s: Length of the Wait action.
        settle_max_s: Longest wait after an action for the page's load event and a quiet
            network (100 ms without requests); a page still loading then is noted.
        load_timeout_s: Longest wait for the start page to load.
    """

    def __init__(
        self,
        page: Page,
        site_url: str,
        *,
        action_timeout_s: float = 20.0,
        element_timeout_s: float = 5.0,
        wait_s: float = 2.0,
        settle_max_s: float = 3.0,
        load_timeout_s: float = 20.0,
    ) -> None:
        self._page = self._first_page = page
        self._site_url = site_url
        self._action_timeout_s = action_timeout_s
        self._times = ActionTimes(element_timeout_s * 1000, wait_s, load_timeout_s)
        self._settle_max_s = settle_max_s
        self._load_timeout_s = load_timeout_s
        self._watch = _Watch()
        self.opened_pages: list[Page] = []
        """Tabs the executor switched to (it closes them in ``close()``)."""
        self.dialogs: list[str] = []
        """Every dialog seen so far, as ``alert "message"``."""
        self._targets: dict[int, str] = {}
        self._context = page.context
        self._context.on("request", self._on_request)  # new tabs' first requests too
        self._listen(page)

    @property
    def page(self) -> Page:
        """The tab the agent currently works in (the previous one if that tab closed itself)."""
        if self._page.is_closed():
            for candidate in reversed([self._first_page, *self.opened_pages]):
                if not candidate.is_closed():
                    self._page = candidate
                    break
        return self._page

    def _listen(self, page: Page) -> None:
        page.on("dialog", self._on_dialog)
        page.on("popup", self._on_popup)

    def _unlisten(self, page: Page) -> None:
        for event, handler in (("dialog", self._on_dialog), ("popup", self._on_popup)):
            try:
                page.remove_listener(event, handler)
            except (KeyError, ValueError):
                pass

    async def _on_dialog(self, dialog: Dialog) -> None:
        text = f'{dialog.type} "{dialog.message}"'
        self._watch.dialogs.append(text)
        self.dialogs.append(text)
        try:
            await dialog.accept(dialog.default_value if dialog.type == "prompt" else None)
        except PlaywrightError:
            pass  # the page went away meanwhile

    def _on_request(self, request: Request) -> None:
        """Remember where each tab last tried to go: a blocked page shows only an error URL."""
        if not request.is_navigation_request():
            return
        try:
            frame = request.frame
        except PlaywrightError:  # a new tab's first navigation comes before its frame
            self._targets[0] = request.url
            return
        if frame.parent_frame is None:
            self._targets[id(frame.page)] = request.url

    def _where(self, page: Page) -> str:
        """The tab's URL, or the address it failed to load when it shows Chromium's error."""
        url = page.url
        if url.startswith("chrome-error://"):
            return self._targets.get(id(page)) or self._targets.get(0, url)
        return url

    def _on_popup(self, popup: Page) -> None:
        self._watch.popups.append(popup)

    async def close(self) -> None:
        """Stop listening and close the tabs the executor opened; the first tab stays."""
        try:
            self._context.remove_listener("request", self._on_request)
        except (KeyError, ValueError):
            pass
        for page in [self._first_page, *self.opened_pages]:
            self._unlisten(page)
        for page in self.opened_pages:
            await close_page_quietly(page)
        self.opened_pages.clear()

    async def open(self, url: str) -> ActionOutcome:
        """Load the start page and let it settle.

        Returns:
            ``done``, or ``error``/``timed_out`` with the reason the page did not load.
        """
        activity = PageActivity(self._page)
        activity.attach()
        try:
            await self._page.goto(url, wait_until="load", timeout=self._load_timeout_s * 1000)
            await self._settle(self._page, activity)
        except PlaywrightTimeout:
            waiting = activity.pending()[:_MAX_REPORTED]
            still = f"; still waiting for: {', '.join(waiting)}" if waiting else ""
            return ActionOutcome(
                "timed_out",
                f"{url} did not finish loading within {self._load_timeout_s:g} s{still}. A "
                "request may be hanging, or a script may be stuck before the page's load event",
            )
        except PlaywrightError as error:
            return ActionOutcome("error", describe_navigation_error(url, error.message))
        finally:
            activity.detach()
        return ActionOutcome("done", f"opened {url}")

    async def execute(self, action: GuiAction, elements: Sequence[MarkedElement]) -> ActionOutcome:
        """Carry out ``action`` on the current tab.

        Args:
            action: The parsed action (an ANSWER is accepted without touching the page).
            elements: The elements marked on the screenshot the model saw.

        Returns:
            The outcome; never raises for a page fault (only cancellation propagates).
        """
        if action.kind == "answer":
            return ActionOutcome("done", "answer recorded")
        page = self.page
        before = page.url
        self._watch = _Watch()
        activity = PageActivity(page)
        activity.attach()
        try:
            return await asyncio.wait_for(
                self._run(action, elements, page, before, activity), self._action_timeout_s
            )
        except TimeoutError:
            return ActionOutcome(
                "timed_out",
                f"{action.describe()}: the page did not respond within "
                f"{self._action_timeout_s:g} s; a script may be stuck",
            )
        except PlaywrightTimeout as error:
            return ActionOutcome("timed_out", f"{action.describe()}: {why_not_clickable(error)}")
        except PlaywrightError as error:
            return ActionOutcome("error", f"{action.describe()} failed: {crash_aware(error)}")
        except Exception as error:  # a bug must not end the test; the outcome names it
            return ActionOutcome("error", f"{action.describe()} failed: {first_line(error)}")
        finally:
            activity.detach()

    async def _run(
        self,
        action: GuiAction,
        elements: Sequence[MarkedElement],
        page: Page,
        before: str,
        activity: PageActivity,
    ) -> ActionOutcome:
        outcome = await perform_action(action, elements, page, self._times)
        if outcome.status in ("element_missing", "timed_out") and not self._watch.dialogs:
            return outcome
        await self._settle(page, activity)
        notes: list[str] = []
        popup_outcome = await self._handle_popups(notes)
        left = await self._keep_on_site(action, before)
        if left is not None:
            outcome = left
        elif popup_outcome is not None:
            outcome = popup_outcome
        notes += self._page_notes(before, activity)
        return ActionOutcome(outcome.status, " ".join([outcome.detail, *notes]))

    async def _settle(self, page: Page, activity: PageActivity) -> None:
        """Let the page settle; note when it is still loading after ``settle_max_s``."""
        state = await settle_page(page, activity, self._settle_max_s)
        if state == "settled":
            return
        waiting = ", ".join(activity.pending()[:_MAX_REPORTED])
        seconds = f"{self._settle_max_s:g} s"
        if state == "loading":
            still = f" (still waiting for: {waiting})" if waiting else ""
            note = (
                f"The page had not finished loading after {seconds}{still}; the screenshot "
                "shows what has arrived so far."
            )
        else:
            note = f"Requests were still running after {seconds}: {waiting}."
        self._watch.notes.append(note)

    async def _handle_popups(self, notes: list[str]) -> ActionOutcome | None:
        """Move on to a same-origin tab the action opened; close and refuse any other."""
        refused: ActionOutcome | None = None
        for popup in self._watch.popups:
            try:
                await popup.wait_for_load_state("domcontentloaded", timeout=5000)
            except PlaywrightError:
                pass
            url = self._where(popup)
            if same_origin(url, self._site_url) and not popup.is_closed():
                self.opened_pages.append(popup)
                self._listen(popup)
                self._page = popup
                notes.append(f"It opened a new tab at {url}; you now see that tab.")
                continue
            await close_page_quietly(popup)
            if url in ("", "about:blank"):
                notes.append("A blank new tab opened; it was closed.")
                continue
            refused = ActionOutcome(
                "refused",
                f"refused: the link leads away from the site under test ({url}); the new tab "
                "was closed and you stay on the site",
            )
        return refused

    async def _keep_on_site(self, action: GuiAction, before: str) -> ActionOutcome | None:
        """Undo an action that left the site's origin; None when the page stayed on it."""
        page = self._page
        url = self._where(page)
        if same_origin(url, self._site_url) or page.is_closed():
            return None
        timeout = self._load_timeout_s * 1000
        try:
            if action.kind == "go_back":
                await page.go_forward(timeout=timeout, wait_until="load")
            else:
                await page.go_back(timeout=timeout, wait_until="load")
            if not same_origin(page.url, self._site_url):
                await page.goto(before, timeout=timeout, wait_until="load")
        except PlaywrightError:
            pass  # reported below with where the page is now
        if action.kind == "click":
            reason = f"refused: the link leads away from the site under test ({url})"
        elif action.kind == "go_back":
            reason = f"refused: going back would leave the site under test (to {url})"
        else:
            reason = f"refused: the action led away from the site under test ({url})"
        return ActionOutcome("refused", f"{reason}; the page went back to {page.url}")

    def _page_notes(self, before: str, activity: PageActivity) -> list[str]:
        notes = []
        for dialog in self._watch.dialogs:
            notes.append(f"The page showed a dialog: {dialog} (accepted).")
        notes += self._watch.notes
        if self._page.url != before:
            notes.append(f"The page is now {self._page.url}.")
        errors = [*activity.page_errors, *activity.console_errors][:_MAX_REPORTED]
        if errors:
            notes.append("The page reported errors: " + "; ".join(e[:200] for e in errors))
        return notes
