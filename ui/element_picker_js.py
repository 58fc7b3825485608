"""The in-page half of the element picker (see :mod:`ui.element_picker`).

It runs in an isolated JavaScript world, so the site's own scripts can neither see nor call
it; it shares only the DOM. While picking it outlines the element under the pointer, swallows
the click (the page's handlers never see it) and reports the element through the web channel
object ``webgenPicker``.
"""

from __future__ import annotations

OUTLINE_ID = "webgen-pick-outline"
"""The id of the outline drawn over the hovered element."""

SOURCE_ATTR = "data-webgen-src"
"""The attribute the dev server's source tags put on elements (``file:line:col``)."""

PICKER_JS = r"""
(() => {
  if (window.__webgenPicker) return;
  const OUTLINE = '__OUTLINE__';
  const SOURCE = '__SOURCE__';
  const SWALLOW = ['click', 'mousedown', 'mouseup', 'pointerdown', 'pointerup', 'dblclick',
    'auxclick', 'contextmenu'];
  let bridge = null;
  let active = false;
  let hovered = null;
  if (window.qt && qt.webChannelTransport) {
    new QWebChannel(qt.webChannelTransport, (channel) => {
      bridge = channel.objects.webgenPicker;
    });
  }

  const clip = (text, limit) => {
    const flat = (text || '').replace(/\s+/g, ' ').trim();
    return flat.length > limit ? flat.slice(0, limit - 1) + '…' : flat;
  };
  const unique = (selector) => {
    try { return document.querySelectorAll(selector).length === 1; } catch (e) { return false; }
  };
  const step = (el) => {
    if (el.id && unique('#' + CSS.escape(el.id))) return '#' + CSS.escape(el.id);
    const parent = el.parentElement;
    if (!parent) return el.localName;
    const same = Array.from(parent.children).filter((c) => c.localName === el.localName);
    if (same.length === 1) return el.localName;
    return el.localName + ':nth-of-type(' + (same.indexOf(el) + 1) + ')';
  };
  // Ids, tag names and positions only: class names are often generated and change.
  const selectorOf = (el) => {
    const parts = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      parts.unshift(step(node));
      const selector = parts.join(' > ');
      if (parts[0].startsWith('#') || (node !== el && unique(selector))) return selector;
      if (node === document.body || node === document.documentElement) return selector;
    }
    return parts.join(' > ');
  };
  const textOf = (el) => {
    if (el.matches('input, textarea, select')) {
      return clip(el.getAttribute('placeholder') || el.value || el.getAttribute('name'), 80);
    }
    return clip(el.innerText || el.textContent, 80);
  };
  const htmlOf = (el) => {
    const copy = el.cloneNode(true);
    copy.removeAttribute(SOURCE);
    copy.querySelectorAll('[' + SOURCE + ']').forEach((n) => n.removeAttribute(SOURCE));
    const html = copy.outerHTML;
    return html.length > 600 ? html.slice(0, 599) + '…' : html;
  };
  const describe = (el) => {
    const tagged = el.closest('[' + SOURCE + ']');
    return {
      tag: el.localName,
      text: textOf(el),
      selector: selectorOf(el),
      html: htmlOf(el),
      source: tagged ? tagged.getAttribute(SOURCE) : '',
      source_is_own: tagged === el,
      page: location.pathname,
    };
  };

  const outline = () => {
    let box = document.getElementById(OUTLINE);
    if (!box) {
      box = document.createElement('div');
      box.id = OUTLINE;
      box.setAttribute('aria-hidden', 'true');
      const rules = {position: 'fixed', 'pointer-events': 'none', 'z-index': '2147483647',
        'box-sizing': 'border-box', border: '2px solid #1a73e8', margin: '0', padding: '0',
        background: 'rgba(26, 115, 232, 0.12)', display: 'none'};
      for (const [name, value] of Object.entries(rules)) {
        box.style.setProperty(name, value, 'important');
      }
      document.documentElement.appendChild(box);
    }
    return box;
  };
  const draw = () => {
    const box = outline();
    if (!active || !hovered || !hovered.isConnected) {
      box.style.setProperty('display', 'none', 'important');
      return;
    }
    const r = hovered.getBoundingClientRect();
    const place = {left: r.left + 'px', top: r.top + 'px', width: r.width + 'px',
      height: r.height + 'px', display: 'block'};
    for (const [name, value] of Object.entries(place)) {
      box.style.setProperty(name, value, 'important');
    }
  };
  const hover = (event) => {
    if (!active) return;
    const el = event.target;
    if (!(el instanceof Element) || el === hovered || el.id === OUTLINE) return;
    hovered = el;
    draw();
    if (bridge) bridge.hovered(JSON.stringify(describe(el)));
  };
  const swallow = (event) => {
    if (!active) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    if (event.type === 'click' && event.target instanceof Element && bridge) {
      bridge.picked(JSON.stringify(describe(event.target)));
    }
  };
  const key = (event) => {
    if (!active || event.key !== 'Escape') return;
    event.preventDefault();
    event.stopImmediatePropagation();
    if (bridge) bridge.escaped();
  };

  window.addEventListener('mousemove', hover, true);
  window.addEventListener('mouseover', hover, true);
  for (const type of SWALLOW) window.addEventListener(type, swallow, true);
  window.addEventListener('keydown', key, true);
  window.addEventListener('scroll', draw, true);
  window.addEventListener('resize', draw, true);
  window.__webgenPicker = {
    start() { active = true; draw(); },
    stop() { active = false; hovered = null; draw(); },
  };
})();
""".replace("__OUTLINE__", OUTLINE_ID).replace("__SOURCE__", SOURCE_ATTR)
"""The picker, injected into every page of the preview (idle until ``start()``)."""
