"""The status bar's token figures: exact when the server reports them, marked when estimated."""

from __future__ import annotations

from ui.run_status import RunStatusWidget


def test_estimated_tokens_are_marked_and_explained(qtbot) -> None:
    bar = RunStatusWidget()
    qtbot.addWidget(bar)
    bar.set_tokens(1200, 300)
    exact = bar.tokens_label.text()
    bar.set_tokens(1200, 300, estimated=True)
    assert "≈" not in exact and exact.replace("Tokens in ", "") != ""
    assert bar.tokens_label.text().count("≈") == 2
    assert "sent no token counts" in bar.tokens_label.toolTip()
