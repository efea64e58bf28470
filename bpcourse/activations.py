"""Activation functions f(t) and their derivatives f'(t) = df/dt.

Each function takes an array t of pre-activations (any shape) and returns an
array of the same shape, in float64.  They are written to be read next to the
book: one formula each, stable for |t| up to 1e4 (no overflow, no warning).

Derivative at exactly t = 0: the value of the t <= 0 branch, as PyTorch does
(ReLU'(0) = 0, LeakyReLU'(0) = alpha, ELU'(0) = alpha).  Any value between the
one-sided derivatives is a valid subgradient; in practice t is exactly 0 almost
never, so the choice does not change training.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from bpcourse._checks import as_float_array, check_real

__all__ = [
    "SELU_ALPHA", "SELU_LAMBDA", "Activation", "get", "names",
    "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad",
    "leaky_relu", "leaky_relu_grad", "elu", "elu_grad", "selu", "selu_grad",
    "swish", "swish_grad", "swish_grad_beta", "identity", "identity_grad",
]

#: SELU constants of Klambauer et al. (2017), to float64 precision.
SELU_ALPHA = 1.6732632423543772
SELU_LAMBDA = 1.0507009873554805


def _t(t, where: str) -> np.ndarray:
    return as_float_array(t, where, "t")


def _alpha(alpha, where: str, high: float | None = None) -> float:
    return check_real(alpha, where, "alpha", low=0.0, high=high)


# --- sigmoid and tanh ------------------------------------------------------

def sigmoid(t):
    """sigma(t) = 1 / (1 + exp(-t)), computed through exp(-|t|) so it never overflows."""
    t = _t(t, "sigmoid")
    e = np.exp(-np.abs(t))
    return np.where(t >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(t):
    """sigma'(t) = sigma(t) * (1 - sigma(t)); at most 1/4, at t = 0."""
    s = sigmoid(_t(t, "sigmoid_grad"))
    return s * (1.0 - s)


def tanh(t):
    """tanh(t) = (e^t - e^-t) / (e^t + e^-t) = 2 sigma(2t) - 1."""
    return np.tanh(_t(t, "tanh"))


def tanh_grad(t):
    """tanh'(t) = 1 - tanh(t)^2; at most 1, at t = 0."""
    return 1.0 - np.tanh(_t(t, "tanh_grad")) ** 2


def identity(t):
    """f(t) = t (a linear unit)."""
    return _t(t, "identity").copy()


def identity_grad(t):
    """f'(t) = 1."""
    return np.ones_like(_t(t, "identity_grad"))


# --- the ReLU family -------------------------------------------------------

def relu(t):
    """ReLU(t) = max(0, t)."""
    return np.maximum(_t(t, "relu"), 0.0)


def relu_grad(t):
    """ReLU'(t) = 1 for t > 0, 0 for t <= 0 (ReLU'(0) = 0, as in PyTorch)."""
    return (_t(t, "relu_grad") > 0).astype(np.float64)


def leaky_relu(t, alpha: float = 0.01):
    """LeakyReLU(t) = t for t > 0, alpha * t for t <= 0;  0 <= alpha <= 1."""
    t = _t(t, "leaky_relu")
    alpha = _alpha(alpha, "leaky_relu", high=1.0)
    return np.where(t > 0, t, alpha * t)


def leaky_relu_grad(t, alpha: float = 0.01):
    """LeakyReLU'(t) = 1 for t > 0, +alpha for t <= 0 (the slope is positive)."""
    t = _t(t, "leaky_relu_grad")
    alpha = _alpha(alpha, "leaky_relu_grad", high=1.0)
    return np.where(t > 0, 1.0, alpha)


def elu(t, alpha: float = 1.0):
    """ELU(t) = t for t > 0, alpha * (exp(t) - 1) for t <= 0;  alpha >= 0."""
    t = _t(t, "elu")
    alpha = _alpha(alpha, "elu")
    return np.where(t > 0, t, alpha * np.expm1(np.minimum(t, 0.0)))


def elu_grad(t, alpha: float = 1.0):
    """ELU'(t) = 1 for t > 0, alpha * exp(t) = ELU(t) + alpha for t <= 0."""
    t = _t(t, "elu_grad")
    alpha = _alpha(alpha, "elu_grad")
    return np.where(t > 0, 1.0, alpha * np.exp(np.minimum(t, 0.0)))


