"""Widgets for chapter 2: step a kernel over an input, forward and backward.

A FigureWidget over bpcourse.plots.conv.conv_window, with a static fallback
(conv_window_grid: one panel per position) for the HTML book.
"""

from __future__ import annotations

import ipywidgets as W
from matplotlib.figure import Figure

from bpcourse.conv import conv_output_size
from bpcourse.plots.conv import conv_window, conv_window_grid
from bpcourse.widgets.base import FigureWidget

__all__ = ["conv_window_explorer", "conv_window_explorer_static"]


def conv_window_explorer(H: int = 5, W_: int = 5, kh: int = 3, kw: int = 3) -> FigureWidget:
    """Mode forward: move the output position and see the window it reads.  Mode backward: move
    an input pixel and see which outputs' deltas reach it, through which kernel weight.
    Stride and padding change the geometry; the position sliders follow the map's size."""
    slider = dict(continuous_update=False, layout=W.Layout(width="190px"), style={"description_width": "50px"})
    controls = {
        "mode": W.ToggleButtons(options=["forward", "backward"], value="forward", description="",
                                style={"button_width": "80px"}),
        "stride": W.IntSlider(value=1, min=1, max=2, description="stride", **slider),
        "padding": W.IntSlider(value=0, min=0, max=2, description="padding", **slider),
        "row": W.IntSlider(value=0, min=0, max=H - 1, description="row", **slider),
        "col": W.IntSlider(value=0, min=0, max=W_ - 1, description="col", **slider),
    }

    def sync(_change=None) -> None:
        """Keep row/col inside the output (forward) or the input (backward)."""
        s, p = controls["stride"].value, controls["padding"].value
        if controls["mode"].value == "forward":
            rows, cols = conv_output_size(H, kh, s, p), conv_output_size(W_, kw, s, p)
        else:
            rows, cols = H, W_
        controls["row"].max, controls["col"].max = rows - 1, cols - 1

    sync()
    for key in ("mode", "stride", "padding"):   # registered before FigureWidget's redraw, so it runs first
        controls[key].observe(sync, names="value")

    def draw(mode, stride, padding, row, col) -> Figure:
        return conv_window(H, W_, kh, kw, stride, padding, row, col, mode)

    return FigureWidget(controls, draw, title=f"A {kh}x{kw} kernel on a {H}x{W_} input")


def conv_window_explorer_static(H: int = 3, W_: int = 3, kh: int = 2, kw: int = 2, mode: str = "backward") -> Figure:
    """The static stand-in: every position at once (small multiples)."""
    return conv_window_grid(H, W_, kh, kw, 1, 0, mode)
