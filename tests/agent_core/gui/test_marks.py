"""Set-of-mark on a real page in Chromium: numbers, boxes, the element list."""

from __future__ import annotations

import pytest

from agent_core.gui.executor import ActionExecutor
from agent_core.gui.grammar import GuiAction
from agent_core.gui.marks import (
    MARK_ATTRIBUTE,
    OVERLAY_ID,
    MarkedElement,
    MarkingFailed,
    format_elements,
    mark_page,
)
from tests.agent_core.gui.helpers import assert_annotated

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


def by_text(elements: list[MarkedElement], text: str) -> MarkedElement:
    found = [e for e in elements if text in (e.text, e.placeholder)]
    assert len(found) == 1, f"{text!r} in {[e.text or e.placeholder for e in elements]}"
    return found[0]


async def test_inputs_and_buttons_get_the_numbers_of_their_elements(sites, page):
    await page.goto(sites.app.url("/"))
    marked = await mark_page(page)
    code, lookup = by_text(marked.elements, "Stock code"), by_text(marked.elements, "Look up")
    assert (code.tag, code.type, lookup.tag) == ("input", "text", "button")
    assert [e.number for e in marked.elements] == list(range(len(marked.elements)))
    # The number on the screenshot is the element the page tags with it.
    assert await page.get_attribute("#code", MARK_ATTRIBUTE) == str(code.number)
    assert await page.get_attribute("#lookup", MARK_ATTRIBUTE) == str(lookup.number)
    box = await page.locator("#lookup").bounding_box()
    assert box is not None
    assert abs(lookup.center[0] - (box["x"] + box["width"] / 2)) < 1
    assert abs(lookup.center[1] - (box["y"] + box["height"] / 2)) < 1
    listing = format_elements(marked.elements)
    assert f'[{code.number}] <input type=text> placeholder="Stock code"' in listing
    assert f'[{lookup.number}] <button> "Look up"' in listing
    partner = by_text(marked.elements, "Partner site")
    assert partner.href == sites.other.url("/")
    assert by_text(marked.elements, "Disabled").disabled
    assert "(disabled)" in listing


async def test_hidden_covered_and_offscreen_elements_are_not_marked(sites, page):
    await page.goto(sites.app.url("/"))
    marked = await mark_page(page)
    texts = {e.text for e in marked.elements}
    assert {"Look up", "Save", "Log in"} <= texts
    assert not {"Hidden", "Covered", "Far below"} & texts
    for element in marked.elements:
        left, top, width, height = element.box
        assert left >= 0 and top >= 0 and left + width <= 1024 and top + height <= 768
    # Scrolled to the bottom, the far button is marked and the header's are not.
    await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    bottom = await mark_page(page)
    assert "Far below" in {e.text for e in bottom.elements}
    assert "Look up" not in {e.text for e in bottom.elements}
    assert await page.locator(f"[{MARK_ATTRIBUTE}]").count() == len(bottom.elements)


async def test_annotated_screenshot_has_boxes_and_the_page_is_left_clean(sites, page):
    await page.goto(sites.app.url("/"))
    plain = await page.screenshot()
    marked = await mark_page(page)
    after = await page.screenshot()
    # Element 0's box is drawn in the first colour on its left border.
    assert_annotated(marked.png, plain, marked.elements[0].box)
    assert after == plain, "the overlay must be gone after the screenshot"
    assert await page.locator(f"#{OVERLAY_ID}").count() == 0


def labels(elements: list[MarkedElement]) -> list[str]:
    return [e.text or e.placeholder for e in elements]


