"""Fitting the coder's conversation into small context windows."""

from __future__ import annotations

from agent_core.agent.context import Turn, estimate_tokens, fit_conversation, prompt_budget


def _turns(n, reply_chars=3000):
    return [Turn(i, f"reply {i} " + "x" * reply_chars, f"feedback {i}: grade {i % 5}")
            for i in range(1, n + 1)]


FILES = {"src/App.jsx": "export default function App() { return <h1>Hi</h1>; }",
         "package-lock.json": "{" + "\"a\": 1," * 5000 + "}"}


def test_everything_is_sent_when_it_fits():
    fitted = fit_conversation("sys", "build a site", _turns(3), FILES, 100_000, "go on")
    assert not fitted.trimmed
    roles = [m.role for m in fitted.messages]
    assert roles == ["system", "user"] + ["assistant", "user"] * 3
    assert fitted.messages[-1].content == "feedback 3: grade 3"


def test_old_turns_give_way_to_the_files_and_a_feedback_log():
    budget = 4000
    fitted = fit_conversation("sys", "build a site", _turns(10), FILES, budget, "go on")
    assert fitted.trimmed
    assert fitted.tokens_estimate <= budget
    assert sum(estimate_tokens(m.content) for m in fitted.messages) <= budget
    opening = fitted.messages[1].content
    assert opening.startswith("build a site")
    assert "step 1:" in opening and "feedback 1" in opening
    assert "src/App.jsx" in opening and "return <h1>Hi</h1>" in opening
    assert "package-lock.json" in opening and "not shown" in opening  # lockfiles never inline
    # The newest turn is verbatim; roles still alternate.
    assert fitted.messages[-1].content == "feedback 10: grade 0"
    roles = [m.role for m in fitted.messages[2:]]
    assert roles == ["assistant", "user"] * (len(roles) // 2)


def test_a_huge_last_reply_still_leaves_its_feedback_in_the_prompt():
    turns = [Turn(1, "y" * 200_000, "the page is blank")]
    fitted = fit_conversation("sys", "build", turns, {}, 3000, "go on")
    assert fitted.dropped_turns == 1
    assert "the page is blank" in fitted.messages[-1].content
    assert [m.role for m in fitted.messages] == ["system", "user"]


def test_budget_keeps_room_for_the_reply():
    assert prompt_budget(8192, 4096) == 8192 - 8192 // 3 - 256
    assert prompt_budget(131072, 8192) == 131072 - 8192 - 256


def test_files_that_are_not_text_are_named_with_their_size_not_dropped():
    fitted = fit_conversation("sys", "build a site", _turns(10), FILES, 4000, "go on",
                              binary={"public/logo.png": 5123})
    opening = fitted.messages[1].content
    assert "- public/logo.png (binary, 5123 bytes, not shown)" in opening
