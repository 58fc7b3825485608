"""Carrying out GUI actions on a real page: typing, clicking, dialogs, tabs, leaving the site."""

from __future__ import annotations

import asyncio

import pytest

from agent_core.gui.executor import ActionExecutor, same_origin
from agent_core.gui.grammar import GuiAction
from agent_core.gui.marks import MarkedElement, mark_page

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


def number(elements: list[MarkedElement], text: str) -> int:
    found = [e.number for e in elements if text in (e.text, e.placeholder)]
    assert len(found) == 1, f"{text!r} not marked once"
    return found[0]


async def opened(page, sites, **options) -> tuple[ActionExecutor, list[MarkedElement]]:
    executor = ActionExecutor(page, sites.app.url("/"), wait_s=0.1, **options)
    assert (await executor.open(sites.app.url("/"))).status == "done"
    return executor, (await mark_page(page)).elements


async def test_typing_then_clicking_shows_the_result(sites, page):
    executor, elements = await opened(page, sites)
    typed = await executor.execute(
        GuiAction("type", number(elements, "Stock code"), "AAPL"), elements
    )
    assert typed.status == "done"
    assert (
        typed.detail
        == "typed 'AAPL' into [0] <input type=text> \"Stock code\" (Enter was not pressed)"
    )
    assert await page.input_value("#code") == "AAPL"
    assert await page.text_content("#result") == ""
    clicked = await executor.execute(GuiAction("click", number(elements, "Look up")), elements)
    assert clicked.status == "done" and 'clicked [1] <button> "Look up"' in clicked.detail
    assert (await page.text_content("#result")).startswith("Price of AAPL: 42.00")
    # Typing again replaces the text rather than appending to it.
    await executor.execute(GuiAction("type", number(elements, "Stock code"), "MSFT"), elements)
    assert await page.input_value("#code") == "MSFT"
    await executor.close()


async def test_enter_submits_a_search_but_not_one_field_of_a_login_form(sites, page):
    executor, elements = await opened(page, sites)
    search = await executor.execute(
        GuiAction("type", number(elements, "Search news"), "rates"), elements
    )
    assert search.detail.endswith("and pressed Enter")
    assert await page.text_content("#news-result") == "News about rates"
    user = await executor.execute(
        GuiAction("type", number(elements, "Username"), "admin"), elements
    )
    assert "Enter was not pressed" in user.detail
    assert await page.text_content("#login-result") == ""
    await executor.execute(GuiAction("type", number(elements, "Password"), "admin123456"), elements)
    await executor.execute(GuiAction("click", number(elements, "Log in")), elements)
    assert await page.text_content("#login-result") == "Welcome admin"
    await executor.close()


async def test_numbers_not_on_the_page_are_element_missing(sites, page):
    executor, elements = await opened(page, sites)
    missing = await executor.execute(GuiAction("click", 999), elements)
    assert missing.status == "element_missing"
    assert (
        missing.detail == f"there is no element [999]; the numbers go from 0 to {len(elements) - 1}"
    )
    # The page re-rendered the button after the screenshot: its number is gone too.
    await page.evaluate(
        "document.getElementById('lookup').replaceWith("
        "Object.assign(document.createElement('button'), {textContent: 'Look up'}))"
    )
    stale = await executor.execute(GuiAction("click", number(elements, "Look up")), elements)
    assert stale.status == "element_missing" and "no longer on the page" in stale.detail
    wrong = await executor.execute(GuiAction("type", number(elements, "Save"), "x"), elements)
    assert wrong.status == "error" and "does not take text" in wrong.detail
    await executor.close()


async def test_a_link_to_another_origin_is_refused_and_the_page_stays(sites, page):
    executor, elements = await opened(page, sites)
    outcome = await executor.execute(GuiAction("click", number(elements, "Partner site")), elements)
    assert outcome.status == "refused"
    assert outcome.detail.startswith(
        f"refused: the link leads away from the site under test ({sites.other.url('/')})"
    )
    assert page.url == sites.app.url("/")
    assert await page.title() == "Stock desk"
    await executor.close()


async def test_a_new_tab_on_another_origin_is_closed(sites, page):
    executor, elements = await opened(page, sites)
    tabs = len(page.context.pages)
    outcome = await executor.execute(
        GuiAction("click", number(elements, "Partner offer")), elements
    )
    assert outcome.status == "refused"
    assert (
        sites.other.url("/offer.html") in outcome.detail and "new tab was closed" in outcome.detail
    )
    assert executor.page is page and len(page.context.pages) == tabs
    await executor.close()


async def test_a_new_tab_on_the_site_is_followed_and_closed_at_the_end(sites, page):
    executor, elements = await opened(page, sites)
    tabs = len(page.context.pages)
    outcome = await executor.execute(GuiAction("click", number(elements, "Open details")), elements)
    assert outcome.status == "done"
    assert f"opened a new tab at {sites.app.url('/details.html')}" in outcome.detail
    assert executor.page is not page and executor.page.url == sites.app.url("/details.html")
    assert len(page.context.pages) == tabs + 1
    await executor.close()
    assert len(page.context.pages) == tabs


async def test_alert_and_confirm_are_accepted_and_reported(sites, page):
    executor, elements = await opened(page, sites)
    saved = await executor.execute(GuiAction("click", number(elements, "Save")), elements)
    assert saved.status == "done"
    assert 'The page showed a dialog: alert "Saved!" (accepted).' in saved.detail
    deleted = await executor.execute(GuiAction("click", number(elements, "Delete")), elements)
    assert 'confirm "Delete?"' in deleted.detail
    assert await page.text_content("#confirmed") == "deleted"
    assert executor.dialogs == ['alert "Saved!"', 'confirm "Delete?"']
    await executor.close()


