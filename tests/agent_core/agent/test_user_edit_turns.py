"""The coder's conversation after a user's edit: a user turn with the diff, not a request."""

from __future__ import annotations

from agent_core.agent.conversation import prompt_of_step, trajectory_of_step
from agent_core.agent.user_edit_feedback import FileChange, user_edit_feedback
from agent_core.store.records import Manifest, StepKind, StepRecord

OLD = "<h1>Bakery</h1>\n<p>Bread</p>\n"
NEW = "<h1>Bakery</h1>\n<p>Bread and cakes</p>\n"


def run_with_a_user_edit() -> tuple[Manifest, dict[int, StepRecord]]:
    manifest = Manifest(run_id="r", instruction="A bakery page.", created_at=0, updated_at=0)
    feedback = user_edit_feedback([FileChange("index.html", OLD, NEW),
                                   FileChange("about.html", None, "<p>About us</p>")], None,
                                  "The edit was not graded: no critic is configured.")
    steps = {
        1: StepRecord(1, StepKind.EDIT, None, reply="REPLY-1", feedback="FEEDBACK-1"),
        2: StepRecord(2, StepKind.USER_EDIT, 1, feedback=feedback,
                      request="Your edit of about.html, index.html"),
        3: StepRecord(3, StepKind.EDIT, 2, reply="REPLY-3", feedback="FEEDBACK-3"),
    }
    return manifest, steps


def test_the_next_coder_turn_sees_the_users_diff_after_its_own_feedback():
    manifest, steps = run_with_a_user_edit()
    messages = prompt_of_step(manifest, steps, 3)
    assert [m.role for m in messages] == ["system", "user", "assistant", "user"]
    last = messages[-1].content
    assert last.startswith("FEEDBACK-1\n\nThe user edited the project's files by hand")
    assert "Changes to index.html:\n```diff\n--- a/index.html\n+++ b/index.html" in last
    assert "-<p>Bread</p>\n+<p>Bread and cakes</p>" in last
    assert "New file about.html:\n```\n<p>About us</p>\n```" in last
    assert "The edit was not graded: no critic is configured." in last
    # The chat's "Your edit of ..." is not a follow-up request for the coder.
    assert all("New request from the user" not in m.content for m in messages)
    assert all("Your edit of" not in m.content for m in messages)


def test_the_trajectory_of_a_users_edit_ends_with_the_edit_not_an_empty_reply():
    manifest, steps = run_with_a_user_edit()
    messages = trajectory_of_step(manifest, steps, 2)
    assert [m.role for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[-1].content.startswith("FEEDBACK-1\n\nThe user edited")
