"""Set-of-mark: number the visible interactive elements of a page and screenshot them boxed.

``mark_page`` runs a script in the page that finds what a user could click or type into in
the viewport, tags each element with ``data-webgen-mark="N"`` (so an action can find it
again), draws numbered boxes over them, takes the screenshot and removes the boxes again.
The tags stay until the next marking, which clears them first.

Which elements count as interactive: ``a``, ``button``, ``input`` (not hidden), ``textarea``,
``select``, ``summary``, ``label[for]``, ``[contenteditable]``, ``[onclick]``, the ARIA
widget roles (button, link, checkbox, radio, tab, menuitem, switch, option), any element with
``tabindex >= 0``, and any element whose computed cursor is ``pointer`` while its parent's is
not (frameworks attach click handlers that leave no attribute, but such elements are styled
with a pointer; children that merely inherit the cursor are left out). An element is marked
only when the visible part of its box lies in the viewport, is at least 2x2 px, is not
``visibility:hidden``/``opacity:0``, and the element (or one of its children) is what the
browser hits at the centre of that visible part - so covered elements are left out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from agent_core.errors import WebGenError

MARK_ATTRIBUTE = "data-webgen-mark"
"""Attribute set on every marked element; its value is the element's number."""
OVERLAY_ID = "__webgen_marks__"
MAX_MARKS = 200
"""At most this many elements are numbered (in document order)."""
MARK_TIMEOUT_S = 5.0
SCREENSHOT_TIMEOUT_S = 10.0
TEXT_LIMIT = 80

