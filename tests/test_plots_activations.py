"""bpcourse.plots.activations and bpcourse.widgets.activations, headless."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from bpcourse import activations as A
from bpcourse.plots import activations as P
from bpcourse.widgets import activations as WA
from bpcourse.widgets.base import FigureWidget, figure_to_png


def test_all_is_accurate():
    for mod in (P, WA):
        for name in mod.__all__:
            assert hasattr(mod, name), name


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "swish", "identity"])
def test_activation_curves_draws_f_and_df(name):
    fig = P.activation_curves(name, alpha=0.2, beta=2.0, lam=1.1)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    t = lines["f(t)"].get_xdata()
    params = P.activation_params(name, alpha=0.2, beta=2.0, lam=1.1)
    act = A.get(name, **params)
    assert np.allclose(lines["f(t)"].get_ydata(), act.f(t))
    assert np.allclose(lines["f'(t)"].get_ydata(), act.df(t))
    assert len(figure_to_png(fig)) > 1000


def test_regions_are_marked_where_they_exist():
    labels = lambda fig: [c.get_label() for c in fig.axes[0].collections]  # noqa: E731
    assert any("dead" in lab for lab in labels(P.activation_curves("relu")))
    assert any("saturated" in lab for lab in labels(P.activation_curves("sigmoid")))
    assert not any("dead" in lab for lab in labels(P.activation_curves("elu")))
    assert labels(P.activation_curves("identity")) == []


def test_activation_params_picks_what_each_function_takes():
    assert P.activation_params("relu", 0.1, 2.0, 1.0) == {}
    assert P.activation_params("leaky_relu", 0.1, 2.0, 1.0) == {"alpha": 0.1}
    assert P.activation_params("selu", 0.1, 2.0, 1.0) == {"alpha": 0.1, "lam": 1.0}
    assert P.activation_params("swish", None, 2.0, None) == {"beta": 2.0}
    with pytest.raises(ValueError, match="unknown activation"):
        P.activation_params("nope")


def test_bad_arguments():
    with pytest.raises(ValueError, match="activation_curves: expected t_min < t_max"):
        P.activation_curves("relu", t_min=1, t_max=0)
    with pytest.raises(ValueError, match="leaky_relu"):
        P.activation_curves("leaky_relu", alpha=2.0)
    with pytest.raises(ValueError, match="gradient_flow: unknown init"):
        P.gradient_flow("relu", 3, init="zeros")
    with pytest.raises(ValueError, match="gradient_flow: expected depth >= 1"):
        P.gradient_flow("relu", 0)
    with pytest.raises(ValueError, match="heatmap: values of shape"):
        P.heatmap(np.zeros((2, 3)), ["a"], ["x", "y", "z"])


def test_gradient_flow_numbers():
    s = P.gradient_flow("relu", 5, width=16, n=32, rng=0)
    assert s["init"] == "he" and s["depth"] == 5
    for key in ("delta_norm", "grad_norm", "mean", "std", "dead"):
        assert s[key].shape == (5,)
    assert np.all(s["grad_norm"] > 0) and np.all(s["delta_norm"] > 0) and np.all(s["mean"] >= 0)
    again = P.gradient_flow("relu", 5, width=16, n=32, rng=0)
    assert np.array_equal(s["grad_norm"], again["grad_norm"])  # seeded
    # sigmoid gradients vanish with depth (sigma' <= 1/4), SELU activations stay near (0, 1)
    sig = P.gradient_flow("sigmoid", 30, rng=0)
    assert sig["delta_norm"][0] / sig["delta_norm"][-1] < 1e-10
    # ReLU with LeCun weights: delta shrinks by about 1/sqrt(2) per layer; with He weights it does not
    lecun = P.gradient_flow("relu", 30, init="lecun", rng=0)
    he = P.gradient_flow("relu", 30, init="he", rng=0)
    assert lecun["delta_norm"][0] / lecun["delta_norm"][-1] < 1e-3
    assert 0.1 < he["delta_norm"][0] / he["delta_norm"][-1] < 10
    selu = P.gradient_flow("selu", 30, width=128, rng=0)
    assert abs(selu["mean"][-1]) < 0.2 and abs(selu["std"][-1] - 1) < 0.2


def test_gradient_flow_survives_overflow():
    s = P.gradient_flow("relu", 60, scale=8.0, rng=0)
    fig = P.gradient_flow_plot("relu", 60, scale=8.0)
    assert isinstance(fig, Figure) and s["grad_norm"].shape == (60,)
    figure_to_png(fig)


def test_static_figures_render():
    for fig in (P.swish_beta_curves(), WA.activation_explorer_static(),
                P.gradient_flow_gallery(("relu", "tanh"), depth=5, scales=(1.0, 2.0)),
                P.layer_stats_plot({"relu": P.gradient_flow("relu", 5), "selu": P.gradient_flow("selu", 5)}),
                P.heatmap(np.array([[0.1, np.nan]]), ["r"], ["a", "b"]),
                P.comparison_plot({"relu": [0.9, 0.95], "tanh": [0.8, 0.85]})):
        assert isinstance(fig, Figure)
        assert len(figure_to_png(fig)) > 1000


def test_swish_beta_curves_contains_the_limits():
    fig = P.swish_beta_curves(betas=(0.0, 100.0))
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    t = lines["β = 0"].get_xdata()
    assert np.allclose(lines["β = 0"].get_ydata(), t / 2)
    assert np.allclose(lines["β = 100"].get_ydata(), np.maximum(t, 0), atol=0.01)


def test_dead_units_small_run():
    rng = np.random.default_rng(0)
    X = rng.random((60, 8))
    y = (X[:, 0] > 0.5).astype(np.int64)
    res = P.dead_units(X, y, X, y, bias=-5.0, lr=0.1, width=10, epochs=2, rng=0)
    assert res["never"] == 1.0 and res["dead_end"] == 1.0  # a bias of -5 kills every unit on inputs in [0, 1]
    ok = P.dead_units(X, y, X, y, bias=0.0, lr=0.05, width=10, epochs=2, rng=0)
    assert ok["never"] < 0.5 and 0.0 <= ok["acc"] <= 1.0
    # "never active" counts training batches only: test images that would wake the units change nothing
    waking = P.dead_units(X, y, np.full_like(X, 100.0), y, bias=-5.0, lr=0.1, width=10, epochs=2, rng=0)
    assert waking["never"] == 1.0


def test_activation_explorer_callbacks():
    w = WA.activation_explorer("relu")
    assert isinstance(w, FigureWidget)
    assert w.controls["alpha"].disabled and w.controls["beta"].disabled
    before = w.image.value
    assert len(before) > 1000
    w.controls["name"].value = "leaky_relu"
    assert not w.controls["alpha"].disabled
    after_name = w.image.value
    assert after_name != before
    w.controls["alpha"].value = 0.5
    assert w.image.value != after_name
    w.controls["alpha"].value = 2.5  # beyond leaky's range: clamped to 1 (the identity), no error
    assert w.status.value == ""
    w.controls["name"].value = "selu"
    assert w.controls["alpha"].value == pytest.approx(A.SELU_ALPHA, abs=1e-3)
    w.controls["name"].value = "swish"
    img = w.image.value
    w.controls["beta"].value = 10.0
    assert w.image.value != img


def test_gradient_flow_explorer_callbacks():
    w = WA.gradient_flow_explorer("relu", depth=20)
    before = w.image.value
    assert len(before) > 1000
    for key, value in [("depth", 100), ("activation", "tanh"), ("init", "lecun"), ("scale", 2.0)]:
        img = w.image.value
        w.controls[key].value = value
        assert w.image.value != img, key
        assert w.status.value == ""


def test_make_mlp_and_compare_activations():
    net = P.make_mlp("selu", depth=3, width=8, d_in=4, d_out=2, rng=0)
    assert len(net) == 7 and net[0].init == "lecun" and net[-1].init == "xavier"
    assert P.make_mlp("relu", depth=1, d_in=4, rng=0)[0].init == "he"
    assert P.make_mlp("tanh", depth=0, d_in=4, d_out=2, rng=0)[0].params["W"].shape == (4, 2)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    res = P.compare_activations(["relu", "tanh"], X, y, X, y, seeds=range(2), depth=1, width=8, epochs=5)
    assert set(res) == {"relu", "tanh"} and res["relu"].shape == (2,)
    assert np.all(res["tanh"] > 0.7)
    again = P.compare_activations(["relu"], X, y, X, y, seeds=range(2), depth=1, width=8, epochs=5)
    assert np.array_equal(again["relu"], res["relu"])
    blown = P.compare_activations(["identity"], X * 1e3, y, X, y, seeds=[0], depth=4, width=8, epochs=3, lr=50.0)
    assert np.isnan(blown["identity"]).all()  # an overflowing run scores nan instead of stopping the comparison