async def test_hidden_elements_are_left_out_and_disabled_ones_are_flagged(sites, page):
    await page.goto(sites.app.url("/tricky.html"))
    marked = await mark_page(page)
    found = set(labels(marked.elements))
    assert {"Shown", "More", "Aria hidden", "On top", "Half covered"} <= found
    hidden = {"Display none", "Hidden attribute", "Visibility hidden", "Opacity zero",
              "Inside transparent", "Inside invisible", "Zero size", "No pointer", "Inert",
              "In closed details"}  # fmt: skip
    assert not hidden & found
    assert "Underneath" not in found, "a button covered by another is not marked"
    disabled = {e.text or e.placeholder for e in marked.elements if e.disabled}
    assert disabled == {"Disabled", "In disabled fieldset", "Aria disabled"}
    listing = format_elements(marked.elements)
    assert '<input type=text> placeholder="In disabled fieldset" (disabled)' in listing


async def test_only_the_visible_rows_of_a_scrolled_list_are_marked(sites, page):
    url = sites.app.url("/tricky.html")
    executor = ActionExecutor(page, url)
    assert (await executor.open(url)).status == "done"
    marked = await mark_page(page)
    rows = [e for e in marked.elements if e.text.startswith("Row")]
    assert labels(rows) == ["Row 1", "Row 2", "Row 3"]
    # Row 3 shows only its top half above the list's edge: that half is boxed.
    listbox = await page.locator("#box").bounding_box()
    assert listbox is not None
    _left, top, _width, height = rows[2].box
    assert height == 20 and abs(top + height - (listbox["y"] + listbox["height"])) < 0.5
    scrolled = await executor.execute(GuiAction("scroll", rows[0].number, "", "down"), rows)
    assert (
        scrolled.detail
        == f'scrolled the area around [{rows[0].number}] <button> "Row 1" down by 67 px'
    )
    after = [e for e in (await mark_page(page)).elements if e.text.startswith("Row")]
    assert labels(after) == ["Row 2", "Row 3", "Row 4", "Row 5"]
    await executor.close()


async def test_a_long_page_is_marked_one_screen_at_a_time(sites, page):
    url = sites.app.url("/long.html")
    executor = ActionExecutor(page, url)
    assert (await executor.open(url)).status == "done"
    first = await mark_page(page)
    assert labels(first.elements) == ["Go 0", "Go 1", "Go 2"]
    await executor.execute(GuiAction("scroll", None, "", "down"), first.elements)
    assert labels((await mark_page(page)).elements) == ["Go 2", "Go 3", "Go 4"]
    # The end of a page with more than 24,000 elements is marked too.
    await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert labels((await mark_page(page)).elements) == ["Go 58", "Go 59"]
    await executor.close()


@pytest.mark.timeout(30)
async def test_a_page_that_keeps_reloading_is_marked_or_reported_without_hanging(sites, session):
    buttons = "".join(f"<button>Tick {i}</button>" for i in range(300))
    sites.app.pages["/reloading.html"] = (
        f"<body>{buttons}<script>setTimeout(() => location.reload(), 20)</script></body>"
    )
    # A tab of its own context: Chromium may not close a tab in the middle of a reload.
    context = await session.page.context.browser.new_context()
    try:
        tab = await context.new_page()
        await tab.goto(sites.app.url("/reloading.html"))
        # Each try ends marked or with "kept navigating": a screenshot stalled by a
        # navigation would end with "no answer within 10 s" instead.
        for _ in range(4):
            try:
                assert len((await mark_page(tab)).elements) == 300
            except MarkingFailed as error:
                assert "kept navigating while it was being marked" in str(error)
    finally:
        await context.close()


async def test_an_empty_page_gives_an_empty_list(sites, page):
    await page.goto(sites.app.url("/plain.html"))
    marked = await mark_page(page)
    assert marked.elements == []
    assert "no interactive elements" in format_elements(marked.elements)
    assert marked.url == sites.app.url("/plain.html")


async def test_a_hung_page_cannot_be_marked(sites, session):
    context = await session.page.context.browser.new_context()
    try:
        tab = await context.new_page()
        await tab.goto(sites.app.url("/"))
        await tab.evaluate("setTimeout(() => { while (true) {} }, 0)")
        with pytest.raises(MarkingFailed, match="did not answer within 1 s"):
            await mark_page(tab, timeout_s=1.0)
    finally:
        await context.close()