_MARK_JS = r"""
([attr, overlayId, maxMarks, limit]) => {
  document.getElementById(overlayId)?.remove();
  for (const old of document.querySelectorAll('[' + attr + ']')) old.removeAttribute(attr);
  const vw = window.innerWidth, vh = window.innerHeight;
  const NATIVE = 'a, button, input:not([type=hidden]), textarea, select, summary, label[for], ' +
    '[contenteditable=""], [contenteditable=true], [onclick], [role=button], [role=link], ' +
    '[role=checkbox], [role=radio], [role=tab], [role=menuitem], [role=switch], [role=option]';
  const clip = (s) => {
    s = (s || '').replace(/\s+/g, ' ').trim();
    return s.length > limit ? s.slice(0, limit - 3) + '...' : s;
  };
  const pointer = (el) => el && el.nodeType === 1 && getComputedStyle(el).cursor === 'pointer';
  const candidate = (el) => {
    if (el.matches(NATIVE)) return true;
    if (el.hasAttribute('tabindex') && el.tabIndex >= 0) return true;
    return pointer(el) && !pointer(el.parentElement);
  };
  const styleHidden = (el) => {
    if (el.checkVisibility) {
      return !el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true,
                                  opacityProperty: true, visibilityProperty: true});
    }
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const s = getComputedStyle(n);
      if (s.display === 'none' || parseFloat(s.opacity) === 0) return true;
    }
    return getComputedStyle(el).visibility !== 'visible';
  };
  // The part of r inside the viewport and inside every ancestor that clips its overflow.
  const clipped = (el, r) => {
    let left = Math.max(0, r.left), top = Math.max(0, r.top);
    let right = Math.min(vw, r.right), bottom = Math.min(vh, r.bottom);
    for (let n = el.parentElement; n && n !== document.body && n !== document.documentElement;
         n = n.parentElement) {
      const s = getComputedStyle(n);
      if (s.overflowX !== 'visible' || s.overflowY !== 'visible') {
        const c = n.getBoundingClientRect();
        if (s.overflowX !== 'visible') { left = Math.max(left, c.left); right = Math.min(right, c.right); }
        if (s.overflowY !== 'visible') { top = Math.max(top, c.top); bottom = Math.min(bottom, c.bottom); }
      }
      if (s.position === 'fixed') break;
    }
    return {left, top, right, bottom};
  };
  const hits = (el, b) => {
    if (b.right - b.left < 2 || b.bottom - b.top < 2) return null;
    const cx = (b.left + b.right) / 2, cy = (b.top + b.bottom) / 2;
    const hit = document.elementFromPoint(cx, cy);
    if (!hit || !(hit === el || el.contains(hit))) return null;
    return {left: b.left, top: b.top, width: b.right - b.left, height: b.bottom - b.top, cx, cy};
  };
  // The visible part of el's box, or null when nothing of it can be seen and clicked: too
  // small, hidden by style, outside the viewport or its scrolled container, or covered at
  // the centre of its visible part (the hit test also skips inert and pointer-events:none).
  const visibleBox = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2 || r.bottom <= 0 || r.right <= 0 || r.top >= vh ||
        r.left >= vw || styleHidden(el)) {
      return null;
    }
    const inView = {left: Math.max(0, r.left), top: Math.max(0, r.top),
                    right: Math.min(vw, r.right), bottom: Math.min(vh, r.bottom)};
    // An absolutely placed element may escape a clipping ancestor: the hit test decides.
    return hits(el, clipped(el, r)) || hits(el, inView);
  };
  const textOf = (el, tag) => {
    if (tag === 'select') return clip(el.selectedOptions[0]?.textContent || '');
    let text = tag === 'input' || tag === 'textarea' ? '' : (el.innerText || el.textContent);
    if (!text && tag === 'input' && ['submit', 'button', 'reset'].includes(el.type)) {
      text = el.value;
    }
    if (!text || !text.trim()) text = el.querySelector('img[alt]')?.alt || el.title || '';
    return clip(text);
  };
  const valueOf = (el, tag) => {
    if (tag === 'textarea') return clip(el.value);
    if (tag !== 'input' || ['submit', 'button', 'reset', 'image'].includes(el.type)) return '';
    if (el.type === 'checkbox' || el.type === 'radio') return el.checked ? 'checked' : '';
    if (el.type === 'password') return el.value ? '*'.repeat(Math.min(el.value.length, 12)) : '';
    return clip(el.value);
  };
  const found = [];
  const walker = document.createTreeWalker(document.body || document.documentElement,
                                           NodeFilter.SHOW_ELEMENT);
  for (let el = walker.currentNode; el && found.length < maxMarks; el = walker.nextNode()) {
    if (el.nodeType !== 1 || el === document.body || !candidate(el)) continue;
    const box = visibleBox(el);
    if (!box) continue;
    const tag = el.tagName.toLowerCase();
    const number = found.length;
    el.setAttribute(attr, String(number));
    found.push({
      number, tag, box,
      type: tag === 'input' ? (el.getAttribute('type') || 'text').toLowerCase() : '',
      role: el.getAttribute('role') || '',
      text: textOf(el, tag),
      placeholder: clip(el.getAttribute('placeholder')),
      aria_label: clip(el.getAttribute('aria-label')),
      href: tag === 'a' && el.hasAttribute('href') ? clip(el.href) : '',
      value: valueOf(el, tag),
      disabled: el.matches(':disabled') || el.getAttribute('aria-disabled') === 'true',
      options: tag === 'select'
        ? Array.from(el.options).slice(0, 15).map((o) => clip(o.textContent)) : [],
    });
  }
  const COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#008080',
                  '#f032e6', '#9a6324', '#800000', '#000075'];
  const layer = document.createElement('div');
  layer.id = overlayId;
  layer.setAttribute('aria-hidden', 'true');
  layer.style.cssText = 'position:fixed;left:0;top:0;width:0;height:0;margin:0;padding:0;' +
    'z-index:2147483647;pointer-events:none;';
  for (const item of found) {
    const c = COLORS[item.number % COLORS.length], b = item.box;
    const frame = document.createElement('div');
    frame.style.cssText = `position:absolute;left:${b.left}px;top:${b.top}px;` +
      `width:${b.width}px;height:${b.height}px;border:2px solid ${c};box-sizing:border-box;` +
      'pointer-events:none;margin:0;padding:0;';
    const label = document.createElement('div');
    label.textContent = String(item.number);
    label.style.cssText = `position:absolute;left:-2px;top:${b.top >= 16 ? -16 : 0}px;` +
      `background:${c};color:#fff;font:bold 12px/14px monospace;padding:1px 3px;` +
      'pointer-events:none;margin:0;white-space:nowrap;';
    frame.appendChild(label);
    layer.appendChild(frame);
  }
  document.documentElement.appendChild(layer);
  return found;
}
"""

_UNMARK_JS = "(id) => { document.getElementById(id)?.remove(); }"


class MarkingFailed(WebGenError):
    """The page could not be marked or screenshotted (it hung, crashed or was closed)."""


@dataclass(frozen=True)
class MarkedElement:
    """One numbered interactive element.

    Attributes:
        number: The number drawn on the screenshot (0..N-1); the element carries
            ``data-webgen-mark="number"``.
        tag: Lower-case tag name, e.g. ``button``.
        type: The ``type`` of an input (``text`` when unset), else ``""``.
        text: Visible text (or a button input's value, an image's alt), at most 80 chars.
        placeholder: The placeholder attribute.
        aria_label: The ``aria-label`` attribute.
        href: The absolute link target of an ``a``.
        center: Centre of the element's visible part, in viewport pixels.
        box: Visible part as (left, top, width, height), in viewport pixels.
        role: The ``role`` attribute.
        value: Current value of a field (passwords as asterisks, ``checked`` for a ticked box).
        disabled: Whether the element is disabled.
        options: Labels of a select's first options.
    """

    number: int
    tag: str
    type: str = ""
    text: str = ""
    placeholder: str = ""
    aria_label: str = ""
    href: str = ""
    center: tuple[float, float] = (0.0, 0.0)
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    role: str = ""
    value: str = ""
    disabled: bool = False
    options: tuple[str, ...] = ()

    def describe(self) -> str:
        """Short form for action outcomes, e.g. ``[3] <button> "Search"``."""
        label = self.text or self.placeholder or self.aria_label
        kind = f"<{self.tag} type={self.type}>" if self.type else f"<{self.tag}>"
        return f'[{self.number}] {kind} "{label}"' if label else f"[{self.number}] {kind}"


