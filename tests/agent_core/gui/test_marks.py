"""Set-of-mark on a real page in Chromium: numbers, boxes, the element list."""

from __future__ import annotations

import pytest

from agent_core.gui.marks import (
    MARK_ATTRIBUTE,
    OVERLAY_ID,
    MarkedElement,
    MarkingFailed,
    format_elements,
    mark_page,
)
from tests.support.png import png_pixel, png_size

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

FIRST_MARK_COLOUR = (0xE6, 0x19, 0x4B)


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
    assert png_size(marked.png) == (1024, 768)
    assert marked.png != plain
    assert after == plain, "the overlay must be gone after the screenshot"
    assert await page.locator(f"#{OVERLAY_ID}").count() == 0
    # Element 0's box is drawn in the first colour on its left border.
    left, top, _width, height = marked.elements[0].box
    assert png_pixel(marked.png, int(left) + 1, int(top + height / 2)) == FIRST_MARK_COLOUR
    assert png_pixel(plain, int(left) + 1, int(top + height / 2)) != FIRST_MARK_COLOUR


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
