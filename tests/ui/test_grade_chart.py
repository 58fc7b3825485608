"""The grade chart: lines with gaps, error, backtrack and best-step markers, and clicks."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCharts import QValueAxis
from PySide6.QtCore import Qt

from agent_core.store.records import StepKind
from agent_core.store.selection import select_best_step
from tests.support.runs import StepSpec, build_run
from ui.grade_chart import APPEARANCE, BACKTRACK, BEST, EMPTY_TITLE, ERRORS, GUI, GradeChart


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    """Six real steps: a missing grade, two errors, a backtrack and a GUI test."""
    store = build_run(
        tmp_path_factory.mktemp("chart") / "run",
        [
            StepSpec(appearance=3),
            StepSpec(appearance=1, errors=["appearance grade 1"]),
            StepSpec(appearance=None, errors=["the dev server did not start"], screenshot=False),
            StepSpec(appearance=4, parent=1, extra={"backtracked_from": 3}),
            StepSpec(kind=StepKind.GUI_TEST, appearance=4, gui=4),
            StepSpec(appearance=5),
        ],
    )
    return store.steps()


@pytest.fixture
def chart(qtbot, steps) -> GradeChart:
    widget = GradeChart()
    qtbot.addWidget(widget)
    widget.resize(640, 360)
    widget.set_steps(steps, select_best_step(steps).index)
    return widget


def test_appearance_line_has_a_gap_where_a_grade_is_missing(chart):
    assert chart.series_points(APPEARANCE) == [(1, 3), (2, 1), (4, 4), (5, 4), (6, 5)]
    assert chart.segment_count(APPEARANCE) == 2  # split at step 3, not drawn down to 0


def test_gui_line_only_has_tested_steps(chart):
    assert chart.series_points(GUI) == [(5, 4)]


def test_error_steps_get_red_markers_on_their_grade_or_the_baseline(chart):
    assert chart.error_steps() == [2, 3]
    assert chart.series_points(ERRORS) == [(2, 1), (3, 0)]


def test_backtrack_is_a_dashed_line_before_the_step_that_continued(chart):
    assert chart.backtrack_steps() == [4]
    assert chart.series_points(BACKTRACK) == [(3.5, 0), (3.5, 5)]
    (line,) = [s for s in chart.chart().series() if s.name() == BACKTRACK]
    assert line.pen().style() == Qt.PenStyle.DashLine


def test_best_step_is_a_star_on_its_gui_grade(chart):
    # Step 5 has the only GUI grade, so it ranks above step 6's appearance 5.
    assert chart.best_step() == 5
    assert chart.series_points(BEST) == [(5, 4)]


def test_legend_names_each_kind_of_mark_once(chart, qtbot):
    # Two appearance segments, one legend entry (markers update on the next event loop turn).
    qtbot.waitUntil(lambda: chart.legend_names() == [APPEARANCE, GUI, BACKTRACK, ERRORS, BEST])


def test_axes_show_grades_zero_to_five_and_integer_steps(chart):
    x_axis, y_axis = (
        chart.chart().axes(o)[0] for o in (Qt.Orientation.Horizontal, Qt.Orientation.Vertical)
    )
    assert isinstance(x_axis, QValueAxis)
    assert y_axis.min() < 0 and 5 < y_axis.max() < 6
    assert (y_axis.tickAnchor(), y_axis.tickInterval()) == (0, 1)
    assert (x_axis.min(), x_axis.max()) == (0.5, 6.5)
    assert (x_axis.tickAnchor(), x_axis.tickInterval(), x_axis.labelFormat()) == (1, 1, "%d")


def test_clicking_a_point_selects_its_step(chart, qtbot):
    with qtbot.waitExposed(chart):
        chart.show()
    position = chart.point_position(4).toPoint()

    with qtbot.waitSignal(chart.stepClicked) as clicked:
        qtbot.mouseClick(chart.view.viewport(), Qt.MouseButton.LeftButton, pos=position)
    assert clicked.args == [4]


def test_hover_text_says_what_the_step_was(chart):
    assert chart.describe_step(3) == "Step 3 · Edit · Look – · GUI – · error"
    assert chart.describe_step(5) == "Step 5 · GUI test · Look 4/5 · GUI 4/5 · ★ best"
    assert "backtrack from step 3" in chart.describe_step(4)


def test_new_steps_replace_the_old_and_no_steps_show_a_note(chart, steps, qtbot):
    chart.set_steps(steps[:2], best=None)
    assert chart.series_points(APPEARANCE) == [(1, 3), (2, 1)]
    assert chart.best_step() is None
    assert chart.series_points(BEST) == []

    chart.set_steps([], best=None)
    assert chart.series_points(APPEARANCE) == []
    assert chart.chart().title() == EMPTY_TITLE
    qtbot.waitUntil(lambda: chart.legend_names() == [APPEARANCE, GUI, ERRORS])


def test_many_steps_thin_out_the_step_ticks(chart, steps):
    chart.set_steps([replace(steps[0], index=i) for i in range(1, 61)], best=60)
    x_axis = chart.chart().axes(Qt.Orientation.Horizontal)[0]
    assert x_axis.tickInterval() == 3
    assert chart.best_step() == 60
