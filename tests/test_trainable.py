"""bpcourse.trainable: SwishLayer (trainable beta) and AlphaDropout."""

import numpy as np
import pytest

from bpcourse import activations as A
from bpcourse.gradcheck import check_layer
from bpcourse.layers import Dense
from bpcourse.network import SGD, Sequential, fit
from bpcourse.trainable import ALPHA_PRIME, AlphaDropout, SwishLayer


@pytest.mark.parametrize("n_units, beta", [(None, 1.0), (None, 0.3), (None, -1.5), (5, 1.0), (5, 2.0)])
def test_swish_layer_gradient_check(n_units, beta):
    layer = SwishLayer(n_units, beta=beta)
    rng = np.random.default_rng(0)
    if n_units is not None:
        layer.params["beta"] = rng.uniform(0.2, 2.5, size=n_units)
    x = rng.normal(0, 2, size=(6, 5))
    errors = check_layer(layer, x, rng=1)
    assert set(errors) == {"x", "beta"}
    assert max(errors.values()) < 1e-7, errors


def test_swish_layer_matches_the_activation_functions():
    z = np.linspace(-4, 4, 30).reshape(6, 5)
    layer = SwishLayer(beta=1.7)
    assert np.allclose(layer.forward(z), A.swish(z, 1.7))
    dout = np.ones_like(z)
    assert np.allclose(layer.backward(dout), A.swish_grad(z, 1.7))
    assert np.isclose(layer.grads["beta"][0], A.swish_grad_beta(z, 1.7).sum())
    per_unit = SwishLayer(5, beta=1.7)
    per_unit.forward(z)
    assert np.allclose(per_unit.backward(dout), A.swish_grad(z, 1.7))
    assert np.allclose(per_unit.grads["beta"], A.swish_grad_beta(z, 1.7).sum(axis=0))


def test_swish_layer_beta_trains_in_a_network():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    y = np.abs(X[:, :1])  # |x| needs the nonlinearity; beta moves away from its start
    swish = SwishLayer(beta=0.5)
    net = Sequential(Dense(3, 8, rng=0), swish, Dense(8, 1, rng=1))
    hist = fit(net, X, y, loss="mse", optimizer=SGD(0.05, 0.9), epochs=30, batch_size=16, rng=0,
               metric=None, progress=False)
    assert hist.loss[-1] < hist.loss[0]
    assert swish.params["beta"][0] != 0.5


def test_swish_layer_errors():
    with pytest.raises(ValueError, match="SwishLayer.forward: expected z of shape \\(N, 4\\)"):
        SwishLayer(4).forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match="SwishLayer.backward: called before forward"):
        SwishLayer().backward(np.ones((2, 3)))
    with pytest.raises(TypeError, match="SwishLayer: expected beta"):
        SwishLayer(beta="1")
    with pytest.raises(ValueError, match="n_units >= 1"):
        SwishLayer(0)
    layer = SwishLayer()
    layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match="expected dout of shape \\(2, 3\\)"):
        layer.backward(np.ones((3, 2)))
    assert "SwishLayer(beta=1" in repr(layer)


def test_alpha_dropout_keeps_mean_zero_and_variance_one():
    rng = np.random.default_rng(0)
    x = A.selu(rng.normal(size=(4000, 250)))  # SELU of N(0,1): mean 0, variance 1
    for rate in (0.05, 0.1, 0.2, 0.5):
        out = AlphaDropout(rate, rng=1).forward(x)
        assert abs(out.mean()) < 0.01 and abs(out.var() - 1) < 0.01, (rate, out.mean(), out.var())
    assert np.isclose(ALPHA_PRIME, -1.7580993408473766)


class _FixedMaskDropout(AlphaDropout):
    """The same mask on every forward, so centred differences see one function."""

    def forward(self, x):
        self.rng = np.random.default_rng(123)
        return super().forward(x)


def test_alpha_dropout_gradient_check_and_eval_mode():
    layer = _FixedMaskDropout(0.3)
    x = np.random.default_rng(0).normal(size=(5, 7))
    assert check_layer(layer, x)["x"] < 1e-7
    assert 0 < layer.mask.sum() < layer.mask.size
    dropped = layer.forward(x)[layer.mask == 0]
    assert np.allclose(dropped, layer.a * ALPHA_PRIME + layer.b)
    ev = AlphaDropout(0.3, rng=0, training=False)
    assert np.array_equal(ev.forward(x), x)
    assert np.array_equal(ev.backward(np.ones_like(x)), np.ones_like(x))
    with pytest.raises(ValueError, match="AlphaDropout: expected rate < 1"):
        AlphaDropout(1.0)
    with pytest.raises(ValueError, match="called before forward"):
        AlphaDropout(0.1).backward(np.ones(3))
    assert repr(ev) == "AlphaDropout(rate=0.3, training=False)"
