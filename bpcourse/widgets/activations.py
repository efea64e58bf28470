"""Widgets for the activations chapter: the activation explorer and the gradient-flow explorer.

Each is a FigureWidget over a pure function of bpcourse.plots.activations, with
a static fallback (small multiples) for the HTML book.
"""

from __future__ import annotations

import ipywidgets as W
from matplotlib.figure import Figure

from bpcourse.plots.activations import (
    ACTIVATION_PARAMS,
    activation_curves,
    activation_gallery,
    gradient_flow_gallery,
    gradient_flow_plot,
)
from bpcourse.widgets.base import FigureWidget

__all__ = ["activation_explorer", "activation_explorer_static", "gradient_flow_explorer",
           "gradient_flow_explorer_static"]

_NAMES = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "swish"]


def _slider(description: str, value: float, low: float, high: float, step: float) -> W.FloatSlider:
    return W.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                         continuous_update=False, readout_format=".3f",
                         layout=W.Layout(width="230px"), style={"description_width": "40px"})


def activation_explorer(name: str = "relu") -> FigureWidget:
    """Pick an activation and move alpha / beta / lam: f and f' redraw together, with the dead
    (f' = 0) and saturated (|f'| < 0.05) regions shaded.  Sliders an activation does not use are
    greyed out."""
    controls = {
        "name": W.Dropdown(options=_NAMES, value=name, description="f", layout=W.Layout(width="170px"),
                           style={"description_width": "20px"}),
        "alpha": _slider("α", 0.1, 0.0, 3.0, 0.01),
        "beta": _slider("β", 1.0, 0.0, 20.0, 0.1),
        "lam": _slider("λ", 1.0507009873554805, 0.5, 2.0, 0.01),
    }

    def sync(change=None) -> None:
        used = ACTIVATION_PARAMS.get(controls["name"].value, ())
        for key in ("alpha", "beta", "lam"):
            controls[key].disabled = key not in used
        if change is not None and controls["name"].value == "selu":  # SELU's own constants
            controls["alpha"].value, controls["lam"].value = 1.6732632423543772, 1.0507009873554805
        if change is not None and controls["name"].value == "elu" and controls["alpha"].value == 0.1:
            controls["alpha"].value = 1.0

    def draw(name, alpha, beta, lam) -> Figure:
        if name == "leaky_relu":  # its alpha lives in [0, 1]; alpha = 1 is the identity
            alpha = min(alpha, 1.0)
        return activation_curves(name, alpha=alpha, beta=beta, lam=lam)

    sync()
    controls["name"].observe(sync, names="value")  # registered before FigureWidget's redraw, so it runs first
    return FigureWidget(controls, draw, title="Activation explorer")


def activation_explorer_static() -> Figure:
    """The static stand-in: every activation, a few parameter values each (f on top, f' below)."""
    return activation_gallery(_NAMES)


def gradient_flow_explorer(activation: str = "relu", depth: int = 30) -> FigureWidget:
    """Depth, activation, initialisation and its scale as controls; ||delta|| and ||dC/dW|| per layer (log scale)
    and the activation mean / std per layer redraw."""
    controls = {
        "activation": W.Dropdown(options=_NAMES, value=activation, description="f",
                                 layout=W.Layout(width="170px"), style={"description_width": "20px"}),
        "depth": W.IntSlider(value=depth, min=2, max=100, step=1, description="depth", continuous_update=False,
                             layout=W.Layout(width="260px")),
        "init": W.Dropdown(options=["usual", "he", "lecun", "xavier"], value="usual", description="init",
                           layout=W.Layout(width="170px"), style={"description_width": "35px"}),
        "scale": W.FloatLogSlider(value=1.0, base=2, min=-2, max=2, step=0.05, description="scale",
                                  continuous_update=False, readout_format=".3g", layout=W.Layout(width="260px")),
    }

    def draw(activation, depth, init, scale) -> Figure:
        return gradient_flow_plot(activation, depth, None if init == "usual" else init, scale)

    return FigureWidget(controls, draw, title="Gradient-flow explorer")


def gradient_flow_explorer_static(depth: int = 30) -> Figure:
    """The static stand-in: ||delta|| per layer for every activation (its usual init), at three init scales."""
    return gradient_flow_gallery(_NAMES, depth=depth)
