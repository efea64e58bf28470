"""Layers: each forward sits next to its backward.

Protocol (every layer in bpcourse follows it):
  forward(x) -> out      keeps what backward needs as named attributes;
  backward(dout) -> dx   fills self.grads (same keys as self.params) and
                         returns dC/dx.  Layers never update their own
                         parameters: an optimizer does (bpcourse.network.SGD).
"""

from __future__ import annotations

import numpy as np

from bpcourse import activations
from bpcourse._checks import as_float_array, check_int, check_real, check_shape, make_rng

__all__ = ["Layer", "Dense", "ActivationLayer", "Flatten", "INITS"]


class Layer:
    """Base class: empty params/grads, and the forward-before-backward check."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dout):  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)

    def _require_forward(self, attr: str = "x") -> None:
        if getattr(self, attr, None) is None:
            raise ValueError(f"{type(self).__name__}.backward: called before forward; run forward(x) first")

    def _check_dout(self, dout, shape: tuple) -> np.ndarray:
        dout = as_float_array(dout, f"{type(self).__name__}.backward", "dout")
        if dout.shape != shape:
            raise ValueError(f"{type(self).__name__}.backward: expected dout of shape {shape} "
                             f"(the shape forward returned), got {dout.shape}")
        return dout


#: Weight initialisations: the standard deviation of W for a layer with n_in inputs.
INITS = {
    "xavier": lambda n_in, n_out: np.sqrt(2.0 / (n_in + n_out)),
    "glorot": lambda n_in, n_out: np.sqrt(2.0 / (n_in + n_out)),
    "he": lambda n_in, n_out: np.sqrt(2.0 / n_in),
    "lecun": lambda n_in, n_out: np.sqrt(1.0 / n_in),
    "normal": lambda n_in, n_out: 1.0,
}


class Dense(Layer):
    """z = x @ W + b.  x: (N, n_in) -> z: (N, n_out);  W: (n_in, n_out), b: (n_out,).

    init: "xavier"/"glorot" (std sqrt(2/(n_in+n_out))), "he" (std sqrt(2/n_in)),
    "lecun" (std sqrt(1/n_in)) or "normal" (std 1); W is drawn from a normal
    distribution with that std times `scale`.  b starts at the constant `bias`.
    """

    def __init__(self, n_in: int, n_out: int, init: str = "he", scale: float = 1.0,
                 bias: float = 0.0, rng=None) -> None:
        super().__init__()
        self.n_in = check_int(n_in, "Dense", "n_in", low=1)
        self.n_out = check_int(n_out, "Dense", "n_out", low=1)
        if init not in INITS:
            raise ValueError(f"Dense: unknown init {init!r}; expected one of {sorted(INITS)}")
        scale = check_real(scale, "Dense", "scale", low=0.0)
        bias = check_real(bias, "Dense", "bias")
        std = INITS[init](self.n_in, self.n_out) * scale
        gen = make_rng(rng, "Dense")
        self.init = init
        self.params = {"W": gen.normal(0.0, std, size=(self.n_in, self.n_out)),
                       "b": np.full(self.n_out, bias)}
        self.grads = {"W": np.zeros_like(self.params["W"]), "b": np.zeros_like(self.params["b"])}
        self.x = None

    def forward(self, x):
        x = as_float_array(x, "Dense.forward", "x")
        check_shape(x, (None, self.n_in), "Dense.forward", "x")
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        self._require_forward()
        dout = self._check_dout(dout, (self.x.shape[0], self.n_out))
        self.grads["W"] = self.x.T @ dout          # BP4: dC/dW = x^T delta
        self.grads["b"] = dout.sum(axis=0)         # BP3: dC/db = sum of delta
        return dout @ self.params["W"].T           # BP2 (before the f' factor): delta W^T

    def __repr__(self) -> str:
        return f"Dense({self.n_in}, {self.n_out}, init={self.init!r})"


class ActivationLayer(Layer):
    """a = f(z), elementwise.  backward: dz = dout * f'(z)  (the f' factor of BP1/BP2)."""

    def __init__(self, activation="sigmoid", **params) -> None:
        super().__init__()
        self.activation = activations.get(activation, **params)
        self.z = None

    def forward(self, z):
        z = as_float_array(z, "ActivationLayer.forward", "z")
        self.z = z
        return self.activation.f(z)

    def backward(self, dout):
        self._require_forward("z")
        dout = self._check_dout(dout, self.z.shape)
        return dout * self.activation.df(self.z)

    def __repr__(self) -> str:
        return f"ActivationLayer({self.activation!r})"


class Flatten(Layer):
    """(N, d1, d2, ...) -> (N, d1*d2*...);  backward reshapes dout back."""

    def __init__(self) -> None:
        super().__init__()
        self.in_shape = None

    def forward(self, x):
        x = as_float_array(x, "Flatten.forward", "x")
        if x.ndim < 1:
            raise ValueError(f"Flatten.forward: expected x with a batch axis, got shape {x.shape}")
        self.in_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        self._require_forward("in_shape")
        n = self.in_shape[0]
        dout = self._check_dout(dout, (n, int(np.prod(self.in_shape[1:], dtype=int))))
        return dout.reshape(self.in_shape)

    def __repr__(self) -> str:
        return "Flatten()"
