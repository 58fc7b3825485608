"""The stock-report scenario's scripted models: the GUI end-to-end test, the example run,
the docs' screenshots and the UI benchmark all replay it."""

from __future__ import annotations

from tests.fakes.model_server import Reply, queue
from tests.support.agent import (
    CODER,
    CRITIC,
    FEEDBACK,
    CriticScript,
    FeedbackScript,
    GuiScript,
    VisionRouter,
    coder_reply,
    find_mark,
)
from tests.support.stock_site import APP_V1, APP_V2, stock_site

FOOTER = "      <footer>Data delayed 15 min</footer>\n"
FOOTER_APP = APP_V2.replace("    </main>", FOOTER + "    </main>")


def coder_replies() -> list[str]:
    """What the scripted coder answers, step by step."""
    return [
        coder_reply(stock_site(APP_V1), shell=["npm install"], start="npm run dev",
                    prose="I will scaffold a Vite + React app."),
        coder_reply({"src/App.jsx": APP_V2}, prose="Adding the search form."),
        coder_reply(signal="screenshot_validated"),
        coder_reply(signal="finish"),
        coder_reply({"src/App.jsx": FOOTER_APP}, prose="Adding the footer."),
        coder_reply(signal="finish"),
    ]


def scripts(pace: tuple[int, float] | None = None) -> dict:
    """The models of the scenario; ``pace`` streams the coder (characters, seconds apart)."""
    replies: list = coder_replies()
    if pace is not None:
        replies = [Reply(text=r, chunk_size=pace[0], chunk_delay_s=pace[1]) for r in replies]
    coder = queue(*replies)
    critic = CriticScript([
        (CriticScript.check("A navy header 'Stock Reports' on white.", ["Add a search form"]),
         CriticScript.grade(3)),
        (CriticScript.check("Header plus a search form with a navy button."),
         CriticScript.grade(4)),
        (CriticScript.check("The same page with a footer."), CriticScript.grade(4)),
    ])
    gui = GuiScript([
        lambda marks: f"Thought: enter a code.\nAction: Type [{find_mark(marks, 'AAPL')}]; aapl",
        lambda marks: f"Thought: search.\nAction: Click [{find_mark(marks, 'Search stocks')}]",
        lambda marks: "Thought: done.\nAction: ANSWER; "
        + ("YES" if "Download report for AAPL" in marks else "NO"),
    ])
    feedback = FeedbackScript("Search for AAPL and get a report.",
                              [{"test_passed": True, "improvement_suggestions": [], "grade": 5}])
    return {CODER: coder, CRITIC: VisionRouter(critic, gui), FEEDBACK: feedback}
