"""Chapter 4 plots and the Gibbs-chain widget, headless."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from bpcourse.data import bars_and_stripes
from bpcourse.plots.rbm import (
    capacity_plot,
    cd_bias_plot,
    energy_traces,
    gibbs_chain_frame,
    gibbs_chain_small_multiples,
    image_rows,
    rbm_filters,
)
from bpcourse.rbm import RBM
from bpcourse.widgets.base import figure_to_png
from bpcourse.widgets.rbm import gibbs_chain_viewer


@pytest.fixture(scope="module")
def chain():
    rbm = RBM(9, 5, rng=0, scale=1.0)
    return rbm, rbm.run_chain(bars_and_stripes(3)[3], 30, rng=1)


def test_static_plots_return_figures(chain):
    _, ch = chain
    figs = [
        energy_traces({"async": (np.arange(5) / 5, [3, 2, 2, 1, 0]), "sync": ([0, 1], [3, 3])}),
        capacity_plot([0.05, 0.1, 0.2], {"overlap": [1.0, 0.99, 0.6]}),
        image_rows({"a": np.zeros((3, 9)), "b": np.ones((3, 3, 3))}, (3, 3)),
        cd_bias_plot([1, 2, 4], {"expected": [0.3, 0.2, 0.1]}),
        rbm_filters(np.random.default_rng(0).normal(size=(9, 6)), (3, 3)),
        gibbs_chain_frame(ch, 5, (3, 3)),
        gibbs_chain_small_multiples(ch, [0, 10, 30], (3, 3)),
    ]
    for fig in figs:
        assert isinstance(fig, Figure)
        assert len(figure_to_png(fig)) > 500


def test_plot_errors(chain):
    _, ch = chain
    with pytest.raises(ValueError, match="energy_traces"):
        energy_traces({"x": ([0, 1], [1, 2, 3])})
    with pytest.raises(ValueError, match="capacity_plot"):
        capacity_plot([0.1, 0.2], {"x": [1.0]})
    with pytest.raises(ValueError, match="image_rows"):
        image_rows({"a": np.zeros((2, 4)), "b": np.zeros((3, 4))}, (2, 2))
    with pytest.raises(ValueError, match=r"rbm_filters: expected W of shape \(9, n_hidden\)"):
        rbm_filters(np.zeros((8, 3)), (3, 3))
    with pytest.raises(ValueError, match=r"step in \[0, 30\]"):
        gibbs_chain_frame(ch, 31, (3, 3))
    with pytest.raises(ValueError, match="chain dict"):
        gibbs_chain_small_multiples({"v": []}, [0], (3, 3))


def test_gibbs_chain_viewer_redraws(chain):
    rbm, _ = chain
    w = gibbs_chain_viewer(rbm, bars_and_stripes(3)[3], n_steps=30, shape=(3, 3), rng=1)
    first = w.image.value
    assert len(first) > 1000
    w.controls["step"].value = 17
    assert w.image.value != first  # redrawn (its speed is measured in benchmarks/bench_rbm.py, not here)
    assert w.status.value == ""
    assert w.chain["v"].shape == (31, 9)


def test_static_fallback_shows_the_same_chain(chain):
    from bpcourse.widgets.rbm import gibbs_chain_viewer_static
    rbm, _ = chain
    w = gibbs_chain_viewer(rbm, bars_and_stripes(3)[3], n_steps=30, shape=(3, 3), rng=1)
    again = rbm.run_chain(bars_and_stripes(3)[3], 30, rng=1)
    assert np.array_equal(w.chain["v"], again["v"])
    fig = gibbs_chain_viewer_static(rbm, bars_and_stripes(3)[3], n_steps=30, shape=(3, 3), rng=1)
    assert isinstance(fig, Figure)
