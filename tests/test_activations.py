"""bpcourse.activations: every derivative against centred differences (float64),
properties over random shapes and parameters, the conventions of DESIGN.md
(values at 0, SELU constants), stability and error messages."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

from bpcourse import activations as A
from bpcourse.gradcheck import rel_error

H = 1e-6
HB = 1e-7  # for d/dbeta: the t^4 in the third derivative makes the truncation error of h = 1e-6 visible

# name -> (f, df, params); the kink (if any) is at t = 0
CASES = {
    "sigmoid": (A.sigmoid, A.sigmoid_grad, {}),
    "tanh": (A.tanh, A.tanh_grad, {}),
    "identity": (A.identity, A.identity_grad, {}),
    "relu": (A.relu, A.relu_grad, {}),
    "leaky_relu": (A.leaky_relu, A.leaky_relu_grad, {"alpha": 0.1}),
    "leaky_relu_0.3": (A.leaky_relu, A.leaky_relu_grad, {"alpha": 0.3}),
    "elu": (A.elu, A.elu_grad, {"alpha": 1.0}),
    "elu_0.5": (A.elu, A.elu_grad, {"alpha": 0.5}),
    "selu": (A.selu, A.selu_grad, {}),
    "swish": (A.swish, A.swish_grad, {"beta": 1.0}),
    "swish_2.5": (A.swish, A.swish_grad, {"beta": 2.5}),
    "swish_neg": (A.swish, A.swish_grad, {"beta": -0.7}),
}


def away_from_kink(rng, shape, low=1e-3, high=5.0):
    """Random t with |t| in [low, high] (both signs)."""
    mag = rng.uniform(low, high, size=shape)
    return mag * rng.choice([-1.0, 1.0], size=shape)


def swish_beta_numeric(t, beta, h=HB):
    """d/dbeta Swish by centred differences, on the cancellation-free form of Swish.

    Where beta t > 0, Swish(t) = t * sigma(beta t) = t - t * sigma(-beta t): the t does not depend on
    beta, and differencing the small term -t * sigma(-beta t) keeps every digit (differencing
    t * sigma(beta t) itself, close to t, loses them when sigma(beta t) is near 1).
    """
    pos = beta * t > 0

    def g(b):
        return np.where(pos, -t * A.sigmoid(-b * t), t * A.sigmoid(b * t))
    return (g(beta + h) - g(beta - h)) / (2 * h)


def test_cancellation_free_form_is_swish():
    t = np.linspace(-6, 6, 49)
    for beta in (-2.0, 0.0, 1.0, 4.0):
        g = np.where(beta * t > 0, t - t * A.sigmoid(-beta * t), t * A.sigmoid(beta * t))
        assert np.allclose(g, A.swish(t, beta), rtol=1e-14, atol=1e-15)


def centred(f, t, h=H, **params):
    return (f(t + h, **params) - f(t - h, **params)) / (2 * h)


@pytest.mark.parametrize("case", sorted(CASES))
def test_derivative_matches_centred_differences(case):
    f, df, params = CASES[case]
    t = away_from_kink(np.random.default_rng(0), (7, 9))
    assert rel_error(df(t, **params), centred(f, t, **params)) < 1e-7


@pytest.mark.parametrize("beta", [0.0, 0.3, 1.0, 4.0, -2.0])
def test_swish_grad_beta_matches_centred_differences(beta):
    t = away_from_kink(np.random.default_rng(1), (50,), low=0.1)
    numeric = swish_beta_numeric(t, beta)
    assert rel_error(A.swish_grad_beta(t, beta), numeric) < 1e-7


@pytest.mark.parametrize("name", A.names())
def test_get_binds_the_same_functions(name):
    act = A.get(name)
    t = np.linspace(-3, 3, 13)
    f, df, params = {k.split("_0")[0]: v for k, v in CASES.items()}.get(name, CASES[name])
    assert np.array_equal(act(t), f(t, **act.params))
    assert np.array_equal(act.df(t), df(t, **act.params))
    assert repr(act).startswith(f"Activation({name!r}")


# --- properties over random shapes and parameters ---------------------------------

finite = st.floats(-20, 20, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(shape=array_shapes(min_dims=0, max_dims=3, max_side=5), seed=st.integers(0, 2**32 - 1),
       alpha=st.floats(0.0, 1.0), elu_alpha=st.floats(0.0, 3.0), beta=st.floats(-5.0, 5.0))
def test_shapes_dtypes_and_derivatives_random(shape, seed, alpha, elu_alpha, beta):
    rng = np.random.default_rng(seed)
    t = away_from_kink(rng, shape, low=1e-2, high=4.0)
    pairs = [(A.sigmoid, A.sigmoid_grad, {}), (A.tanh, A.tanh_grad, {}), (A.relu, A.relu_grad, {}),
             (A.leaky_relu, A.leaky_relu_grad, {"alpha": alpha}), (A.elu, A.elu_grad, {"alpha": elu_alpha}),
             (A.selu, A.selu_grad, {}), (A.swish, A.swish_grad, {"beta": beta})]
    for f, df, params in pairs:
        out, d = f(t, **params), df(t, **params)
        assert out.shape == t.shape and d.shape == t.shape
        assert out.dtype == np.float64 and d.dtype == np.float64
        assert rel_error(d, centred(f, t, **params)) < 1e-6  # looser: hypothesis picks any alpha/beta
    numeric = swish_beta_numeric(t, beta)
    assert rel_error(A.swish_grad_beta(t, beta), numeric) < 1e-6


@settings(max_examples=40, deadline=None)
@given(t=st.lists(finite, min_size=1, max_size=20), alpha=st.floats(0.0, 1.0))
def test_leaky_relu_is_monotone_and_between_identity_and_relu(t, alpha):
    t = np.sort(np.array(t))
    out = A.leaky_relu(t, alpha)
    assert np.all(np.diff(out) >= 0)
    assert np.all(out <= np.maximum(t, 0) + 1e-12)
    assert np.all(out >= np.minimum(t, alpha * t) - 1e-12)


@settings(max_examples=40, deadline=None)
@given(t=st.lists(st.floats(-30, -1e-9), min_size=1, max_size=20), alpha=st.floats(0.0, 3.0))
def test_elu_grad_is_elu_plus_alpha_for_negative_t(t, alpha):
    t = np.array(t)
    assert np.allclose(A.elu_grad(t, alpha), A.elu(t, alpha) + alpha, rtol=0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(t=st.lists(finite, min_size=1, max_size=20))
def test_bounds_of_sigmoid_and_tanh_derivatives(t):
    t = np.array(t)
    assert np.all(A.sigmoid_grad(t) <= 0.25) and np.all(A.sigmoid_grad(t) >= 0)
    assert np.all(A.tanh_grad(t) <= 1.0) and np.all(A.tanh_grad(t) >= 0)


def test_leaky_relu_with_alpha_one_is_the_identity():
    t = np.linspace(-4, 4, 17)
    assert np.array_equal(A.leaky_relu(t, 1.0), t)
    assert np.array_equal(A.leaky_relu_grad(t, 1.0), np.ones_like(t))


# --- conventions ---------------------------------------------------------------------

def test_values_at_zero_follow_the_t_le_0_branch():
    z = np.zeros(3)
    assert np.array_equal(A.relu_grad(z), np.zeros(3))
    assert np.array_equal(A.leaky_relu_grad(z, 0.2), np.full(3, 0.2))
    assert np.array_equal(A.elu_grad(z, 0.7), np.full(3, 0.7))
    assert np.array_equal(A.selu_grad(z), np.full(3, A.SELU_LAMBDA * A.SELU_ALPHA))
    assert A.sigmoid_grad(0.0) == 0.25 and A.tanh_grad(0.0) == 1.0
    assert A.swish_grad(0.0, 3.0) == 0.5 and A.swish_grad_beta(0.0, 3.0) == 0.0
    for f in (A.relu, A.leaky_relu, A.elu, A.selu, A.swish):
        assert f(0.0) == 0.0


def test_selu_constants_are_exact():
    assert A.SELU_ALPHA == 1.6732632423543772
    assert A.SELU_LAMBDA == 1.0507009873554805
    # and they are the fixed point: E[selu(z)] = 0, E[selu(z)^2] = 1 for z ~ N(0, 1)
    phi = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))  # noqa: E731
    alpha = (1 / math.sqrt(2 * math.pi)) / (0.5 - math.exp(0.5) * phi(-1))
    second = 0.5 + alpha**2 * (math.exp(2) * phi(-2) - 2 * math.exp(0.5) * phi(-1) + 0.5)
    assert abs(alpha - A.SELU_ALPHA) < 1e-13
    assert abs(1 / math.sqrt(second) - A.SELU_LAMBDA) < 1e-13


@pytest.mark.parametrize("beta_small", [0.0, 1e-9])
def test_swish_limits_in_beta(beta_small):
    t = np.linspace(-6, 6, 25)
    assert np.allclose(A.swish(t, beta_small), t / 2, atol=1e-8)
    big = A.swish(t, 1e4)
    assert np.allclose(big, A.relu(t), atol=1e-12)
    assert np.allclose(A.swish_grad(t[t != 0], 1e4), A.relu_grad(t[t != 0]), atol=1e-12)


# --- stability -------------------------------------------------------------------------

@pytest.mark.parametrize("case", sorted(CASES))
def test_no_overflow_warning_or_nan_for_large_t(case):
    f, df, params = CASES[case]
    t = np.array([-1e4, -710.0, -50.0, 0.0, 50.0, 710.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, d = f(t, **params), df(t, **params)
        gb = A.swish_grad_beta(t, 2.0)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(d)) and np.all(np.isfinite(gb))


def test_stable_limits_for_large_t():
    t = np.array([-1e4, 1e4])
    assert np.array_equal(A.sigmoid(t), [0.0, 1.0])
    assert np.array_equal(A.elu(t), [-1.0, 1e4])
    assert np.allclose(A.selu(t), [-A.SELU_LAMBDA * A.SELU_ALPHA, A.SELU_LAMBDA * 1e4])
    assert np.array_equal(A.swish(t), [0.0, 1e4])


# --- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("call, exc, words", [
    (lambda: A.leaky_relu(np.ones(2), alpha=-1), ValueError, ["leaky_relu", "alpha", "-1"]),
    (lambda: A.leaky_relu_grad(np.ones(2), alpha=2), ValueError, ["leaky_relu_grad", "alpha"]),
    (lambda: A.elu(np.ones(2), alpha=-0.5), ValueError, ["elu", "alpha"]),
    (lambda: A.selu(np.ones(2), lam=0.0), ValueError, ["selu", "lam"]),
    (lambda: A.swish(np.ones(2), beta=float("nan")), ValueError, ["swish", "beta"]),
    (lambda: A.swish(np.ones(2), beta="1"), TypeError, ["swish", "beta"]),
    (lambda: A.relu("abc"), TypeError, ["relu", "real numbers"]),
    (lambda: A.sigmoid(np.array([1 + 2j])), TypeError, ["sigmoid", "complex"]),
    (lambda: A.tanh([[1.0], [1.0, 2.0]]), TypeError, ["tanh"]),
    (lambda: A.relu(np.array([True, False])), TypeError, ["relu", "bool"]),
    (lambda: A.get("nope"), ValueError, ["activations.get", "nope", "relu"]),
    (lambda: A.get(3), TypeError, ["activations.get", "int"]),
    (lambda: A.get("relu", alpha=0.1), TypeError, ["relu", "alpha"]),
    (lambda: A.get("leaky_relu", alpha=-0.1), ValueError, ["leaky_relu", "alpha"]),
])
def test_bad_input_raises_a_message_naming_the_function(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for w in words:
        assert w in str(info.value)


def test_get_accepts_dashes_and_case_and_activation_objects():
    act = A.get("Leaky-ReLU", alpha=0.2)
    assert act.name == "leaky_relu" and act.params == {"alpha": 0.2}
    assert A.get(act) is act
    assert set(A.names()) >= {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "swish"}
