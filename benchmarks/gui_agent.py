"""How much time a GUI-agent turn spends outside the model, on a local counter page.

The real GUI agent (set-of-mark screenshot, real ``openai`` client, action executor) clicks
the Increment button of a counter page N times in Chromium; a scripted vision model on
loopback answers at once, reading the button's number from the element list it was sent.
Prints, per turn without the model call, the median, p90 and max seconds, and the split
into marking (script, annotated screenshot, overlay removal) and action (the click and the
settling afterwards).

    .venv/bin/python -m benchmarks.gui_agent [--clicks 15] [--runs 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics

from agent_core.browser import BrowserSession
from agent_core.gui.agent import GuiAgent, GuiTurn
from tests.agent_core.gui.helpers import GUI, clicker, client
from tests.agent_core.gui.sites import COUNTER, PageServer
from tests.fakes.model_server import ScriptedModelServer

TASK = "Click Increment until the count is right, then answer."


def quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def measure(clicks: int, runs: int) -> list[GuiTurn]:
    """Run the agent ``runs`` times on a fresh counter page; return the clicking turns."""
    site = PageServer({"/": COUNTER})
    turns: list[GuiTurn] = []
    try:
        with ScriptedModelServer() as server:
            model = client(server, GUI)
            try:
                async with BrowserSession() as session:
                    for _ in range(runs):
                        server.set_script(GUI, clicker(clicks))
                        page = await session.page.context.new_page()
                        try:
                            agent = GuiAgent(model, max_turns=clicks + 1)
                            trajectory = await agent.run(page, TASK, site.url("/"))
                            count = await page.text_content("#count")
                        finally:
                            await page.close()
                        assert trajectory.end_kind == "answered", trajectory.ended_because
                        assert count == str(clicks), f"the counter shows {count}"
                        turns += [t for t in trajectory.turns if t.action_text.startswith("Click")]
            finally:
                await model.close()
    finally:
        site.close()
    return turns


def report(turns: list[GuiTurn]) -> dict:
    """Print and return the figures (seconds)."""
    overhead = [t.seconds - t.timings["model"] for t in turns]
    marks = [t.timings["mark"] for t in turns]
    actions = [t.timings["action"] for t in turns]
    models = [t.timings["model"] for t in turns]
    figures = {
        "turns": len(turns),
        "median_s": round(statistics.median(overhead), 3),
        "p90_s": round(quantile(overhead, 0.9), 3),
        "max_s": round(max(overhead), 3),
        "mark_median_s": round(statistics.median(marks), 3),
        "action_median_s": round(statistics.median(actions), 3),
        "model_median_s": round(statistics.median(models), 3),
    }
    print(f"{len(turns)} clicking turns; time per turn without the model call:")
    print(
        f"  median {figures['median_s']:.3f} s, p90 {figures['p90_s']:.3f} s, "
        f"max {figures['max_s']:.3f} s"
    )
    print(
        f"  mark + screenshot: median {figures['mark_median_s']:.3f} s, "
        f"p90 {quantile(marks, 0.9):.3f} s"
    )
    print(
        f"  action + settle:   median {figures['action_median_s']:.3f} s, "
        f"p90 {quantile(actions, 0.9):.3f} s"
    )
    print(f"  (instant model call over loopback: median {figures['model_median_s']:.3f} s)")
    return figures


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=15)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    turns = asyncio.run(measure(args.clicks, args.runs))
    print(json.dumps(report(turns)))


if __name__ == "__main__":
    main()
