"""numerical_gradient, rel_error, check_layer: they must catch a wrong backward."""

import numpy as np
import pytest

from bpcourse.gradcheck import check_layer, numerical_gradient, rel_error
from bpcourse.layers import Dense


def test_numerical_gradient_of_known_function_and_restores_x():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    g = numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    np.testing.assert_allclose(g, 3 * before ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, before)


def test_rel_error_reading():
    assert rel_error(np.array([1.0]), np.array([1.0])) == 0.0
    assert rel_error(np.array([1.0]), np.array([1.0 + 1e-9])) < 1e-9
    assert rel_error(np.array([1.0, 0.0]), np.array([-1.0, 0.0])) == 1.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0


def test_check_layer_catches_a_wrong_backward():
    class WrongDense(Dense):
        def backward(self, dout):
            dx = super().backward(dout)
            self.grads["W"] = self.grads["W"] * 2  # a bug: twice the weight gradient
            return dx

    x = np.random.default_rng(0).normal(size=(3, 4))
    errors = check_layer(WrongDense(4, 2, rng=0), x)
    assert errors["W"] > 0.1 and errors["x"] < 1e-7 and errors["b"] < 1e-7


def test_gradcheck_errors():
    with pytest.raises(TypeError, match=r"numerical_gradient: expected x to be a float64 numpy array"):
        numerical_gradient(lambda v: 0.0, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"rel_error: a and b must have the same shape"):
        rel_error(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match=r"numerical_gradient: expected h > 0.0"):
        numerical_gradient(lambda v: 0.0, np.zeros(2), h=0)
