"""A run's grades over its steps: appearance and GUI lines, errors, backtracks and the best step.

A missing grade is a gap in its line (the line is split into segments), never a 0. Every
segment of a line shares the line's name, and only the first one has a legend entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QScatterSeries, QValueAxis, QXYSeries
from PySide6.QtCore import QEvent, QMargins, QPointF, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QCursor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QToolTip, QVBoxLayout, QWidget

from agent_core.store.records import StepRecord
from ui.step_format import ERROR, INFO, SUCCESS, WARNING, grade_text, kind_label

APPEARANCE = "Appearance (0-5)"
GUI = "GUI (1-5)"
ERRORS = "Error"
BACKTRACK = "Backtrack"
BEST = "Best step"
EMPTY_TITLE = "No steps yet"
Y_MIN, Y_MAX = -0.3, 5.3
"""The y axis shows grades 0-5, with a margin so markers on 0 and 5 are not cut."""
MAX_X_TICKS = 20


class GradeChart(QWidget):
    """Appearance and GUI grades per step as lines, with markers for errors, backtracks and
    the best step.

    Signals:
        stepClicked(int): The user clicked the point (or marker) of this step.
    """

    stepClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        """Create an empty chart."""
        super().__init__(parent)
        self.setObjectName("gradeChart")
        self._steps: dict[int, StepRecord] = {}
        self._best: int | None = None
        self._chart = QChart()
        self._chart.setBackgroundVisible(False)
        self._chart.setMargins(QMargins(4, 4, 4, 4))
        self._chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self._x_axis = QValueAxis()
        self._x_axis.setTitleText("Step")
        self._x_axis.setLabelFormat("%d")
        self._x_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        self._x_axis.setTickAnchor(1)
        self._y_axis = QValueAxis()
        self._y_axis.setTitleText("Grade")
        self._y_axis.setRange(Y_MIN, Y_MAX)
        self._y_axis.setLabelFormat("%d")
        self._y_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        self._y_axis.setTickAnchor(0)
        self._y_axis.setTickInterval(1)
        self._chart.addAxis(self._x_axis, Qt.AlignmentFlag.AlignBottom)
        self._chart.addAxis(self._y_axis, Qt.AlignmentFlag.AlignLeft)
        self.view = QChartView(self._chart, self)
        self.view.setObjectName("gradeChartView")
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(180)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._apply_palette()
        self.set_steps([], None)

    # -- public API ------------------------------------------------------------------

    def set_steps(self, steps: Sequence[StepRecord], best: int | None) -> None:
        """Draw ``steps`` (any order); ``best`` is the best step's index, if any."""
        self._steps = {step.index: step for step in steps}
        self._best = best if best in self._steps else None
        self._chart.removeAllSeries()
        ordered = [self._steps[i] for i in sorted(self._steps)]
        self._add_grade_line(APPEARANCE, ordered, lambda s: s.appearance_grade, INFO)
        self._add_grade_line(GUI, ordered, lambda s: s.gui_grade, SUCCESS)
        self._add_backtracks(ordered)
        errors = [(s.index, self._marker_y(s)) for s in ordered if s.has_error]
        self._add_markers(ERRORS, errors, ERROR, QScatterSeries.MarkerShape.MarkerShapeCircle, 11)
        if self._best is not None:
            spot = [(self._best, self._best_y(self._steps[self._best]))]
            self._add_markers(BEST, spot, WARNING, QScatterSeries.MarkerShape.MarkerShapeStar, 22)
        self._set_x_range(max(self._steps, default=0))
        self._chart.setTitle("" if ordered else EMPTY_TITLE)

    def chart(self) -> QChart:
        """The chart (for styling and tests)."""
        return self._chart

    def series_points(self, name: str) -> list[tuple[float, float]]:
        """Every point of the series called ``name`` (all its segments), left to right."""
        points = [
            (p.x(), p.y())
            for series in self._chart.series()
            if isinstance(series, QXYSeries) and series.name() == name
            for p in series.points()
        ]
        return sorted(points)

    def segment_count(self, name: str) -> int:
        """How many pieces the line ``name`` is drawn in (gaps split it)."""
        return sum(
            1
            for s in self._chart.series()
            if isinstance(s, QXYSeries) and s.name() == name and s.count()
        )

    def legend_names(self) -> list[str]:
        """The names in the legend, in order."""
        return [m.label() for m in self._chart.legend().markers() if m.isVisible()]

    def error_steps(self) -> list[int]:
        """Steps drawn with an error marker."""
        return [i for i in sorted(self._steps) if self._steps[i].has_error]

    def backtrack_steps(self) -> list[int]:
        """Steps that the run backtracked right before (a dashed line precedes each)."""
        return [i for i in sorted(self._steps) if self._steps[i].backtracked_from is not None]

    def best_step(self) -> int | None:
        """The step drawn with the star."""
        return self._best

    def point_position(self, step: int, name: str = APPEARANCE) -> QPointF:
        """Where the point of ``step`` on series ``name`` is, in view-port coordinates."""
        for series in self._chart.series():
            if series.name() != name or not isinstance(series, QXYSeries):
                continue
            for point in series.points():
                if round(point.x()) == step:
                    scene = self._chart.mapToScene(self._chart.mapToPosition(point, series))
                    return QPointF(self.view.mapFromScene(scene))
        raise ValueError(f"step {step} has no point on {name!r}")

    # -- drawing ---------------------------------------------------------------------

    def _add_grade_line(
        self,
        name: str,
        steps: list[StepRecord],
        grade_of: Callable[[StepRecord], int | None],
        colour: str,
    ) -> None:
        segments: list[list[QPointF]] = [[]]
        for step in steps:
            grade = grade_of(step)
            if grade is None:
                if segments[-1]:
                    segments.append([])
                continue
            segments[-1].append(QPointF(step.index, grade))
        segments = [s for s in segments if s] or [[]]  # an empty series keeps the legend entry
        for number, points in enumerate(segments):
            series = QLineSeries()
            series.setName(name)
            series.append(points)
            series.setPointsVisible(True)
            series.setPen(QPen(QColor(colour), 2))
            self._attach(series, in_legend=number == 0)

    def _add_backtracks(self, steps: list[StepRecord]) -> None:
        backtracks = [s for s in steps if s.backtracked_from is not None]
        for number, step in enumerate(backtracks):
            series = QLineSeries()
            series.setName(BACKTRACK)
            x = step.index - 0.5  # between the step the run left and the one it continued with
            series.append([QPointF(x, 0), QPointF(x, 5)])
            pen = QPen(self.palette().color(QPalette.ColorRole.PlaceholderText), 1.5)
            pen.setStyle(Qt.PenStyle.DashLine)
            series.setPen(pen)
            self._attach(series, in_legend=number == 0, clickable=False)

    def _add_markers(
        self,
        name: str,
        points: list[tuple[int, float]],
        colour: str,
        shape: QScatterSeries.MarkerShape,
        size: int,
    ) -> None:
        series = QScatterSeries()
        series.setName(name)
        series.append([QPointF(x, y) for x, y in points])
        series.setMarkerShape(shape)
        series.setMarkerSize(size)
        series.setBrush(QBrush(QColor(colour)))
        series.setPen(QPen(self.palette().color(QPalette.ColorRole.Base), 1))
        self._attach(series, in_legend=True)

    def _attach(self, series: QXYSeries, *, in_legend: bool, clickable: bool = True) -> None:
        self._chart.addSeries(series)
        series.attachAxis(self._x_axis)
        series.attachAxis(self._y_axis)
        for marker in self._chart.legend().markers(series):
            marker.setVisible(in_legend)
        if clickable:
            series.clicked.connect(self._on_point_clicked)
            series.hovered.connect(self._on_point_hovered)

    @staticmethod
    def _marker_y(step: StepRecord) -> float:
        return float(step.appearance_grade) if step.appearance_grade is not None else 0.0

    @staticmethod
    def _best_y(step: StepRecord) -> float:
        grades = [g for g in (step.gui_grade, step.appearance_grade) if g is not None]
        return float(grades[0]) if grades else 0.0

    def _set_x_range(self, last: int) -> None:
        last = max(last, 1)
        self._x_axis.setRange(0.5, last + 0.5)
        self._x_axis.setTickInterval(max(1, math.ceil(last / MAX_X_TICKS)))

    def _apply_palette(self) -> None:
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        grid = palette.color(QPalette.ColorRole.Mid)
        for axis in (self._x_axis, self._y_axis):
            axis.setLabelsColor(text)
            axis.setTitleBrush(QBrush(text))
            axis.setGridLineColor(grid)
            axis.setLinePenColor(grid)
        self._x_axis.setGridLineVisible(False)
        self._chart.legend().setLabelColor(text)
        self._chart.setTitleBrush(QBrush(palette.color(QPalette.ColorRole.PlaceholderText)))
        self.view.setBackgroundBrush(QBrush(palette.color(QPalette.ColorRole.Base)))

    def changeEvent(self, event: QEvent) -> None:
        """Follow switches between light and dark palettes."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()

    # -- interaction -----------------------------------------------------------------

    def describe_step(self, index: int) -> str:
        """'Step 3 · Edit · Look 4/5 · GUI – · error · ★ best' (the hover text)."""
        step = self._steps.get(index)
        if step is None:
            return ""
        parts = [f"Step {index}", kind_label(step.kind), grade_text("Look", step.appearance_grade),
                 grade_text("GUI", step.gui_grade)]  # fmt: skip
        if step.has_error:
            parts.append("error")
        if step.backtracked_from is not None:
            parts.append(f"after a backtrack from step {step.backtracked_from}")
        if index == self._best:
            parts.append("★ best")
        return " · ".join(parts)

    @Slot(QPointF)
    def _on_point_clicked(self, point: QPointF) -> None:
        index = round(point.x())
        if index in self._steps:
            self.stepClicked.emit(index)

    @Slot(QPointF, bool)
    def _on_point_hovered(self, point: QPointF, state: bool) -> None:
        if state:
            QToolTip.showText(QCursor.pos(), self.describe_step(round(point.x())), self.view)
        else:
            QToolTip.hideText()
