"""The toolbar's run limits: the candidates count a user picks is an intent, a run's is not."""

from __future__ import annotations

from PySide6.QtCore import Qt

from ui.run_limits import RunLimits


def test_only_the_users_change_of_candidates_is_emitted(qtbot) -> None:
    limits = RunLimits()
    qtbot.addWidget(limits)
    chosen: list[int] = []
    limits.candidatesChosen.connect(chosen.append)
    assert (limits.max_steps.value(), limits.error_limit.value(),
            limits.candidates.value()) == (20, 5, 1)
    limits.show_candidates(4)  # a reopened run's count
    assert limits.candidates.value() == 4 and chosen == []
    qtbot.keyClick(limits.candidates, Qt.Key.Key_Up)
    assert chosen == [5]
    limits.show_candidates(12)  # a count from the command line beyond the window's range
    assert limits.candidates.value() == 8 and chosen == [5]


def test_the_tooltip_warns_about_a_local_coder_only_when_there_is_one(qtbot) -> None:
    limits = RunLimits()
    qtbot.addWidget(limits)
    tip = limits.candidates.toolTip()
    assert "250 MB" in tip and "llama-cpp-python" not in tip
    limits.set_local_coder(True)
    assert "llama-cpp-python" in limits.candidates.toolTip()
    limits.set_local_coder(False)
    assert limits.candidates.toolTip() == tip
