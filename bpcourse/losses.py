"""Losses C(a, y) averaged over the batch, each with its gradient dC/da.

Because every loss is a batch *mean*, every gradient carries a 1/N: the
gradients of the weights (BP3, BP4) then come out averaged over the batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bpcourse._checks import as_float_array

__all__ = ["mse", "mse_grad", "softmax", "softmax_cross_entropy", "softmax_cross_entropy_grad",
           "binary_cross_entropy", "binary_cross_entropy_grad", "one_hot", "Loss", "get"]


def _pair(a, y, where: str):
    a = as_float_array(a, where, "a")
    y = as_float_array(y, where, "y")
    if a.ndim == 1:
        a = a[:, None]
    if y.ndim == 1:
        y = y[:, None]
    if a.ndim != 2 or a.shape != y.shape:
        raise ValueError(f"{where}: expected a and y of the same shape (N, n_out), got {a.shape} and {y.shape}")
    return a, y


def mse(a, y) -> float:
    """C = (1/N) sum_n 1/2 ||a_n - y_n||^2.  a, y: (N, n_out)."""
    a, y = _pair(a, y, "mse")
    return float(0.5 * np.sum((a - y) ** 2) / a.shape[0])


def mse_grad(a, y):
    """dC/da = (a - y) / N."""
    a, y = _pair(a, y, "mse_grad")
    return (a - y) / a.shape[0]


def one_hot(y, n_classes: int):
    """Integer labels (N,) -> one-hot rows (N, n_classes)."""
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"one_hot: expected integer labels of shape (N,), got dtype {y.dtype} shape {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"one_hot: labels must lie in [0, {n_classes - 1}], got min {y.min()} max {y.max()}")
    out = np.zeros((y.shape[0], n_classes))
    out[np.arange(y.shape[0]), y] = 1.0
    return out


def softmax(z):
    """softmax(z)_k = exp(z_k - max z) / sum_j exp(z_j - max z), row by row."""
    z = as_float_array(z, "softmax", "z", ndim=2)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _labels(z, y, where: str):
    """Return logits z (N, K) and one-hot targets (N, K) from integer or one-hot y."""
    z = as_float_array(z, where, "z (logits)", ndim=2)
    y_arr = np.asarray(y)
    if y_arr.ndim == 1:
        if not np.issubdtype(y_arr.dtype, np.integer):
            raise TypeError(f"{where}: expected integer class labels of shape (N,), got dtype {y_arr.dtype}")
        if y_arr.shape[0] != z.shape[0]:
            raise ValueError(f"{where}: expected {z.shape[0]} labels for z of shape {z.shape}, got {y_arr.shape[0]}")
        if y_arr.size and (y_arr.min() < 0 or y_arr.max() >= z.shape[1]):
            raise ValueError(f"{where}: labels must lie in [0, {z.shape[1] - 1}] for {z.shape[1]} classes, "
                             f"got min {y_arr.min()} max {y_arr.max()}")
        return z, one_hot(y_arr, z.shape[1])
    y_arr = as_float_array(y_arr, where, "y (one-hot)")
    if y_arr.shape != z.shape:
        raise ValueError(f"{where}: expected one-hot y of shape {z.shape}, got {y_arr.shape}")
    return z, y_arr


def softmax_cross_entropy(z, y) -> float:
    """C = -(1/N) sum_n log softmax(z_n)[y_n], from logits z (N, K); y integer (N,) or one-hot (N, K).

    Computed as logsumexp(z) - z[y], which stays finite for any finite logits.
    """
    z, y1 = _labels(z, y, "softmax_cross_entropy")
    zmax = z.max(axis=1, keepdims=True)
    log_sum = zmax[:, 0] + np.log(np.exp(z - zmax).sum(axis=1))
    return float(np.mean(log_sum - np.sum(y1 * z, axis=1)))


def softmax_cross_entropy_grad(z, y):
    """dC/dz = (softmax(z) - y) / N."""
    z, y1 = _labels(z, y, "softmax_cross_entropy_grad")
    return (softmax(z) - y1) / z.shape[0]


def _binary(z, y, where: str):
    z, y = _pair(z, y, where)
    if np.any((y < 0) | (y > 1)):
        raise ValueError(f"{where}: expected targets y in [0, 1], got values from {y.min()} to {y.max()}")
    return z, y


def binary_cross_entropy(z, y) -> float:
    """C = -(1/N) sum [y log sigma(z) + (1-y) log(1 - sigma(z))], from logits z (N, n_out).

    Computed as max(z, 0) - z*y + log(1 + exp(-|z|)): finite for any finite z.
    """
    z, y = _binary(z, y, "binary_cross_entropy")
    per = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return float(per.sum() / z.shape[0])


def binary_cross_entropy_grad(z, y):
    """dC/dz = (sigma(z) - y) / N."""
    from bpcourse.activations import sigmoid

    z, y = _binary(z, y, "binary_cross_entropy_grad")
    return (sigmoid(z) - y) / z.shape[0]


@dataclass(frozen=True)
class Loss:
    """A loss and its gradient: `loss(a, y)`, `loss.grad(a, y)`."""

    name: str
    f: Callable = field(repr=False)
    grad: Callable = field(repr=False)

    def __call__(self, a, y) -> float:
        return self.f(a, y)


_LOSSES = {
    "mse": Loss("mse", mse, mse_grad),
    "softmax_cross_entropy": Loss("softmax_cross_entropy", softmax_cross_entropy, softmax_cross_entropy_grad),
    "binary_cross_entropy": Loss("binary_cross_entropy", binary_cross_entropy, binary_cross_entropy_grad),
}


def get(name) -> Loss:
    """The loss called `name` ("mse", "softmax_cross_entropy", "binary_cross_entropy")."""
    if isinstance(name, Loss):
        return name
    if name not in _LOSSES:
        raise ValueError(f"losses.get: unknown loss {name!r}; expected one of {sorted(_LOSSES)}")
    return _LOSSES[name]
