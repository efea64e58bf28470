"""Chapter 2 plots and the kernel-stepping widget, headless."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from bpcourse import plots
from bpcourse import widgets as bw
from bpcourse.plots.conv import (
    connection_graph,
    conv_window,
    conv_window_grid,
    kernel_colors,
    pool_backward,
    timing_bars,
)
from bpcourse.widgets.base import figure_to_png
from bpcourse.widgets.conv import conv_window_explorer, conv_window_explorer_static


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_static_plots_return_figures():
    x = np.array([[1.0, 3.0, 0.0, 0.0], [3.0, 3.0, 0.0, 0.0], [2.0, 5.0, 7.0, 1.0], [5.0, 4.0, 1.0, 7.0]])
    figs = [connection_graph(), connection_graph(4, 3, 2, 2), conv_window(), conv_window(5, 5, 3, 3, 2, 1, 1, 2),
            conv_window(5, 5, 3, 3, 1, 1, 4, 4, "backward"), conv_window_grid(), conv_window_grid(mode="forward"),
            pool_backward(x, np.ones((2, 2))), pool_backward(x, np.ones((2, 2)), kind="avg"),
            timing_bars({"naive": 1.0, "fast": 0.01}), conv_window_explorer_static()]
    for fig in figs:
        assert isinstance(fig, Figure)
        assert len(figure_to_png(fig)) > 500


def test_exports_are_reexported():
    for name in plots.conv.__all__:
        assert getattr(plots, name) is getattr(plots.conv, name)
    for name in bw.conv.__all__:
        assert getattr(bw, name) is getattr(bw.conv, name)


def test_connection_graph_counts_connections_and_shared_weights():
    fig = connection_graph(3, 3, 2, 2)
    matrix_labels = [t for t in fig.axes[1].texts]
    assert len(matrix_labels) == 16                     # 4 outputs x 4 weights
    assert sorted({t.get_text() for t in matrix_labels}) == ["K00", "K01", "K10", "K11"]
    assert "16 connections, 4 weights" in fig.axes[0].get_title()
    assert len(kernel_colors(2, 2)) == 4 and len(set(kernel_colors(2, 2))) == 4


def test_backward_view_shows_the_rotated_kernel():
    """Around the centre pixel of a 3x3 input, the weights reaching it read K rotated by 180 degrees."""
    fig = conv_window(3, 3, 2, 2, 1, 0, 1, 1, "backward")
    labels = [t for t in _texts(fig) if t.startswith("δ")]
    assert labels == ["δ00·K11", "δ01·K10", "δ10·K01", "δ11·K00"]
    assert "sum of the 4 coloured" in fig._suptitle.get_text()
    corner = conv_window(3, 3, 2, 2, 1, 0, 0, 0, "backward")
    assert [t for t in _texts(corner) if t.startswith("δ")] == ["δ00·K00"]


def test_forward_view_labels_the_window():
    fig = conv_window(4, 4, 2, 2, 2, 0, 1, 0)
    texts = _texts(fig)
    assert "z10" in texts and texts.count("K00") == 2   # once in the window, once in the kernel


def test_pool_backward_boxes_the_winners():
    x = np.array([[1.0, 3.0], [3.0, 0.0]])                # tie: the first 3 wins
    fig = pool_backward(x, np.array([[5.0]]))
    dx_texts = [t.get_text() for t in fig.axes[3].texts]
    assert dx_texts == ["0", "5", "0", "0"]


def test_plot_errors():
    with pytest.raises(ValueError, match="conv_window: \\(3, 0\\) is outside the 3x3 output"):
        conv_window(5, 5, 3, 3, 1, 0, 3, 0)
    with pytest.raises(ValueError, match="conv_window: expected mode"):
        conv_window(mode="sideways")
    with pytest.raises(ValueError, match="does not fit"):
        connection_graph(2, 2, 3, 3)
    with pytest.raises(ValueError, match="expected stride to be an integer >= 1"):
        conv_window(stride=0)
    with pytest.raises(ValueError, match="pool_backward: expected kind"):
        pool_backward(np.ones((2, 2)), np.ones((1, 1)), kind="median")
    with pytest.raises(ValueError, match="pool_backward: expected 2-D"):
        pool_backward(np.ones((1, 2, 2)), np.ones((1, 1)))


def test_conv_window_explorer_redraws_and_keeps_positions_valid():
    w = conv_window_explorer()
    first = w.image.value
    assert len(first) > 500
    w.controls["row"].value = 2
    assert w.image.value != first
    assert w.controls["row"].max == 2                  # forward: 3x3 output
    w.controls["mode"].value = "backward"
    assert w.controls["row"].max == 4                  # backward: 5x5 input
    w.controls["row"].value = 4
    w.controls["mode"].value = "forward"                # row clamps back into the output
    assert w.controls["row"].value == 2
    assert w.status.value == ""
    w.controls["padding"].value = 2
    assert w.controls["row"].max == 6
    before = w.image.value
    w.controls["stride"].value = 2
    assert w.image.value != before and w.status.value == ""
    # redraw speed (< 1 s) is measured in benchmarks/bench_widgets.py, not asserted here: it depends on load
