"""The GUI agent on real pages: a scripted vision model picks numbers from the element list
it was sent (real OpenAI client over loopback), and the effects are checked in Chromium."""

from __future__ import annotations

import pytest

from agent_core.gui.marks import mark_page
from tests.agent_core.gui.helpers import (
    WRITTEN_REPLY,
    Playbook,
    ScrollUntil,
    assert_annotated,
    clicker,
    run_agent,
)
from tests.support.agent import FeedbackScript

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

TASK = "Check that the page's features work."
HELD_START = (
    "<!doctype html><html><head><title>Report</title></head><body><h1>Report</h1>"
    '<button id="press" onclick="this.textContent = \'Pressed\'">Press</button>'
)
"""The first bytes of a page whose server never sends the rest."""


async def plain_and_marked(page, url):
    """A plain screenshot of ``url`` freshly loaded, and its marking."""
    await page.goto(url)
    plain = await page.screenshot()
    return plain, await mark_page(page)


async def test_the_counter_really_counts_and_each_turn_is_recorded(server, sites, page):
    url = sites.app.url("/counter.html")
    trajectory = await run_agent(server, clicker(3), page, url, TASK)
    assert trajectory.end_kind == "answered" and trajectory.answer == "YES - it counts"
    assert await page.text_content("#count") == "3"
    turns = trajectory.turns
    assert [t.action_text for t in turns] == ["Click [0]"] * 3 + ["ANSWER; YES - it counts"]
    assert [t.outcome_status for t in turns] == ["done"] * 4
    assert turns[0].outcome_detail == 'clicked [0] <button> "Increment"'
    assert all(set(t.timings) == {"mark", "model", "action"} for t in turns)
    # The trajectory keeps the annotated screenshot each turn's model saw.
    assert [r.images[-1] for r in server.chat_requests] == [t.png for t in turns]
    plain, marked = await plain_and_marked(page, url)
    assert_annotated(turns[0].png, plain, marked.elements[0].box)
    assert len({t.png for t in turns}) == 4, "the count differs on every screenshot"


async def test_submitting_the_form_empty_shows_the_validation_error(server, sites, page):
    playbook = Playbook('Click [<"Sign up">]', "ANSWER; NO - the form only shows an error")
    earlier = len(sites.app.requested)
    trajectory = await run_agent(server, playbook, page, sites.app.url("/signup.html"), TASK)
    assert trajectory.end_kind == "answered"
    assert await page.text_content("#error") == "Name is required. Enter a valid email."
    assert page.url == sites.app.url("/signup.html")
    assert not any(path.startswith("/welcome") for path in sites.app.requested[earlier:])
    assert trajectory.turns[0].outcome_status == "done"
    assert "The page is now" not in trajectory.turns[0].outcome_detail


async def test_a_valid_form_is_submitted_and_the_stored_test_holds_every_turn(
    make_tester, sites, page
):
    playbook = Playbook(
        'Type [<placeholder="Your name">]; Ada',
        'Type [<placeholder="Email address">]; ada@example.com',
        'Click [<"Sign up">]',
        "ANSWER; YES - the sign-up succeeded",
    )
    feedback = FeedbackScript(WRITTEN_REPLY, [{"test_passed": True, "grade": 5}])
    tester = make_tester(playbook, feedback)
    outcome = await tester.test(sites.app.url("/signup.html"), "A newsletter sign-up form", 1)
    assert outcome.errors == [] and outcome.gui_grade == 5
    assert "/welcome.html?name=Ada&email=ada%40example.com" in sites.app.requested
    details = outcome.details
    welcome = sites.app.url("/welcome.html?name=Ada&email=ada%40example.com")
    assert [t.status for t in details.turns] == ["done"] * 4
    assert [t.url for t in details.turns] == [sites.app.url("/signup.html")] * 3 + [welcome]
    assert "typed 'Ada' into" in details.turns[0].detail
    assert "(Enter was not pressed)" in details.turns[0].detail
    assert details.turns[2].detail.endswith(f"The page is now {welcome}.")
    assert details.answer == "YES - the sign-up succeeded"
    plain, marked = await plain_and_marked(page, sites.app.url("/signup.html"))
    assert_annotated(details.turns[0].png, plain, marked.elements[0].box)
    # What the fields held is on the next screenshot's list.
    assert 'value="ada@example.com"' in playbook.listings[2]


async def test_the_agent_follows_the_links_between_three_pages(server, sites, page):
    playbook = Playbook(
        'Click [<"Menu">]',
        'Click [<"Contact">]',
        "GoBack",
        'Click [<"Home">]',
        "ANSWER; YES - every page opens",
    )
    home = sites.app.url("/nav/index.html")
    trajectory = await run_agent(server, playbook, page, home, TASK)
    assert trajectory.end_kind == "answered"
    menu, contact = sites.app.url("/nav/menu.html"), sites.app.url("/nav/contact.html")
    assert [t.url for t in trajectory.turns] == [home, menu, contact, menu, home]
    assert page.url == home and await page.title() == "Home - Bakery"
    assert trajectory.turns[1].outcome_detail.endswith(f"The page is now {contact}.")
    assert trajectory.turns[2].outcome_detail == f"went back one page The page is now {menu}."


