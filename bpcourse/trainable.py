"""Layers for the activations chapter: Swish with a trainable beta, and AlphaDropout for SELU nets.

SwishLayer follows the layer protocol (bpcourse.layers): forward keeps z,
backward fills grads["beta"] and returns dC/dz.  AlphaDropout has no
parameters; it keeps the mean and variance of SELU activations (0 and 1)
while dropping units, as Klambauer et al. (2017) describe.
"""

from __future__ import annotations

import numpy as np

from bpcourse._checks import as_float_array, check_int, check_real, make_rng
from bpcourse.activations import SELU_ALPHA, SELU_LAMBDA, sigmoid, swish_grad, swish_grad_beta
from bpcourse.layers import Layer

__all__ = ["SwishLayer", "AlphaDropout", "ALPHA_PRIME"]

#: The value AlphaDropout gives a dropped unit: SELU's limit for t -> -inf, -lam * alpha.
ALPHA_PRIME = -SELU_LAMBDA * SELU_ALPHA


class SwishLayer(Layer):
    """a = z * sigma(beta * z), elementwise, with beta a parameter.  z: (N, n) -> a: (N, n).

    n_units=None: one beta shared by every unit, params["beta"] of shape (1,);
    n_units=n: one beta per unit, shape (n,).
    backward:  dC/dz = dout * Swish'(z)                    (the f' factor of BP2)
               dC/dbeta = sum over the batch (and over units when shared) of
                          dout * dSwish/dbeta = dout * z^2 sigma(beta z)(1 - sigma(beta z)).
    """

    def __init__(self, n_units: int | None = None, beta: float = 1.0) -> None:
        super().__init__()
        beta = check_real(beta, "SwishLayer", "beta")
        self.n_units = None if n_units is None else check_int(n_units, "SwishLayer", "n_units", low=1)
        self.params = {"beta": np.full(1 if n_units is None else self.n_units, beta)}
        self.grads = {"beta": np.zeros_like(self.params["beta"])}
        self.z = None

    def forward(self, z):
        z = as_float_array(z, "SwishLayer.forward", "z")
        if self.n_units is not None and (z.ndim != 2 or z.shape[1] != self.n_units):
            raise ValueError(f"SwishLayer.forward: expected z of shape (N, {self.n_units}) "
                             f"(one beta per unit), got {z.shape}")
        self.z = z
        return z * sigmoid(self.params["beta"] * z)

    def backward(self, dout):
        self._require_forward("z")
        dout = self._check_dout(dout, self.z.shape)
        beta = self.params["beta"]
        if self.n_units is None:  # one beta: the package's own derivatives
            b = float(beta[0])
            self.grads["beta"] = np.array([np.sum(dout * swish_grad_beta(self.z, b))])
            return dout * swish_grad(self.z, b)
        s = sigmoid(beta * self.z)  # one beta per column: the same formulas, broadcast over units
        self.grads["beta"] = np.sum(dout * self.z * self.z * s * (1.0 - s), axis=0)
        return dout * (s + beta * self.z * s * (1.0 - s))

    def __repr__(self) -> str:
        beta = self.params["beta"]
        shown = f"{beta[0]:.4g}" if beta.size == 1 else f"{beta.size} values, mean {beta.mean():.4g}"
        return f"SwishLayer(beta={shown})"


class AlphaDropout(Layer):
    """Dropout that keeps SELU's fixed point (mean 0, variance 1).  x: (N, ...) -> same shape.

    In training, each unit is kept with probability q = 1 - rate; a dropped unit
    is set to alpha' = -lam * alpha (SELU's saturation value, not 0), then
        out = a * x_dropped + b,   a = (q + alpha'^2 q (1 - q))^(-1/2),   b = -a (1 - q) alpha',
    which restores mean 0 and variance 1 for inputs with mean 0 and variance 1.
    With training=False (evaluation) it is the identity.
    backward: dx = dout * a * mask.
    """

    def __init__(self, rate: float = 0.1, rng=None, training: bool = True) -> None:
        super().__init__()
        self.rate = check_real(rate, "AlphaDropout", "rate", low=0.0, high=1.0, high_open=True)
        self.rng = make_rng(rng, "AlphaDropout")
        self.training = bool(training)
        q = 1.0 - self.rate
        self.a = (q + ALPHA_PRIME**2 * q * (1.0 - q)) ** -0.5
        self.b = -self.a * (1.0 - q) * ALPHA_PRIME
        self.mask = None

    def forward(self, x):
        x = as_float_array(x, "AlphaDropout.forward", "x")
        if not self.training or self.rate == 0.0:
            self.mask = np.ones_like(x)
            self._scale = 1.0
            return x.copy()
        self.mask = (self.rng.random(x.shape) >= self.rate).astype(np.float64)
        self._scale = self.a
        return self.a * np.where(self.mask > 0, x, ALPHA_PRIME) + self.b

    def backward(self, dout):
        self._require_forward("mask")
        dout = self._check_dout(dout, self.mask.shape)
        return dout * self._scale * self.mask

    def __repr__(self) -> str:
        return f"AlphaDropout(rate={self.rate}, training={self.training})"
