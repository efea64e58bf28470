"""Gradient checking: compare a backward pass with centred differences.

How to read rel_error (float64, inputs away from kinks):
  < 1e-7   the backward is right;
  1e-7 .. 1e-4  suspicious, unless the function has a kink near the input;
  > 1e-4   the backward is wrong.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bpcourse._checks import as_float_array, check_real, make_rng

__all__ = ["numerical_gradient", "rel_error", "check_layer"]


def numerical_gradient(f: Callable, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """dF/dx by centred differences, (f(x + h e_i) - f(x - h e_i)) / 2h for each entry i.

    f takes x and returns a scalar.  x is perturbed *in place* (and restored), so
    f may also ignore its argument and read x through a layer's params.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"numerical_gradient: expected x to be a float64 numpy array (perturbed in place), "
                        f"got {type(x).__name__}{'' if not isinstance(x, np.ndarray) else ' of dtype ' + str(x.dtype)}")
    h = check_real(h, "numerical_gradient", "h", low=0.0, low_open=True)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = float(f(x))
        x[i] = old - h
        f_minus = float(f(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def rel_error(a, b) -> float:
    """max |a - b| / max(|a| + |b|, 1e-8), elementwise, as in CS231n."""
    a = as_float_array(a, "rel_error", "a")
    b = as_float_array(b, "rel_error", "b")
    if a.shape != b.shape:
        raise ValueError(f"rel_error: a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def check_layer(layer, x, dout=None, h: float = 1e-5, rng=0) -> dict:
    """Relative errors of layer.backward against numerical gradients, for x and every param.

    Uses the scalar L = sum(forward(x) * dout) with a random dout, so dL/dout = dout.
    The random dout has entries of size 0.5..1.5 with random signs: entries near 0
    would make the elementwise relative error measure rounding noise, not the backward.
    Returns {"x": err, "W": err, ...}.
    """
    x = as_float_array(x, "check_layer", "x").copy()
    out = layer.forward(x)
    if dout is None:
        gen = make_rng(rng, "check_layer")
        dout = gen.choice([-1.0, 1.0], size=out.shape) * gen.uniform(0.5, 1.5, size=out.shape)
    dout = as_float_array(dout, "check_layer", "dout")

    def loss(_):
        return float(np.sum(layer.forward(x) * dout))

    layer.forward(x)
    dx = layer.backward(dout)
    analytic = {"x": dx, **{k: g.copy() for k, g in layer.grads.items()}}
    errors = {"x": rel_error(dx, numerical_gradient(loss, x, h))}
    for key, p in layer.params.items():
        errors[key] = rel_error(analytic[key], numerical_gradient(loss, p, h))
    return errors
