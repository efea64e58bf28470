"""A chain of one-neuron layers: the chain rule weight by weight vs backpropagation.

    z_l = w_l a_{l-1} + b_l,   a_l = f(z_l),   l = 1..L,   a_0 = x,   C = 1/2 (a_L - y)^2.

Written to count, not to be fast: scalars and Python loops, so that every
multiplication of a derivative product is visible and counted.  Both methods
read the same stored forward pass (z_l, a_l and f'(z_l)); they differ only in
how they multiply the factors of the chain rule.

naive_gradient writes out, for each parameter separately, the whole product

    dC/dw_l = (a_L - y) f'(z_L) * prod_{k=l+1..L} [w_k f'(z_{k-1})] * a_{l-1},

so the common tail of the products is recomputed for every layer: 2L^2 + L
multiplications in all.  backprop_gradient keeps delta_l = dC/dz_l and reuses
it (memoisation): delta_{l-1} = delta_l w_l f'(z_{l-1}), dC/dw_l = delta_l a_{l-1},
dC/db_l = delta_l: 3L - 1 multiplications.
"""

from __future__ import annotations

import time

import numpy as np

from bpcourse import activations
from bpcourse._checks import as_float_array, check_int, check_real, make_rng

__all__ = ["chain_forward", "naive_gradient", "backprop_gradient", "naive_count", "backprop_count", "chain_cost"]


def _params(w, b, where: str):
    w = as_float_array(w, where, "w", ndim=1)
    b = as_float_array(b, where, "b", ndim=1)
    if w.shape != b.shape or w.size == 0:
        raise ValueError(f"{where}: expected w and b of the same shape (L,) with L >= 1, got {w.shape} and {b.shape}")
    return [float(v) for v in w], [float(v) for v in b]


def chain_forward(w, b, x: float, activation: str = "sigmoid") -> dict:
    """Forward pass of the chain.  w, b: (L,) -> {"z": [z_1..z_L], "a": [a_0..a_L], "df": [f'(z_1)..f'(z_L)]}."""
    w, b = _params(w, b, "chain_forward")
    act = activations.get(activation)
    a = [check_real(x, "chain_forward", "x")]
    z, df = [], []
    for w_l, b_l in zip(w, b):
        z_l = w_l * a[-1] + b_l
        z.append(z_l)
        a.append(float(act.f(np.array(z_l))))
        df.append(float(act.df(np.array(z_l))))
    return {"z": z, "a": a, "df": df}


def _product(w, a, df, y, l: int, times_input: bool):
    """One chain-rule product written out in full, for w_l (times_input) or b_l.  Returns (value, mults)."""
    L = len(w)
    prod = (a[L] - y) * df[L - 1]                   # dC/da_L * f'(z_L)
    mults = 1
    for k in range(L, l, -1):                       # back through layers L..l+1: dz_k/dz_{k-1} = w_k f'(z_{k-1})
        prod = prod * w[k - 1] * df[k - 2]
        mults += 2
    if times_input:                                 # dz_l/dw_l = a_{l-1}  (dz_l/db_l = 1)
        prod = prod * a[l - 1]
        mults += 1
    return prod, mults


def _naive(w, a, df, y):
    dw, db, mults = [], [], 0
    for l in range(1, len(w) + 1):                  # the parameters of layer l (1-based, as in the math)
        g, m_w = _product(w, a, df, y, l, times_input=True)
        h, m_b = _product(w, a, df, y, l, times_input=False)
        dw.append(g)
        db.append(h)
        mults += m_w + m_b
    return np.array(dw), np.array(db), mults


def _backprop(w, a, df, y):
    L = len(w)
    dw, db = [0.0] * L, [0.0] * L
    delta = (a[L] - y) * df[L - 1]                  # BP1
    mults = 1
    for l in range(L, 0, -1):
        db[l - 1] = delta                           # BP3
        dw[l - 1] = delta * a[l - 1]                # BP4
        mults += 1
        if l > 1:
            delta = delta * w[l - 1] * df[l - 2]    # BP2: delta_{l-1} = delta_l w_l f'(z_{l-1})
            mults += 2
    return np.array(dw), np.array(db), mults


def naive_gradient(w, b, x: float, y: float, activation: str = "sigmoid"):
    """dC/dw and dC/db, each written out as its own chain-rule product.  Returns (dw, db, multiplications)."""
    fwd = chain_forward(w, b, x, activation)
    w, _ = _params(w, b, "naive_gradient")
    return _naive(w, fwd["a"], fwd["df"], check_real(y, "naive_gradient", "y"))


def backprop_gradient(w, b, x: float, y: float, activation: str = "sigmoid"):
    """dC/dw and dC/db with delta_l = dC/dz_l kept and reused.  Returns (dw, db, multiplications)."""
    fwd = chain_forward(w, b, x, activation)
    w, _ = _params(w, b, "backprop_gradient")
    return _backprop(w, fwd["a"], fwd["df"], check_real(y, "backprop_gradient", "y"))


def naive_count(L: int) -> int:
    """Multiplications of naive_gradient for depth L: sum over l of (2(L-l)+2) + (2(L-l)+1) = 2L^2 + L."""
    L = check_int(L, "naive_count", "L", low=1)
    return 2 * L * L + L


def backprop_count(L: int) -> int:
    """Multiplications of backprop_gradient for depth L: 1 (BP1) + 2(L-1) (BP2) + L (BP4) = 3L - 1."""
    L = check_int(L, "backprop_count", "L", low=1)
    return 3 * L - 1


def chain_cost(depths, repeats: int = 3, rng=0) -> dict:
    """Count and time both methods on random chains of each depth.

    Returns {"depth": [...], "naive_mults": [...], "backprop_mults": [...],
    "naive_seconds": [...], "backprop_seconds": [...], "max_abs_diff": [...]}.
    Only the backward part is timed (both share one stored forward pass, x = 0.5,
    y = 1, sigmoid); seconds are the best of `repeats` runs and vary by machine.
    """
    repeats = check_int(repeats, "chain_cost", "repeats", low=1)
    gen = make_rng(rng, "chain_cost")
    out = {k: [] for k in ("depth", "naive_mults", "backprop_mults", "naive_seconds", "backprop_seconds",
                           "max_abs_diff")}
    for L in depths:
        L = check_int(L, "chain_cost", "depth", low=1)
        w, b = gen.normal(0.0, 1.0, L), gen.normal(0.0, 0.1, L)
        fwd = chain_forward(w, b, 0.5)
        w_list = [float(v) for v in w]
        results = {}
        for name, method in (("naive", _naive), ("backprop", _backprop)):
            best = np.inf
            for _ in range(repeats):
                start = time.perf_counter()
                results[name] = method(w_list, fwd["a"], fwd["df"], 1.0)
                best = min(best, time.perf_counter() - start)
            out[f"{name}_seconds"].append(best)
            out[f"{name}_mults"].append(results[name][2])
        out["depth"].append(L)
        out["max_abs_diff"].append(float(max(np.max(np.abs(results["naive"][0] - results["backprop"][0])),
                                             np.max(np.abs(results["naive"][1] - results["backprop"][1])))))
    return out
