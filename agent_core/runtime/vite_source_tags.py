"""Source tags for a Vite site: each element says where it is written, while the app serves it.

When a :class:`~agent_core.runtime.devserver.DevServer` is asked for source tags, a Vite dev
server is started with ``--config`` pointing at a small wrapper in
``node_modules/.webgen-source-tags/``. The wrapper loads the site's own ``vite.config.*`` and
puts the plugin of :mod:`agent_core.runtime.vite_source_tags_js` first; the plugin adds
``data-webgen-src="file:line:col"`` to the HTML elements of JSX/TSX modules and HTML pages as
Vite serves them.

Nothing of it reaches the site's files: the user's config is never changed, ``node_modules``
is not part of the project the coder sees nor of an export, and the plugin applies only to
``vite`` serving, so ``npm run build`` (which uses the site's own config) has no tags.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

from agent_core.runtime.plans import StartPlan
from agent_core.runtime.vite_source_tags_js import PLUGIN_JS

FOLDER = ".webgen-source-tags"
"""The wrapper's folder inside ``node_modules`` (npm leaves dot folders there alone)."""
SITE_CONFIGS = ("vite.config.js", "vite.config.mjs", "vite.config.ts", "vite.config.mts",
                "vite.config.cjs", "vite.config.cts")
"""Vite's own config file names, in the order Vite looks for them."""
log = logging.getLogger(__name__)
_OWN_CONFIG = re.compile(r"(?:^|\s)(?:--config|-c)(?:[\s=]|$)")

_WRAPPER = """\
// Written by WebGen Studio while it serves this site; not part of the project.
import sourceTags from './plugin.mjs';
{site_import}
export default async (env) => {{
  const site = {site_value};
  const config = (typeof site === 'function' ? await site(env) : await site) || {{}};
  return {{ ...config, plugins: [sourceTags(), ...(config.plugins || [])] }};
}};
"""


def can_tag(plan: StartPlan, argv: Sequence[str]) -> bool:
    """Whether the server ``plan`` starts (as ``argv``) can be given the wrapper config.

    Only a Vite dev server (not a build or ``vite preview``) whose command takes our options
    (we add ours after npm's ``--``) and does not name a config file of its own.
    """
    if plan.tool != "vite" or not plan.hot_reload or not plan.accepts_port:
        return False
    return not (_OWN_CONFIG.search(plan.script_text) or _OWN_CONFIG.search(" ".join(argv)))


def install_wrapper(root: Path) -> Path | None:
    """Write the plugin and the wrapper config into ``root/node_modules``; returns the config.

    Returns:
        The wrapper's path, or None when Vite is not installed in ``root`` (the server fails
        on its own then, with its own message).

    Raises:
        OSError: The files could not be written.
    """
    modules = root / "node_modules"
    if not (modules / "vite").is_dir():
        return None
    folder = modules / FOLDER
    folder.mkdir(exist_ok=True)
    (folder / "plugin.mjs").write_text(PLUGIN_JS, encoding="utf-8")
    config = folder / "vite.config.mjs"
    config.write_text(wrapper_source(root), encoding="utf-8")
    return config


def wrapper_source(root: Path) -> str:
    """The wrapper config for the site in ``root`` (its own config merged, if it has one)."""
    site = next((name for name in SITE_CONFIGS if (root / name).is_file()), None)
    if site is None:
        return _WRAPPER.format(site_import="", site_value="{}")
    path = json.dumps(f"../../{site}")
    return _WRAPPER.format(site_import=f"import siteConfig from {path};",
                           site_value="siteConfig")


async def source_tag_options(root: Path, plan: StartPlan, argv: Sequence[str]) -> list[str]:
    """The options that give the server the wrapper config, after writing it (off the loop).

    Args:
        root: The site folder.
        plan: How the site is served.
        argv: The command as it will run, with the port options.

    Returns:
        ``["--config", PATH]``, or nothing when this server cannot be tagged or the files
        could not be written (the site is served all the same, untagged).
    """
    if not can_tag(plan, argv):
        return []
    try:
        config = await asyncio.to_thread(install_wrapper, root)
    except OSError as exc:
        log.warning("serving %s without source tags: %s", root, exc)
        return []
    return [] if config is None else ["--config", str(config)]


__all__ = ["FOLDER", "can_tag", "install_wrapper", "source_tag_options", "wrapper_source"]
