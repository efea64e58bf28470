"""FigureWidget: a row of controls and a picture that redraws when they move.

The picture is an ipywidgets.Image holding PNG bytes, so the redraw is one
figure render (tens of milliseconds) and the same object can be tested without
a browser: set a control's value, read `widget.image.value`.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import ipywidgets as W
from matplotlib.figure import Figure

__all__ = ["FigureWidget", "figure_to_png"]


def figure_to_png(fig: Figure, dpi: int = 80) -> bytes:
    """Render a Figure to PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


class FigureWidget(W.VBox):
    """controls: {name: ipywidgets control}; draw(**values) -> Figure.

    `update()` calls draw with the controls' current values and shows the
    result; it runs once at construction and on every change of a control.
    `last_seconds` holds how long the latest redraw took.
    """

    def __init__(self, controls: dict, draw: Callable[..., Figure], dpi: int = 80, title: str = "") -> None:
        self.controls = dict(controls)
        self.draw = draw
        self.dpi = dpi
        self.image = W.Image(format="png")
        self.status = W.HTML()
        self.last_seconds = 0.0
        header = [W.HTML(f"<b>{title}</b>")] if title else []
        super().__init__(header + [W.HBox(list(self.controls.values())), self.image, self.status])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()

    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, _change) -> None:
        self.update()

    def update(self) -> None:
        start = time.perf_counter()
        try:
            fig = self.draw(**self.values())
            self.image.value = figure_to_png(fig, dpi=self.dpi)
            self.status.value = ""
        except ValueError as err:  # a bad combination of controls: say so instead of a traceback
            self.status.value = f"<span style='color:#b00'>{err}</span>"
        self.last_seconds = time.perf_counter() - start