@dataclass(frozen=True)
class MarkedPage:
    """A screenshot with numbered boxes, and the elements the numbers stand for.

    Attributes:
        png: The annotated screenshot of the viewport.
        elements: The numbered elements, in number order.
        url: The page's URL when it was marked.
    """

    png: bytes
    elements: list[MarkedElement]
    url: str = ""


async def mark_page(page: Page, *, timeout_s: float = MARK_TIMEOUT_S) -> MarkedPage:
    """Number the page's visible interactive elements and take the annotated screenshot.

    The overlay is removed again before returning (also when the screenshot fails).

    Args:
        page: The page to mark.
        timeout_s: Longest wait for the marking script (a hung page never answers).

    Returns:
        The annotated screenshot and the elements.

    Raises:
        MarkingFailed: The page did not answer in time, crashed or was closed.
    """
    url = page.url
    try:
        raw = await asyncio.wait_for(
            page.evaluate(_MARK_JS, [MARK_ATTRIBUTE, OVERLAY_ID, MAX_MARKS, TEXT_LIMIT]),
            timeout_s,
        )
    except TimeoutError:
        raise MarkingFailed(
            f"the page at {url} did not answer within {timeout_s:g} s; a script is probably "
            "stuck in an endless loop"
        ) from None
    except PlaywrightError as error:
        raise MarkingFailed(f"could not read the page at {url}: {_first_line(error)}") from None
    try:
        png = await page.screenshot(type="png", timeout=SCREENSHOT_TIMEOUT_S * 1000)
    except PlaywrightError as error:
        raise MarkingFailed(f"could not take a screenshot of {url}: {_first_line(error)}") from None
    finally:
        await _remove_overlay(page)
    return MarkedPage(png=png, elements=[_element(item) for item in raw or []], url=url)


async def _remove_overlay(page: Page) -> None:
    try:
        await asyncio.wait_for(page.evaluate(_UNMARK_JS, OVERLAY_ID), 2.0)
    except (TimeoutError, PlaywrightError):
        pass  # a dead or stuck page: nothing to clean up that anyone will see


def _element(item: dict[str, Any]) -> MarkedElement:
    box = item.get("box") or {}
    return MarkedElement(
        number=int(item["number"]),
        tag=str(item.get("tag") or ""),
        type=str(item.get("type") or ""),
        text=str(item.get("text") or ""),
        placeholder=str(item.get("placeholder") or ""),
        aria_label=str(item.get("aria_label") or ""),
        href=str(item.get("href") or ""),
        center=(round(float(box.get("cx", 0)), 1), round(float(box.get("cy", 0)), 1)),
        box=tuple(round(float(box.get(k, 0)), 1) for k in ("left", "top", "width", "height")),  # type: ignore[arg-type]
        role=str(item.get("role") or ""),
        value=str(item.get("value") or ""),
        disabled=bool(item.get("disabled")),
        options=tuple(str(o) for o in item.get("options") or ()),
    )


def _first_line(error: PlaywrightError) -> str:
    lines = (error.message or "").strip().splitlines()
    return lines[0] if lines else "unknown browser error"


def format_element(element: MarkedElement) -> str:
    """One line of the element list, e.g. ``[4] <input type=text> placeholder="Stock code"``."""
    kind = f"<{element.tag} type={element.type}>" if element.type else f"<{element.tag}>"
    parts = [f"[{element.number}] {kind}"]
    if element.role and element.role != element.tag:
        parts.append(f"role={element.role}")
    if element.text:
        parts.append(f'"{element.text}"')
    if element.placeholder:
        parts.append(f'placeholder="{element.placeholder}"')
    if element.aria_label and element.aria_label != element.text:
        parts.append(f'aria-label="{element.aria_label}"')
    if element.value:
        parts.append(f'value="{element.value}"')
    if element.options:
        parts.append("options: " + " | ".join(element.options))
    if element.href:
        parts.append(f"href={element.href}")
    if element.disabled:
        parts.append("(disabled)")
    return " ".join(parts)


def format_elements(elements: Sequence[MarkedElement]) -> str:
    """The element list shown to the model, one element a line.

    Args:
        elements: The marked elements.

    Returns:
        Lines such as ``[3] <button> "Search"``, or a note when nothing is interactive.
    """
    if not elements:
        return "(no interactive elements are visible in the viewport)"
    return "\n".join(format_element(element) for element in elements)
