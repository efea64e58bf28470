"""Widgets for chapter 1: the network-paralysis explorer.

The picture is bpcourse.plots.paralysis_plot; the HTML book shows its static
fallback, bpcourse.plots.paralysis_small_multiples, right after the widget.
"""

from __future__ import annotations

import ipywidgets as W

from bpcourse._checks import check_int
from bpcourse.plots.mlp import PARALYSIS_ACTIVATIONS, paralysis_plot
from bpcourse.widgets.base import FigureWidget

__all__ = ["paralysis_explorer"]


def paralysis_explorer(scale: float = 1.0, activation: str = "sigmoid", epochs: int = 30, rng: int = 0) -> FigureWidget:
    """Initial weight scale (log slider, 0.1 .. 100) and hidden activation as controls; the picture shows
    the histograms of the hidden pre-activations z and of f'(z), and the loss of a short training run."""
    epochs = check_int(epochs, "paralysis_explorer", "epochs", low=1, high=200)
    controls = {
        "scale": W.FloatLogSlider(value=scale, base=10, min=-1, max=2, step=0.1, description="weight scale",
                                  continuous_update=False, readout_format=".2g",
                                  style={"description_width": "initial"}),
        "activation": W.Dropdown(options=list(PARALYSIS_ACTIVATIONS), value=activation, description="hidden f"),
    }

    def draw(scale, activation):
        return paralysis_plot(scale, activation, epochs=epochs, rng=rng)

    return FigureWidget(controls, draw, title="Network paralysis: initial weight scale vs learning")