def selu(t, alpha: float = SELU_ALPHA, lam: float = SELU_LAMBDA):
    """SELU(t) = lam * ELU(t, alpha), with the self-normalising constants by default."""
    t = _t(t, "selu")
    alpha = _alpha(alpha, "selu")
    lam = check_real(lam, "selu", "lam", low=0.0, low_open=True)
    return lam * np.where(t > 0, t, alpha * np.expm1(np.minimum(t, 0.0)))


def selu_grad(t, alpha: float = SELU_ALPHA, lam: float = SELU_LAMBDA):
    """SELU'(t) = lam for t > 0, lam * alpha * exp(t) for t <= 0."""
    t = _t(t, "selu_grad")
    alpha = _alpha(alpha, "selu_grad")
    lam = check_real(lam, "selu_grad", "lam", low=0.0, low_open=True)
    return lam * np.where(t > 0, 1.0, alpha * np.exp(np.minimum(t, 0.0)))


# --- Swish -----------------------------------------------------------------

def swish(t, beta: float = 1.0):
    """Swish(t) = t * sigma(beta * t).  beta -> 0 gives t/2, beta -> inf gives ReLU."""
    t = _t(t, "swish")
    beta = check_real(beta, "swish", "beta")
    return t * sigmoid(beta * t)


def swish_grad(t, beta: float = 1.0):
    """d/dt Swish = sigma(beta t) + beta t sigma(beta t) (1 - sigma(beta t))."""
    t = _t(t, "swish_grad")
    beta = check_real(beta, "swish_grad", "beta")
    s = sigmoid(beta * t)
    return s + beta * t * s * (1.0 - s)


def swish_grad_beta(t, beta: float = 1.0):
    """d/dbeta Swish = t^2 sigma(beta t) (1 - sigma(beta t))."""
    t = _t(t, "swish_grad_beta")
    beta = check_real(beta, "swish_grad_beta", "beta")
    s = sigmoid(beta * t)
    return t * t * s * (1.0 - s)


# --- lookup by name --------------------------------------------------------

_REGISTRY: dict[str, tuple[Callable, Callable, dict]] = {
    "identity": (identity, identity_grad, {}),
    "sigmoid": (sigmoid, sigmoid_grad, {}),
    "tanh": (tanh, tanh_grad, {}),
    "relu": (relu, relu_grad, {}),
    "leaky_relu": (leaky_relu, leaky_relu_grad, {"alpha": 0.01}),
    "elu": (elu, elu_grad, {"alpha": 1.0}),
    "selu": (selu, selu_grad, {"alpha": SELU_ALPHA, "lam": SELU_LAMBDA}),
    "swish": (swish, swish_grad, {"beta": 1.0}),
}


def names() -> list[str]:
    """The names `get` accepts."""
    return list(_REGISTRY)


@dataclass(frozen=True)
class Activation:
    """An activation with its parameters bound: `act.f(t)`, `act.df(t)`, `act(t)`."""

    name: str
    f: Callable = field(repr=False)
    df: Callable = field(repr=False)
    params: dict = field(default_factory=dict)

    def __call__(self, t):
        return self.f(t)

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Activation({self.name!r}{args})"


def get(name: str, **params) -> Activation:
    """The activation called `name` with `params` bound, e.g. get("leaky_relu", alpha=0.1)."""
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise TypeError(f"activations.get: expected a name (str), got {type(name).__name__}")
    key = name.lower().replace("-", "_")
    if key not in _REGISTRY:
        raise ValueError(f"activations.get: unknown activation {name!r}; expected one of {names()}")
    f, df, defaults = _REGISTRY[key]
    unknown = set(params) - set(defaults)
    if unknown:
        raise TypeError(f"activations.get: {key} takes parameters {sorted(defaults) or 'none'}, "
                        f"got unexpected {sorted(unknown)}")
    bound = {**defaults, **params}
    f(np.zeros(1), **bound)  # validates the parameters now, with the function's own message
    return Activation(key, partial(f, **bound), partial(df, **bound), bound)