async def test_a_modal_opens_its_form_saves_and_closes(server, sites, page):
    playbook = Playbook(
        'Click [<"Edit profile">]',
        'Type [<placeholder="Display name">]; Grace',
        'Click [<"Save">]',
        'Click [<"Edit profile">]',
        'Click [<aria-label="Close">]',
        "ANSWER; YES - the profile can be edited",
    )
    trajectory = await run_agent(server, playbook, page, sites.app.url("/modal.html"), TASK)
    assert trajectory.end_kind == "answered"
    assert await page.text_content("#shown") == "Grace"
    assert not await page.is_visible("#backdrop")
    closed, opened = playbook.listings[0], playbook.listings[1]
    assert "Display name" not in closed and '<button> "Edit profile"' in closed
    # While the modal is open the page behind its backdrop cannot be clicked.
    assert '<button> "Edit profile"' not in opened
    assert 'placeholder="Display name"' in opened and 'aria-label="Close"' in opened
    assert [t.outcome_status for t in trajectory.turns] == ["done"] * 6


async def test_a_button_below_the_screen_is_marked_only_after_scrolling(server, sites, page):
    playbook = Playbook(ScrollUntil('"Subscribe"'), 'Click [<"Subscribe">]', "ANSWER; YES")
    trajectory = await run_agent(server, playbook, page, sites.app.url("/far.html"), TASK)
    assert trajectory.end_kind == "answered"
    assert await page.text_content("#subscribe") == "Subscribed"
    actions = [t.action_text for t in trajectory.turns]
    scrolls = actions.count("Scroll [WINDOW]; down")
    assert scrolls >= 2 and actions[:scrolls] == ["Scroll [WINDOW]; down"] * scrolls
    assert all("Subscribe" not in listing for listing in playbook.listings[:scrolls])
    assert '"Subscribe"' in playbook.listings[scrolls]
    assert trajectory.turns[scrolls].outcome_detail.startswith("clicked [")


async def test_malformed_actions_and_wrong_numbers_change_nothing(server, sites, page):
    playbook = Playbook(
        'Click [<"Increment">] twice',
        "Click",
        "Click [42]",
        "Scroll [WINDOW]; sideways",
        'Type [<"Increment">]; 5',
        'Click [<"Increment">]',
        "ANSWER; PARTIAL",
    )
    trajectory = await run_agent(server, playbook, page, sites.app.url("/counter.html"), TASK)
    assert trajectory.end_kind == "answered"
    assert await page.text_content("#count") == "1", "only the one valid click counted"
    turns = trajectory.turns
    assert [t.outcome_status for t in turns] == [
        "error", "error", "element_missing", "error", "error", "done", "done"
    ]  # fmt: skip
    assert [t.action is None for t in turns[:4]] == [True, True, False, True]
    assert "unexpected text after Click [0]: 'twice'" in turns[0].outcome_detail
    assert turns[1].outcome_detail == (
        "could not read the reply: Click needs an element number, e.g. Click [3]"
    )
    assert turns[2].outcome_detail == "there is no element [42]; the numbers go from 0 to 2"
    assert "Scroll needs a direction" in turns[3].outcome_detail
    assert turns[4].outcome_detail.endswith(
        "does not take text; Type into an input, textarea or select, or Click it"
    )
    # Each mistake is explained to the model on its next turn.
    texts = [r.last_user_text for r in server.chat_requests]
    assert "element_missing: there is no element [42]" in texts[3]


@pytest.mark.timeout(30)
async def test_a_start_page_that_never_finishes_loading_ends_the_test(server, sites, page):
    sites.app.hold("/never.html", HELD_START)
    trajectory = await run_agent(
        server, Playbook(), page, sites.app.url("/never.html"), TASK, load_timeout_s=1.5
    )
    # Ended by the agent's own 1.5 s limit, as the message says, not by the page.
    assert trajectory.end_kind == "page_error" and trajectory.turns == []
    assert trajectory.ended_because == (
        f"could not open the site: {sites.app.url('/never.html')} did not finish loading "
        f"within 1.5 s; still waiting for: {sites.app.url('/never.html')}. A request may be "
        "hanging, or a script may be stuck before the page's load event"
    )
    assert server.chat_requests == []


@pytest.mark.timeout(30)
async def test_a_link_to_a_page_that_never_finishes_loading_is_noted(server, sites, page):
    sites.app.pages["/to-report.html"] = '<a href="/report.html">Monthly report</a>'
    sites.app.hold("/report.html", HELD_START)
    playbook = Playbook('Click [<"Monthly report">]', 'Click [<"Press">]', "ANSWER; PARTIAL")
    trajectory = await run_agent(
        server, playbook, page, sites.app.url("/to-report.html"), TASK, settle_max_s=1.0
    )
    assert trajectory.end_kind == "answered"
    report = sites.app.url("/report.html")
    first = trajectory.turns[0]
    assert first.outcome_status == "done"
    assert (
        f"The page had not finished loading after 1 s (still waiting for: {report}); the "
        "screenshot shows what has arrived so far."
    ) in first.outcome_detail
    # What has arrived can be used.
    assert trajectory.turns[1].url == report
    assert await page.text_content("#press") == "Pressed"
