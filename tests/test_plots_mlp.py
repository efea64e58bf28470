"""Chapter 1 plots and the paralysis explorer, headless."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from bpcourse.chain import chain_cost
from bpcourse.plots.mlp import (
    chain_cost_plot,
    network_diagram,
    paralysis_plot,
    paralysis_run,
    paralysis_small_multiples,
    paralysis_trace,
    paralysis_trace_plot,
    saturated_fraction,
    training_modes_plot,
)
from bpcourse.widgets.base import figure_to_png
from bpcourse.widgets.mlp import paralysis_explorer


def test_static_plots_return_figures():
    figs = [
        network_diagram([4, 2, 2, 1], node_text={(1, 0): "z=0.64"}, edge_text={(1, 0, 0): "0.1"},
                        layer_names=["x", "1", "2", "out"], title="net"),
        chain_cost_plot(chain_cost([1, 2, 4], repeats=1)),
        chain_cost_plot({"depth": [1, 2], "naive_mults": [3, 10], "backprop_mults": [2, 5]}),
        training_modes_plot({"online": ([1.0, 0.5], 100), "full batch": ([1.0, 0.9], 1)}),
        paralysis_plot(3.0, "tanh", epochs=3),
        paralysis_small_multiples((0.5, 20.0), "relu", epochs=2),
        paralysis_trace_plot({"lr 1": paralysis_trace(1.0, epochs=2)}),
    ]
    for fig in figs:
        assert isinstance(fig, Figure)
        assert len(figure_to_png(fig)) > 500


def test_paralysis_run_measures_saturation():
    small = paralysis_run(1.0, "sigmoid", epochs=15)
    large = paralysis_run(30.0, "sigmoid", epochs=15)
    assert small["z"].shape == (200, 16) and small["df"].shape == (200, 16)
    assert len(small["loss"]) == 15
    assert small["saturated"] == 0.0 and large["saturated"] > 0.3
    assert small["df"].mean() > 2 * large["df"].mean()
    assert small["loss"][-1] < 0.1 < 0.5 < large["loss"][-1]      # the large start hardly learns
    again = paralysis_run(30.0, "sigmoid", epochs=15)
    assert again["loss"] == large["loss"]                         # seeded: the same numbers every time


def test_paralysis_trace_records_every_epoch():
    trace = paralysis_trace(10.0, epochs=3)
    assert all(len(v) == 4 for v in trace.values())
    assert trace["w_out"][-1] > 3 * trace["w_out"][0]             # the output weights jump
    assert trace["df_out"][-1] < 1e-3                             # and the tanh output saturates


def test_saturated_fraction():
    assert saturated_fraction([0.25, 0.001, 0.2, 0.0], 0.25) == 0.5


def test_plot_errors():
    with pytest.raises(ValueError, match="paralysis_run: expected activation in"):
        paralysis_run(1.0, "elu")
    with pytest.raises(ValueError, match="paralysis_run: expected scale > 0"):
        paralysis_run(0.0)
    with pytest.raises(ValueError, match="network_diagram: expected at least 2 layer sizes"):
        network_diagram([3])
    with pytest.raises(ValueError, match="paralysis_small_multiples: expected at least one scale"):
        paralysis_small_multiples(())


def test_paralysis_explorer_redraws_on_every_control():
    widget = paralysis_explorer()
    first = widget.image.value
    assert len(first) > 1000
    assert set(widget.controls) == {"scale", "activation"}
    widget.controls["scale"].value = 30.0
    assert widget.image.value != first
    second = widget.image.value
    widget.controls["activation"].value = "relu"
    assert widget.image.value != second
    assert widget.status.value == ""


def test_paralysis_explorer_rejects_bad_epochs():
    with pytest.raises(ValueError, match="paralysis_explorer: expected epochs <= 200"):
        paralysis_explorer(epochs=500)
    with pytest.raises(TypeError, match="paralysis_explorer"):
        paralysis_explorer(epochs=2.5)


def test_widget_values_are_plain_numbers():
    widget = paralysis_explorer(scale=3.0, activation="tanh", epochs=2)
    values = widget.values()
    assert np.isclose(values["scale"], 3.0, rtol=0.3) and values["activation"] == "tanh"
