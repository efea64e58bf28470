"""Sequential, SGD with momentum, fit: learning XOR and digits, online/mini/full batch."""

import numpy as np
import pytest

from bpcourse.data import load_digits, xor
from bpcourse.gradcheck import numerical_gradient, rel_error
from bpcourse.layers import ActivationLayer, Dense
from bpcourse.losses import mse, softmax_cross_entropy
from bpcourse.network import SGD, Sequential, accuracy, fit


def _mlp(sizes, act="tanh", seed=0):
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(n_in, n_out, init="xavier", rng=seed + i))
        if i < len(sizes) - 2:
            layers.append(ActivationLayer(act))
    return Sequential(*layers)


def test_sequential_backward_matches_numerical_gradient():
    rng = np.random.default_rng(0)
    net = _mlp([4, 5, 3, 2], act="tanh")
    x, y = rng.normal(size=(6, 4)), rng.integers(0, 2, size=6)

    def loss(_):
        return softmax_cross_entropy(net.forward(x), y)

    from bpcourse.losses import softmax_cross_entropy_grad
    net.backward(softmax_cross_entropy_grad(net.forward(x), y))
    for layer, key in net.parameters():
        analytic = layer.grads[key].copy()
        assert rel_error(analytic, numerical_gradient(loss, layer.params[key])) < 1e-7


def test_sgd_momentum_is_pytorch_form():
    layer = Dense(1, 1, rng=0)
    layer.params["W"][:] = 1.0
    opt = SGD(lr=0.1, momentum=0.9)
    for g in [1.0, 1.0]:
        layer.grads["W"][:] = g
        layer.grads["b"][:] = 0.0
        opt.step(layer)
    # v1 = 1, theta = 1 - 0.1 = 0.9;  v2 = 0.9 * 1 + 1 = 1.9, theta = 0.9 - 0.19 = 0.71
    assert layer.params["W"][0, 0] == pytest.approx(0.71)


def test_xor_is_learned():
    X, y = xor()
    net = Sequential(Dense(2, 4, init="xavier", rng=3), ActivationLayer("tanh"),
                     Dense(4, 1, init="xavier", rng=4), ActivationLayer("sigmoid"))
    history = fit(net, X, y, "mse", SGD(0.5, 0.9), epochs=2000, batch_size=None, progress=False)
    assert history.loss[-1] < history.loss[0] / 100
    assert accuracy(net.forward(X), y) == 1.0


def test_digits_reach_95_percent_quickly():
    X_tr, y_tr, X_te, y_te = load_digits()
    net = _mlp([64, 64, 10], act="sigmoid")
    history = fit(net, X_tr, y_tr, "softmax_cross_entropy", SGD(0.1, 0.9), epochs=30, batch_size=32,
                  X_val=X_te, y_val=y_te, progress=False)
    assert history.val_metric[-1] >= 0.95
    assert len(history.loss) == len(history.val_loss) == 30


@pytest.mark.parametrize("batch_size, updates", [(1, 12), (4, 3), (5, 3), (None, 1)])
def test_online_minibatch_full_batch_update_counts(batch_size, updates):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)), rng.normal(size=(12, 1))
    net = _mlp([3, 1])
    calls = []

    class Counting(SGD):
        def step(self, net):
            calls.append(1)
            super().step(net)

    fit(net, X, y, "mse", Counting(0.01), epochs=1, batch_size=batch_size, progress=False)
    assert len(calls) == updates


def test_full_batch_step_equals_manual_gradient_step():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    net, ref = _mlp([3, 2], seed=5), _mlp([3, 2], seed=5)
    fit(net, X, y, "mse", SGD(0.1), epochs=1, batch_size=None, progress=False)
    W, b = ref[0].params["W"], ref[0].params["b"]
    delta = (X @ W + b - y) / 8            # BP1 with a linear output, averaged over the batch
    np.testing.assert_allclose(net[0].params["W"], W - 0.1 * X.T @ delta)
    np.testing.assert_allclose(net[0].params["b"], b - 0.1 * delta.sum(0))


def test_shuffling_is_seeded():
    X_tr, y_tr, _, _ = load_digits()
    runs = []
    for _ in range(2):
        net = _mlp([64, 10])
        runs.append(fit(net, X_tr[:200], y_tr[:200], "softmax_cross_entropy", SGD(0.1), epochs=2,
                        batch_size=16, rng=42, progress=False).loss)
    assert runs[0] == runs[1]
    assert mse(np.zeros((1, 1)), np.ones((1, 1))) == 0.5


def test_fit_errors_and_divergence_message():
    X, y = xor()
    net = _mlp([2, 1])
    with pytest.raises(ValueError, match=r"fit: X has 4 examples but y has 3"):
        fit(net, X, y[:3], progress=False)
    with pytest.raises(ValueError, match=r"fit: expected epochs >= 1, got 0"):
        fit(net, X, y, epochs=0, progress=False)
    with pytest.raises(ValueError, match=r"SGD: expected momentum < 1.0"):
        SGD(0.1, momentum=1.0)
    with pytest.raises(ValueError, match=r"SGD: expected lr > 0.0"):
        SGD(0.0)
    with pytest.raises(TypeError, match=r"Sequential: layer 0 \(str\)"):
        Sequential("dense")
    big = Sequential(Dense(2, 1, init="normal", scale=1e150, rng=0))
    with pytest.raises(FloatingPointError, match=r"fit: the training loss became"):
        with np.errstate(over="ignore", invalid="ignore"):
            fit(big, X * 1e150, y, "mse", SGD(1e10), epochs=3, progress=False)
