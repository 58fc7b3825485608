"""The in-page scripts of set-of-mark (see ``agent_core.gui.marks`` for the rules)."""

from __future__ import annotations

MARK_JS = r"""
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
        if (s.overflowX !== 'visible') {
          left = Math.max(left, c.left); right = Math.min(right, c.right);
        }
        if (s.overflowY !== 'visible') {
          top = Math.max(top, c.top); bottom = Math.min(bottom, c.bottom);
        }
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
"""Called with ``[attribute, overlay id, max marks, text limit]``: clears the previous
marking, tags and boxes the visible interactive elements, and returns their descriptions."""

UNMARK_JS = "(id) => { document.getElementById(id)?.remove(); }"
"""Removes the overlay of numbered boxes (the tags stay until the next marking)."""
