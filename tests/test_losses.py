"""Losses: values, gradients (numerical check), stability, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpcourse import losses
from bpcourse.gradcheck import numerical_gradient, rel_error


def _away_from(a, rng):
    """Targets y with |a - y| in [0.5, 1.5]: gradient entries near 0 would make the elementwise
    relative error measure the rounding noise of the centred difference, not the gradient."""
    return a + rng.choice([-1.0, 1.0], size=a.shape) * rng.uniform(0.5, 1.5, size=a.shape)


def _check_grad(f, g, a, y):
    num = numerical_gradient(lambda _: f(a, y), a)
    assert rel_error(g(a, y), num) < 1e-7


@given(n=st.integers(1, 6), k=st.integers(1, 5), seed=st.integers(0, 10_000))
@settings(max_examples=25, deadline=None)
def test_mse_value_and_grad(n, k, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, k))
    y = _away_from(a, rng)
    assert losses.mse(a, y) == pytest.approx(0.5 * np.sum((a - y) ** 2) / n)
    _check_grad(losses.mse, losses.mse_grad, a, y)


@given(n=st.integers(1, 6), k=st.integers(2, 6), seed=st.integers(0, 10_000))
@settings(max_examples=25, deadline=None)
def test_softmax_cross_entropy_grad_labels_and_one_hot(n, k, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k))  # moderate logits: no softmax entry so small that h=1e-5 rounding dominates
    y = rng.integers(0, k, size=n)
    _check_grad(losses.softmax_cross_entropy, losses.softmax_cross_entropy_grad, z, y)
    y1 = losses.one_hot(y, k)
    assert losses.softmax_cross_entropy(z, y) == pytest.approx(losses.softmax_cross_entropy(z, y1))
    np.testing.assert_allclose(losses.softmax_cross_entropy_grad(z, y), losses.softmax_cross_entropy_grad(z, y1))


def test_softmax_cross_entropy_matches_definition():
    z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    y = np.array([1, 2])
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    assert losses.softmax_cross_entropy(z, y) == pytest.approx(-np.mean(np.log(p[[0, 1], y])))


@given(n=st.integers(1, 6), k=st.integers(1, 4), seed=st.integers(0, 10_000))
@settings(max_examples=25, deadline=None)
def test_binary_cross_entropy_grad(n, k, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k))
    y = rng.integers(0, 2, size=(n, k)).astype(float)  # 0/1 targets and moderate z: sigma(z) - y stays away from 0
    _check_grad(losses.binary_cross_entropy, losses.binary_cross_entropy_grad, z, y)


def test_binary_cross_entropy_matches_definition():
    z = np.array([[0.3], [-1.2]])
    y = np.array([[1.0], [0.0]])
    s = 1 / (1 + np.exp(-z))
    want = -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))
    assert losses.binary_cross_entropy(z, y) == pytest.approx(want)


@pytest.mark.parametrize("big", [1e3, 1e4, 1e300])
def test_extreme_logits_stay_finite(big):
    z = np.array([[big, -big, 0.0], [-big, big, 0.0]])
    y = np.array([1, 0])
    assert np.isfinite(losses.softmax_cross_entropy(z, y))
    assert np.all(np.isfinite(losses.softmax_cross_entropy_grad(z, y)))
    zb = np.array([[big], [-big]])
    assert np.isfinite(losses.binary_cross_entropy(zb, np.array([[0.0], [1.0]])))
    assert losses.binary_cross_entropy(zb, np.array([[1.0], [0.0]])) == pytest.approx(0.0, abs=1e-12)


def test_loss_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: labels must lie in \[0, 2\].*max 3"):
        losses.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"mse: expected a and y of the same shape"):
        losses.mse(np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(TypeError, match=r"integer class labels"):
        losses.softmax_cross_entropy(np.zeros((2, 3)), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match=r"targets y in \[0, 1\]"):
        losses.binary_cross_entropy(np.zeros((2, 1)), np.array([[2.0], [0.0]]))
    with pytest.raises(ValueError, match="unknown loss"):
        losses.get("hinge")
    with pytest.raises(ValueError, match=r"one_hot: labels must lie"):
        losses.one_hot(np.array([0, 5]), 3)
