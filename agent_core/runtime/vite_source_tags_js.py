"""The Vite plugin behind the source tags, written to the workspace's node_modules when served.

See :mod:`agent_core.runtime.vite_source_tags`. Plain ECMAScript with no dependencies, so it
runs with whatever Vite the site installed.
"""

from __future__ import annotations

PLUGIN_JS = r"""
// WebGen Studio's source tags: while the app serves a site, every HTML element written in a
// JSX/TSX module or an HTML page gets data-webgen-src="file:line:col" (1-based), so a click in
// the preview can name the line it came from. Applied only by `vite` (serve), never by a build.
import path from 'node:path';

const ATTR = 'data-webgen-src';
const KEYWORDS = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new',
  'delete', 'void', 'throw', 'yield', 'await', 'instanceof', 'default', 'extends']);
const EXPR_AFTER = new Set(['', '(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';',
  '+', '-', '*', '%', '<', '>', '~', '^', 'kw']);
const HTML_SKIP = new Set(['html', 'head', 'meta', 'link', 'script', 'style', 'title', 'base',
  'noscript', 'template']);
const NAME = /[A-Za-z_$][\w$\-:.]*/y;
const ATTR_NAME = /[A-Za-z_$][\w$\-:]*/y;
const WORD = /[\w$]+/y;

class Bail extends Error {}

function matchAt(re, text, at) {
  re.lastIndex = at;
  const m = re.exec(text);
  return m ? m[0] : '';
}

function lineStarts(text) {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

function place(starts, index) {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= index) lo = mid; else hi = mid - 1;
  }
  return `${lo + 1}:${index - starts[lo] + 1}`;
}

function skipQuoted(text, i, quote, escapes) {
  for (let j = i + 1; j < text.length; j++) {
    if (escapes && text[j] === '\\') j++;
    else if (text[j] === quote) return j + 1;
  }
  throw new Bail('unclosed string');
}

function skipRegex(text, i) {
  let inClass = false;
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) return j + 1 + matchAt(/[a-z]*/y, text, j + 1).length;
    else if (c === '\n') break;
  }
  throw new Bail('unclosed regular expression');
}

function skipComment(text, i) {
  if (text[i + 1] === '/') {
    const end = text.indexOf('\n', i);
    return end < 0 ? text.length : end;
  }
  const end = text.indexOf('*/', i + 2);
  if (end < 0) throw new Bail('unclosed comment');
  return end + 2;
}

// A scanner of JavaScript with JSX: it tracks strings, comments, regular expressions,
// template literals and JSX tags closely enough to find where each lowercase (HTML) element
// opens. Anything it cannot follow makes it give up, and the module is served untouched.
class JsxScanner {
  constructor(text) {
    this.text = text;
    this.i = 0;
    this.prev = '';
    this.stack = [{ kind: 'js', depth: 0 }];
    this.points = [];
  }

  run() {
    while (this.i < this.text.length) {
      const top = this.stack[this.stack.length - 1];
      if (top.kind === 'js') this.js(top);
      else if (top.kind === 'tpl') this.template();
      else if (top.kind === 'tag') this.tag(top);
      else this.children(top);
    }
    if (this.stack.length !== 1) throw new Bail('unbalanced');
    return this.points;
  }

  js(frame) {
    const { text } = this;
    const c = text[this.i];
    const next = text[this.i + 1];
    if (/\s/.test(c)) { this.i++; return; }
    if (c === '/' && (next === '/' || next === '*')) {
      this.i = skipComment(text, this.i);
      return;
    }
    if (c === '"' || c === "'") {
      this.i = skipQuoted(text, this.i, c, true);
      this.prev = 'x';
      return;
    }
    if (c === '`') { this.i++; this.stack.push({ kind: 'tpl' }); return; }
    if (c === '{') { frame.depth++; this.i++; this.prev = '{'; return; }
    if (c === '}') {
      this.i++;
      if (frame.depth === 0 && this.stack.length > 1) {
        this.stack.pop();
        this.prev = 'x';
        return;
      }
      frame.depth--;
      this.prev = '}';
      return;
    }
    const startsExpr = EXPR_AFTER.has(this.prev);
    if (c === '/' && startsExpr) { this.i = skipRegex(text, this.i); this.prev = 'x'; return; }
    if (c === '<' && startsExpr && /[A-Za-z_$>]/.test(next || '')) { this.open(); return; }
    const word = matchAt(WORD, text, this.i);
    if (word) { this.i += word.length; this.prev = KEYWORDS.has(word) ? 'kw' : 'x'; return; }
    this.prev = c === ')' || c === ']' ? 'x' : c;
    this.i++;
  }

  template() {
    const { text } = this;
    for (let j = this.i; j < text.length; j++) {
      if (text[j] === '\\') { j++; continue; }
      if (text[j] === '`') { this.stack.pop(); this.i = j + 1; this.prev = 'x'; return; }
      if (text[j] === '$' && text[j + 1] === '{') {
        this.i = j + 2;
        this.prev = '{';
        this.stack.push({ kind: 'js', depth: 0 });
        return;
      }
    }
    throw new Bail('unclosed template literal');
  }

  open() {
    const { text } = this;
    const at = this.i;
    this.i++;
    if (text[this.i] === '>') {
      this.i++;
      this.stack.push({ kind: 'children', name: '' });
      return;
    }
    const name = matchAt(NAME, text, this.i);
    if (!name) throw new Bail('not a tag');
    this.i += name.length;
    if (/^[a-z][\w-]*$/.test(name)) this.points.push({ at: this.i, from: at });
    this.stack.push({ kind: 'tag', name });
  }

  tag(frame) {
    const { text } = this;
    const c = text[this.i];
    if (/\s/.test(c)) { this.i++; return; }
    if (c === '/' && text[this.i + 1] === '>') { this.i += 2; this.closeElement(); return; }
    if (c === '>') {
      this.i++;
      this.stack.pop();
      this.stack.push({ kind: 'children', name: frame.name });
      return;
    }
    if (c === '{') { this.expression(); return; }
    const name = matchAt(ATTR_NAME, text, this.i);
    if (!name) throw new Bail('not an attribute');
    this.i += name.length;
    while (/\s/.test(text[this.i] || '')) this.i++;
    if (text[this.i] !== '=') return;
    this.i++;
    while (/\s/.test(text[this.i] || '')) this.i++;
    const v = text[this.i];
    if (v === '"' || v === "'") this.i = skipQuoted(text, this.i, v, false);
    else if (v === '{') this.expression();
    else throw new Bail('unknown attribute value');
  }

  children(frame) {
    const { text } = this;
    const c = text[this.i];
    if (c === '{') { this.expression(); return; }
    if (c !== '<') { this.i++; return; }
    let j = this.i + 1;
    while (/\s/.test(text[j] || '')) j++;
    if (text[j] !== '/') { this.open(); return; }
    const end = text.indexOf('>', j);
    if (end < 0 || text.slice(j + 1, end).trim() !== frame.name) {
      throw new Bail('mismatched tag');
    }
    this.i = end + 1;
    this.closeElement();
  }

  // A JavaScript expression in braces inside JSX: an attribute value, a spread or a child.
  expression() {
    this.i++;
    this.prev = '{';
    this.stack.push({ kind: 'js', depth: 0 });
  }

  closeElement() {
    this.stack.pop();
    const top = this.stack[this.stack.length - 1];
    if (top.kind === 'tag') throw new Bail('element inside a tag');
    if (top.kind === 'js') this.prev = 'x';
  }
}

function insertTags(text, points, file, starts) {
  let out = '';
  let last = 0;
  for (const { at, from } of points) {
    out += `${text.slice(last, at)} ${ATTR}="${file}:${place(starts, from)}"`;
    last = at;
  }
  return out + text.slice(last);
}

/** The module with its HTML elements tagged, or null when it has none or cannot be read. */
export function tagJsx(code, file) {
  let points;
  try {
    points = new JsxScanner(code).run();
  } catch (error) {
    if (error instanceof Bail) return null;
    throw error;
  }
  return points.length ? insertTags(code, points, file, lineStarts(code)) : null;
}

function tagEnd(html, i) {
  let quote = '';
  for (; i < html.length; i++) {
    const c = html[i];
    if (quote) { if (c === quote) quote = ''; }
    else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i + 1;
  }
  return html.length;
}

/** An HTML page with the elements of its body tagged (comments, scripts, styles skipped). */
export function tagHtml(html, file) {
  const points = [];
  const tagStart = /<!--|<(script|style|textarea|title)\b|<([a-zA-Z][\w-]*)/g;
  let m;
  while ((m = tagStart.exec(html)) !== null) {
    if (m[0] === '<!--') {
      const end = html.indexOf('-->', m.index + 4);
      tagStart.lastIndex = end < 0 ? html.length : end + 3;
    } else if (m[1]) {
      const end = html.toLowerCase().indexOf(`</${m[1].toLowerCase()}`, tagStart.lastIndex);
      tagStart.lastIndex = end < 0 ? html.length : end;
    } else {
      if (!HTML_SKIP.has(m[2].toLowerCase())) {
        points.push({ at: m.index + m[0].length, from: m.index });
      }
      tagStart.lastIndex = tagEnd(html, tagStart.lastIndex);
    }
  }
  return points.length ? insertTags(html, points, file, lineStarts(html)) : html;
}

function relative(root, file) {
  const rel = path.relative(root, file).split(path.sep).join('/');
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : null;
}

/** The Vite plugin (dev server only). */
export default function webgenSourceTags() {
  let root = process.cwd();
  return {
    name: 'webgen-source-tags',
    apply: 'serve',
    enforce: 'pre',
    configResolved(config) {
      root = config.root;
    },
    transform(code, id) {
      const file = id.split('?')[0];
      if (!/\.[jt]sx$/.test(file) || file.includes('/node_modules/')) return null;
      const rel = relative(root, file);
      const tagged = rel && tagJsx(code, rel);
      return tagged ? { code: tagged, map: null } : null;
    },
    transformIndexHtml: {
      order: 'pre',
      handler(html, ctx) {
        const rel = relative(root, ctx.filename);
        return rel ? tagHtml(html, rel) : html;
      },
    },
  };
}
"""
"""``plugin.mjs``: the plugin (default export) and its ``tagJsx``/``tagHtml`` helpers."""