async def test_disabled_elements_are_listed_but_not_clicked_or_typed_into(sites, page):
    url = sites.app.url("/tricky.html")
    executor = ActionExecutor(page, url)
    assert (await executor.open(url)).status == "done"
    elements = (await mark_page(page)).elements
    off = number(elements, "Disabled")
    clicked = await executor.execute(GuiAction("click", off), elements)
    assert clicked == type(clicked)(
        "done", f'[{off}] <button> "Disabled" is disabled; clicking did nothing'
    )
    field = number(elements, "In disabled fieldset")
    typed = await executor.execute(GuiAction("type", field, "x"), elements)
    assert typed.status == "error" and typed.detail.endswith("is disabled; nothing was typed")
    assert await page.input_value("fieldset input") == ""
    await executor.close()


async def test_a_request_that_never_ends_is_reported_after_the_settle_time(sites, page):
    sites.app.hold("/api/slow", "[")
    sites.app.pages["/slow.html"] = "<button onclick=\"fetch('/api/slow')\">Load data</button>"
    url = sites.app.url("/slow.html")
    executor = ActionExecutor(page, url, settle_max_s=0.5)
    assert (await executor.open(url)).status == "done"
    elements = (await mark_page(page)).elements
    clicked = await executor.execute(GuiAction("click", number(elements, "Load data")), elements)
    assert clicked == type(clicked)(
        "done",
        f'clicked [0] <button> "Load data" Requests were still running after 0.5 s: '
        f"{sites.app.url('/api/slow')}.",
    )
    await executor.close()


async def test_typing_into_a_select_picks_the_option_by_its_label(sites, page):
    executor, elements = await opened(page, sites)
    sector = next(e for e in elements if e.tag == "select")
    assert sector.options == ("Any sector", "Technology", "Energy")
    picked = await executor.execute(GuiAction("type", sector.number, "energy"), elements)
    assert picked.status == "done" and picked.detail.startswith("selected 'energy' in")
    assert await page.input_value("#sector") == "energy"
    wrong = await executor.execute(GuiAction("type", sector.number, "Retail"), elements)
    assert wrong.status == "error"
    assert wrong.detail.endswith(
        "has no option 'Retail'; its options: Any sector, Technology, Energy"
    )
    await executor.close()


async def test_scrolling_the_window_and_an_element(sites, page):
    executor, elements = await opened(page, sites)
    up = await executor.execute(GuiAction("scroll", None, direction="up"), elements)
    assert up.detail == "the window is already at the top; nothing moved"
    down = await executor.execute(GuiAction("scroll", None, direction="down"), elements)
    assert down.detail == "scrolled the window down by 512 px"
    assert await page.evaluate("window.scrollY") == 512
    await page.evaluate("window.scrollTo(0, 0)")
    elements = (await mark_page(page)).elements
    listing = next(e.number for e in elements if e.tag == "ul")
    inner = await executor.execute(GuiAction("scroll", listing, direction="down"), elements)
    assert inner.detail.startswith(f"scrolled [{listing}] <ul>")
    assert await page.evaluate("document.getElementById('list').scrollTop") > 0
    assert await page.evaluate("window.scrollY") == 0
    await executor.close()


async def test_go_back_wait_and_refusing_to_go_back_off_the_site(sites, page):
    executor, elements = await opened(page, sites)
    off_site = await executor.execute(GuiAction("go_back"), elements)
    assert off_site.status == "refused"
    assert "going back would leave the site under test" in off_site.detail
    assert page.url == sites.app.url("/")
    elements = (await mark_page(page)).elements
    await executor.execute(GuiAction("click", number(elements, "Details page")), elements)
    assert page.url == sites.app.url("/details.html")
    back = await executor.execute(GuiAction("go_back"), elements)
    assert back.status == "done" and f"The page is now {sites.app.url('/')}" in back.detail
    waited = await executor.execute(GuiAction("wait"), elements)
    assert waited == type(waited)("done", "waited 0.1 s")
    await executor.close()


async def test_a_page_that_hangs_times_out_and_a_crashed_tab_is_an_error(sites, session):
    context = await session.page.context.browser.new_context()
    try:
        tab = await context.new_page()
        executor, elements = await opened(tab, sites, element_timeout_s=1.0, action_timeout_s=3.0)
        hung = await executor.execute(GuiAction("click", number(elements, "Freeze")), elements)
        assert hung.status == "timed_out", hung
        assert hung.detail == (
            f'[{number(elements, "Freeze")}] <button> "Freeze" could not be clicked within 1 s: '
            "the page did not respond (a script may be stuck)"
        )
        crashed_tab = await context.new_page()
        executor, elements = await opened(crashed_tab, sites, element_timeout_s=1.0)
        cdp = await context.new_cdp_session(crashed_tab)
        async with crashed_tab.expect_event("crash", timeout=5000):
            request = asyncio.ensure_future(cdp.send("Page.crash"))  # never answered
        request.cancel()
        await asyncio.wait([request])
        crashed = await executor.execute(GuiAction("click", number(elements, "Save")), elements)
        assert crashed.status == "error", crashed
        assert "crashed" in crashed.detail
    finally:
        await context.close()


@pytest.mark.asyncio(loop_scope="module")
async def test_same_origin_rules():
    assert same_origin("http://localhost:5173/a?b", "http://127.0.0.1:5173/")
    assert not same_origin("http://127.0.0.1:5174/", "http://127.0.0.1:5173/")
    assert not same_origin("https://127.0.0.1:5173/", "http://127.0.0.1:5173/")
    assert not same_origin("about:blank", "http://127.0.0.1:5173/")
    assert same_origin("http://example.com/x", "http://example.com:80/")
