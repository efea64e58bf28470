"""Widgets for chapter 4: a Gibbs-chain viewer for a trained RBM."""

from __future__ import annotations

import ipywidgets as W

from bpcourse._checks import check_int
from bpcourse.plots.rbm import gibbs_chain_frame, gibbs_chain_small_multiples
from bpcourse.widgets.base import FigureWidget

__all__ = ["gibbs_chain_viewer", "gibbs_chain_viewer_static"]


def gibbs_chain_viewer(rbm, v0, n_steps: int = 200, shape: tuple = (8, 8), rng=0) -> FigureWidget:
    """Run one chain of n_steps Gibbs steps from v0 (recorded once, seeded by rng) and step through it.

    The slider picks t; the picture shows v_t and the energies E(v_t, h_t) and F(v_t).
    The recorded chain is `widget.chain`; the static fallback is
    bpcourse.plots.gibbs_chain_small_multiples(widget.chain, steps, shape).
    """
    n_steps = check_int(n_steps, "gibbs_chain_viewer", "n_steps", low=1)
    chain = rbm.run_chain(v0, n_steps, rng=rng)
    step = W.IntSlider(value=0, min=0, max=n_steps, step=1, description="step t",
                       continuous_update=False, layout=W.Layout(width="420px"))

    def draw(step):
        return gibbs_chain_frame(chain, step, shape)

    widget = FigureWidget({"step": step}, draw, title="Gibbs chain of the RBM")
    widget.chain = chain
    return widget


def gibbs_chain_viewer_static(rbm, v0, n_steps: int = 200, shape: tuple = (8, 8), rng=0, steps=None):
    """The viewer's static fallback: the same chain (same rng) as small multiples at `steps`."""
    n_steps = check_int(n_steps, "gibbs_chain_viewer_static", "n_steps", low=1)
    chain = rbm.run_chain(v0, n_steps, rng=rng)
    if steps is None:
        steps = sorted({0, 1, 2, 5, 10, 20, 50, 100, 200, n_steps} & set(range(n_steps + 1)))
    return gibbs_chain_small_multiples(chain, steps, shape)
