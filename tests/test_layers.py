"""Dense, ActivationLayer, Flatten: gradient checks, init schemes, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpcourse.activations import names
from bpcourse.gradcheck import check_layer
from bpcourse.layers import ActivationLayer, Dense, Flatten


@given(n=st.integers(1, 5), n_in=st.integers(1, 6), n_out=st.integers(1, 6), seed=st.integers(0, 1000))
@settings(max_examples=30, deadline=None)
def test_dense_gradients(n, n_in, n_out, seed):
    layer = Dense(n_in, n_out, rng=seed)
    x = np.random.default_rng(seed + 1).normal(size=(n, n_in))
    errors = check_layer(layer, x, rng=seed)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("name", [n for n in names()])
def test_activation_layer_gradients(name):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5))
    x = np.where(np.abs(x) < 0.1, 0.5, x)  # keep away from the kink at 0
    errors = check_layer(ActivationLayer(name), x)
    assert errors["x"] < 1e-7, errors


def test_flatten_round_trip_and_gradient():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    layer = Flatten()
    assert layer.forward(x).shape == (2, 60)
    assert check_layer(layer, x)["x"] < 1e-7


def test_dense_is_x_at_W_plus_b():
    layer = Dense(3, 2, rng=0)
    layer.params["W"][:] = [[1, 2], [3, 4], [5, 6]]
    layer.params["b"][:] = [0.5, -0.5]
    np.testing.assert_allclose(layer.forward(np.array([[1.0, 0.0, -1.0]])), [[-3.5, -4.5]])


@pytest.mark.parametrize("init, std", [("he", np.sqrt(2 / 400)), ("lecun", np.sqrt(1 / 400)),
                                       ("xavier", np.sqrt(2 / 700)), ("glorot", np.sqrt(2 / 700))])
def test_init_scales(init, std):
    W = Dense(400, 300, init=init, rng=0).params["W"]
    assert W.std() == pytest.approx(std, rel=0.02)
    assert abs(W.mean()) < 0.05 * std


def test_init_is_seeded_and_scale_and_bias_apply():
    a, b = Dense(5, 4, rng=7), Dense(5, 4, rng=7)
    np.testing.assert_array_equal(a.params["W"], b.params["W"])
    c = Dense(5, 4, rng=7, scale=3.0, bias=0.1)
    np.testing.assert_allclose(c.params["W"], 3 * a.params["W"])
    np.testing.assert_array_equal(c.params["b"], 0.1)


def test_backward_does_not_update_params():
    layer = Dense(3, 2, rng=0)
    before = layer.params["W"].copy()
    layer.forward(np.ones((4, 3)))
    layer.backward(np.ones((4, 2)))
    np.testing.assert_array_equal(layer.params["W"], before)


def test_layer_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"Dense.forward: expected x of shape \(N, 3\), got \(5, 4\)"):
        Dense(3, 2).forward(np.ones((5, 4)))
    with pytest.raises(ValueError, match=r"Dense.backward: called before forward"):
        Dense(3, 2).backward(np.ones((5, 2)))
    layer = Dense(3, 2)
    layer.forward(np.ones((5, 3)))
    with pytest.raises(ValueError, match=r"Dense.backward: expected dout of shape \(5, 2\)"):
        layer.backward(np.ones((5, 3)))
    with pytest.raises(ValueError, match=r"Dense: unknown init 'kaiming'"):
        Dense(3, 2, init="kaiming")
    with pytest.raises(ValueError, match=r"Dense: expected n_in >= 1, got 0"):
        Dense(0, 2)
    with pytest.raises(TypeError, match=r"Dense: expected n_out to be an integer"):
        Dense(3, 2.5)
    with pytest.raises(TypeError, match=r"Dense.forward: expected x to hold real numbers"):
        Dense(3, 2).forward(np.array([["a", "b", "c"]]))
    with pytest.raises(ValueError, match=r"ActivationLayer.backward: called before forward"):
        ActivationLayer("relu").backward(np.ones(3))
    with pytest.raises(ValueError, match=r"Flatten.backward: called before forward"):
        Flatten().backward(np.ones((2, 3)))
    with pytest.raises(TypeError, match=r"expected rng to be a seed"):
        Dense(3, 2, rng="seed")
