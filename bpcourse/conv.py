"""Convolution and pooling (chapter 2): layers, functional forms, naive and fast.

Conventions (as in PyTorch):
  * images are NCHW: x of shape (N, C, H, W); a kernel K has shape
    (out_ch, in_ch, kh, kw) and a bias b shape (out_ch,);
  * "convolution" in a layer means cross-correlation, no kernel flip:
        z[n, f, i, j] = b[f] + sum_{c, u, v} K[f, c, u, v] * xp[n, c, s*i + u, s*j + v]
    where xp is x zero-padded by `padding` on every side and s is the stride;
  * output size floor((H + 2p - kh) / s) + 1: rows or columns the window
    cannot reach are ignored (and get zero gradient);
  * max pooling gives all of delta to the FIRST maximum of each window in
    row-major order (of tied maxima, the one met first reading the window
    row by row), as PyTorch and np.argmax do; a NaN in a window counts as its
    maximum (the output is NaN, the first NaN gets delta), as np.argmax does.

Each operation comes three times: a `*_naive` loop version that reads like the
formula (for the book and the exercises), a fast vectorized version (used by
the layers), and a layer (`Conv2D`, `MaxPool2D`, `AvgPool2D`) following the
protocol of bpcourse.layers.  The tests check naive == fast == numerical
gradients.  Small single-channel helpers (`pad`, `rot180`, `correlate2d`,
`convolve2d`) serve the derivation in the book.
"""

from __future__ import annotations

import numbers
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.lib.stride_tricks import as_strided

from bpcourse._checks import as_float_array, check_int, make_rng
from bpcourse.layers import INITS, Layer

__all__ = [
    "pad", "rot180", "correlate2d", "convolve2d", "conv_output_size",
    "conv2d_forward", "conv2d_backward", "conv2d_forward_naive", "conv2d_backward_naive",
    "maxpool2d_forward", "maxpool2d_backward", "maxpool2d_forward_naive", "maxpool2d_backward_naive",
    "avgpool2d_forward", "avgpool2d_backward", "avgpool2d_forward_naive", "avgpool2d_backward_naive",
    "Conv2D", "MaxPool2D", "AvgPool2D",
]


# --- argument checks ---------------------------------------------------------

def _pair(value, where: str, name: str, low: int) -> tuple[int, int]:
    """An int or a pair of ints -> (rows, cols), each >= low."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{where}: expected {name} to be an int or a pair of ints, got {value!r}")
        return (check_int(value[0], where, name, low=low), check_int(value[1], where, name, low=low))
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        v = check_int(value, where, name, low=low)
        return (v, v)
    raise TypeError(f"{where}: expected {name} to be an int or a pair of ints, got {type(value).__name__} {value!r}")


def _image(x, where: str, name: str = "x") -> np.ndarray:
    x = as_float_array(x, where, name)
    if x.ndim != 4:
        raise ValueError(f"{where}: expected {name} of shape (N, C, H, W) (4 dimensions), got shape {x.shape}")
    return x


def conv_output_size(size: int, k: int, stride: int = 1, padding: int = 0) -> int:
    """floor((size + 2*padding - k) / stride) + 1: how many places a window of k fits."""
    return (size + 2 * padding - k) // stride + 1


def _out_hw(x: np.ndarray, k: tuple, s: tuple, p: tuple, where: str, what: str = "kernel") -> tuple[int, int]:
    H, W = x.shape[2], x.shape[3]
    if k[0] > H + 2 * p[0] or k[1] > W + 2 * p[1]:
        padded = f" (padded by {p[0]}, {p[1]}: {H + 2 * p[0]}x{W + 2 * p[1]})" if any(p) else ""
        raise ValueError(f"{where}: the {what} of size {k[0]}x{k[1]} is larger than the input "
                         f"{H}x{W}{padded}")
    return conv_output_size(H, k[0], s[0], p[0]), conv_output_size(W, k[1], s[1], p[1])


def _conv_args(x, K, b, stride, padding, where: str):
    x = _image(x, where)
    K = as_float_array(K, where, "K")
    if K.ndim != 4:
        raise ValueError(f"{where}: expected K of shape (out_ch, in_ch, kh, kw) (4 dimensions), got shape {K.shape}")
    if K.shape[1] != x.shape[1]:
        raise ValueError(f"{where}: x has {x.shape[1]} channels but K expects in_ch = {K.shape[1]} "
                         f"(x {x.shape}, K {K.shape})")
    if b is not None:
        b = as_float_array(b, where, "b")
        if b.shape != (K.shape[0],):
            raise ValueError(f"{where}: expected b of shape ({K.shape[0]},) (one bias per output channel), "
                             f"got {b.shape}")
    s = _pair(stride, where, "stride", low=1)
    p = _pair(padding, where, "padding", low=0)
    Ho, Wo = _out_hw(x, K.shape[2:], s, p, where)
    return x, K, b, s, p, Ho, Wo


def _check_dout(dout, shape: tuple, where: str) -> np.ndarray:
    dout = as_float_array(dout, where, "dout")
    if dout.shape != tuple(shape):
        raise ValueError(f"{where}: expected dout of shape {tuple(shape)} (the shape forward returns), "
                         f"got {dout.shape}")
    return dout


# --- helpers for the derivation (single channel, 2-D arrays) -----------------

def pad(x, padding) -> np.ndarray:
    """Zero-pad the last two axes of x by `padding` (int or (rows, cols)) on each side."""
    x = as_float_array(x, "pad")
    if x.ndim < 2:
        raise ValueError(f"pad: expected x with at least 2 dimensions, got shape {x.shape}")
    ph, pw = _pair(padding, "pad", "padding", low=0)
    widths = [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)]
    return np.pad(x, widths)


def rot180(K) -> np.ndarray:
    """K rotated by 180 degrees in its last two axes: rot180(K)[..., u, v] = K[..., kh-1-u, kw-1-v]."""
    K = as_float_array(K, "rot180", "K")
    if K.ndim < 2:
        raise ValueError(f"rot180: expected K with at least 2 dimensions, got shape {K.shape}")
    return K[..., ::-1, ::-1].copy()


_MODES = ("valid", "same", "full")


def _mode_pads(mode: str, kh: int, kw: int, where: str) -> tuple:
    if mode == "valid":
        return (0, 0), (0, 0)
    if mode == "full":
        return (kh - 1, kh - 1), (kw - 1, kw - 1)
    if mode == "same":  # output as large as the input; the odd extra row/column of padding goes last
        return ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2)
    raise ValueError(f"{where}: expected mode to be one of {_MODES}, got {mode!r}")


def correlate2d(x, k, mode: str = "valid") -> np.ndarray:
    """y[i, j] = sum_{u, v} x[i + u, j + v] * k[u, v]   (cross-correlation: the kernel slides unflipped).

    x: (H, W), k: (kh, kw).  mode "valid": (H-kh+1, W-kw+1), only where k fits inside x;
    "full": (H+kh-1, W+kw-1), x zero-padded by kh-1, kw-1 on every side, every overlap;
    "same": (H, W), x padded by (kh-1)//2 before and kh//2 after (as scipy.signal does).
    """
    x = as_float_array(x, "correlate2d", "x", ndim=2)
    k = as_float_array(k, "correlate2d", "k", ndim=2)
    (pt, pb), (pl, pr) = _mode_pads(mode, *k.shape, "correlate2d")
    xp = np.pad(x, ((pt, pb), (pl, pr)))
    kh, kw = k.shape
    if kh > xp.shape[0] or kw > xp.shape[1]:
        raise ValueError(f"correlate2d: kernel {k.shape} larger than input {x.shape} in mode {mode!r}")
    Ho, Wo = xp.shape[0] - kh + 1, xp.shape[1] - kw + 1
    y = np.zeros((Ho, Wo))
    for u in range(kh):
        for v in range(kw):
            y += k[u, v] * xp[u:u + Ho, v:v + Wo]
    return y


def convolve2d(x, k, mode: str = "valid") -> np.ndarray:
    """y[i, j] = sum_{u, v} x[i - u, j - v] * k[u, v]   (true convolution = correlation with rot180(k)).

    Same modes and shapes as correlate2d; matches scipy.signal.convolve2d.
    """
    x = as_float_array(x, "convolve2d", "x", ndim=2)
    k = as_float_array(k, "convolve2d", "k", ndim=2)
    if mode == "same":
        # the centre of the full convolution, as scipy takes it: drop (kh-1)//2 rows in front
        kh, kw = k.shape
        full = correlate2d(x, k[::-1, ::-1], "full")
        t, left = (kh - 1) // 2, (kw - 1) // 2
        return full[t:t + x.shape[0], left:left + x.shape[1]]
    return correlate2d(x, k[::-1, ::-1], mode)


# --- convolution: naive loops ------------------------------------------------

def conv2d_forward_naive(x, K, b=None, stride=1, padding=0) -> np.ndarray:
    """z = x (cross-correlated with) K + b, one output number at a time.

    x: (N, C, H, W), K: (F, C, kh, kw), b: (F,) or None -> z: (N, F, Ho, Wo).
    """
    x, K, b, (sh, sw), p, Ho, Wo = _conv_args(x, K, b, stride, padding, "conv2d_forward_naive")
    xp = pad(x, p)
    N, F = x.shape[0], K.shape[0]
    kh, kw = K.shape[2:]
    z = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    window = xp[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]   # (C, kh, kw)
                    z[n, f, i, j] = np.sum(window * K[f]) + (b[f] if b is not None else 0.0)
    return z


def conv2d_backward_naive(dout, x, K, stride=1, padding=0):
    """dx, dK, db of z = x * K + b, given dout = dC/dz, by undoing the forward loop.

    Each output z[n, f, i, j] saw one window of xp through the kernel K[f], so
    it sends dout[n, f, i, j] * K[f] back to that window (dx) and
    dout[n, f, i, j] * window to K[f] (dK); db[f] sums dout over n, i, j.
    Returns (dx (N, C, H, W), dK (F, C, kh, kw), db (F,)).
    """
    x, K, _, (sh, sw), p, Ho, Wo = _conv_args(x, K, None, stride, padding, "conv2d_backward_naive")
    N, F = x.shape[0], K.shape[0]
    dout = _check_dout(dout, (N, F, Ho, Wo), "conv2d_backward_naive")
    kh, kw = K.shape[2:]
    xp = pad(x, p)
    dxp = np.zeros_like(xp)
    dK = np.zeros_like(K)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
                    dK[f] += dout[n, f, i, j] * xp[n, :, rows, cols]
                    dxp[n, :, rows, cols] += dout[n, f, i, j] * K[f]
    db = dout.sum(axis=(0, 2, 3))
    dx = dxp[:, :, p[0]:p[0] + x.shape[2], p[1]:p[1] + x.shape[3]]
    return dx, dK, db


# --- convolution: fast (im2col + one matrix product) -------------------------
#
# How the fast path works.  np.lib.stride_tricks.as_strided gives a *view* of
# the padded input xp in which entry [c, u, v, n, i, j] is xp[n, c, s*i + u,
# s*j + v]: the pixel that kernel weight K[:, c, u, v] meets at output (i, j).
# No pixel is copied to make the view.  Copying it into the matrix X_col of
# shape (C*kh*kw, N*Ho*Wo) repeats each pixel once per kernel position that
# covers it ("im2col"); then the layer is one matrix product done by BLAS,
# z = K_mat @ X_col with K_mat = K reshaped to (F, C*kh*kw).  Backward is two
# more products with the same matrices, dK = dZ @ X_col^T and
# dX_col = K_mat^T @ dZ, after which each entry of dX_col is added back onto
# the pixel it was copied from ("col2im": kh*kw strided slice additions, one
# per kernel position).  The rows of X_col are ordered (c, u, v) and its
# columns (n, i, j), so z comes out as (F, N, Ho, Wo) and needs one transpose.
# A layer passes a `scratch` dict so that the large work arrays (X_col, dX_col,
# the padded dx) are allocated once and reused on every batch of the same
# shape: fresh multi-megabyte arrays cost page faults that can take longer
# than the arithmetic.

def _work_array(scratch: dict | None, name: str, shape: tuple) -> np.ndarray:
    """An uninitialised float64 array of this shape: scratch[name] if it fits, else a new one (kept in scratch)."""
    if scratch is None:
        return np.empty(shape)
    arr = scratch.get(name)
    if arr is None or arr.shape != shape:
        arr = scratch[name] = np.empty(shape)
    return arr


def _im2col(xp: np.ndarray, kh: int, kw: int, sh: int, sw: int, Ho: int, Wo: int, out=None) -> np.ndarray:
    """X_col (C*kh*kw, N*Ho*Wo) from the padded input xp (N, C, Hp, Wp); rows (c, u, v), columns (n, i, j)."""
    N, C = xp.shape[:2]
    sN, sC, sH, sW = xp.strides
    view = as_strided(xp, shape=(C, kh, kw, N, Ho, Wo), strides=(sC, sH, sW, sN, sH * sh, sW * sw), writeable=False)
    if out is None:
        out = np.empty((C * kh * kw, N * Ho * Wo))
    np.copyto(out.reshape(C, kh, kw, N, Ho, Wo), view)
    return out


def _col2im(dcol: np.ndarray, dxp: np.ndarray, kh: int, kw: int, sh: int, sw: int, Ho: int, Wo: int) -> np.ndarray:
    """Undo _im2col's copying: add each entry of dcol onto the pixel of dxp (N, C, Hp, Wp) it came from."""
    N, C = dxp.shape[:2]
    d6 = dcol.reshape(C, kh, kw, N, Ho, Wo)
    dxp[...] = 0.0
    dxp_t = dxp.transpose(1, 0, 2, 3)                    # (C, N, Hp, Wp) view, lined up with d6[:, u, v]
    for u in range(kh):
        for v in range(kw):
            dxp_t[:, :, u:u + sh * Ho:sh, v:v + sw * Wo:sw] += d6[:, u, v]
    return dxp


def _conv_fast_forward(x, K, b, s, p, Ho, Wo, scratch=None):
    """(z, X_col), the argument checks already done."""
    N, C, H, W = x.shape
    F, _, kh, kw = K.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1]))) if any(p) else x
    X_col = _im2col(xp, kh, kw, s[0], s[1], Ho, Wo, out=_work_array(scratch, "X_col", (C * kh * kw, N * Ho * Wo)))
    z = K.reshape(F, -1) @ X_col                          # (F, N*Ho*Wo)
    if b is not None:
        z += b[:, None]
    return np.ascontiguousarray(z.reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3)), X_col


def _conv_fast_backward(dout, x_shape, K, X_col, s, p, scratch=None):
    """(dx, dK, db) from dout (N, F, Ho, Wo) and the forward's X_col."""
    N, C, H, W = x_shape
    F, _, kh, kw = K.shape
    Ho, Wo = dout.shape[2:]
    dZ = dout.transpose(1, 0, 2, 3).reshape(F, N * Ho * Wo)   # one copy
    db = dZ.sum(axis=1)
    dK = (X_col @ dZ.T).T.reshape(K.shape)                    # = dZ @ X_col^T, in the order BLAS does faster
    dcol = np.matmul(K.reshape(F, -1).T, dZ, out=_work_array(scratch, "dX_col", X_col.shape))
    dxp = _work_array(scratch, "dxp", (N, C, H + 2 * p[0], W + 2 * p[1]))
    _col2im(dcol, dxp, kh, kw, s[0], s[1], Ho, Wo)
    dx = dxp[:, :, p[0]:p[0] + H, p[1]:p[1] + W].copy()      # a fresh array: the caller may keep it
    return dx, np.ascontiguousarray(dK), db


def conv2d_forward(x, K, b=None, stride=1, padding=0) -> np.ndarray:
    """z = x (cross-correlated with) K + b, vectorized (im2col + one matrix product).

    x: (N, C, H, W), K: (F, C, kh, kw), b: (F,) or None -> z: (N, F, Ho, Wo),
    Ho = floor((H + 2*padding - kh) / stride) + 1 (and likewise Wo).
    """
    x, K, b, s, p, Ho, Wo = _conv_args(x, K, b, stride, padding, "conv2d_forward")
    return _conv_fast_forward(x, K, b, s, p, Ho, Wo)[0]


def conv2d_backward(dout, x, K, stride=1, padding=0):
    """(dx, dK, db) of z = x * K + b given dout = dC/dz (N, F, Ho, Wo), vectorized.

    dx is the "full" correlation of dout with the 180-degree rotated kernel
    (for stride 1), dK the correlation of the padded input with dout, and db
    the sum of dout over the batch and positions.  Same results as
    conv2d_backward_naive.
    """
    x, K, _, s, p, Ho, Wo = _conv_args(x, K, None, stride, padding, "conv2d_backward")
    dout = _check_dout(dout, (x.shape[0], K.shape[0], Ho, Wo), "conv2d_backward")
    _, X_col = _conv_fast_forward(x, K, None, s, p, Ho, Wo)   # rebuilds X_col (a layer keeps it instead)
    return _conv_fast_backward(dout, x.shape, K, X_col, s, p)


# --- pooling -----------------------------------------------------------------

def _pool_args(x, kernel_size, stride, where: str):
    x = _image(x, where)
    k = _pair(kernel_size, where, "kernel_size", low=1)
    s = k if stride is None else _pair(stride, where, "stride", low=1)
    Ho, Wo = _out_hw(x, k, s, (0, 0), where, what="pooling window")
    return x, k, s, Ho, Wo


def _offsets(k: tuple):
    """Window positions (u, v) in row-major order, numbered 0 .. kh*kw-1."""
    return [(u, v) for u in range(k[0]) for v in range(k[1])]


def _shifted(x: np.ndarray, u: int, v: int, s: tuple, Ho: int, Wo: int) -> np.ndarray:
    """View (N, C, Ho, Wo): the pixel at position (u, v) of every window."""
    return x[:, :, u:u + s[0] * Ho:s[0], v:v + s[1] * Wo:s[1]]


def maxpool2d_forward_naive(x, kernel_size, stride=None) -> np.ndarray:
    """out[n, c, i, j] = max of the window x[n, c, s*i : s*i+kh, s*j : s*j+kw].  stride defaults to kernel_size."""
    return _maxpool_naive(x, kernel_size, stride, "maxpool2d_forward_naive")[0]


def _maxpool_naive(x, kernel_size, stride, where):
    x, (kh, kw), (sh, sw), Ho, Wo = _pool_args(x, kernel_size, stride, where)
    N, C = x.shape[:2]
    out = np.zeros((N, C, Ho, Wo))
    argmax = np.zeros((N, C, Ho, Wo, 2), dtype=int)     # (row, col) of the winner, in x
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    best, where_best = -np.inf, (i * sh, j * sw)
                    for u in range(kh):                  # row-major scan: a later tie does not win
                        for v in range(kw):
                            val = x[n, c, i * sh + u, j * sw + v]
                            if val > best or (np.isnan(val) and not np.isnan(best)):
                                best, where_best = val, (i * sh + u, j * sw + v)
                    out[n, c, i, j] = best
                    argmax[n, c, i, j] = where_best
    return out, argmax, x


def maxpool2d_backward_naive(dout, x, kernel_size, stride=None) -> np.ndarray:
    """dx: each window's dout goes, whole, to the position of its first maximum (row-major); the rest get 0."""
    out, argmax, x = _maxpool_naive(x, kernel_size, stride, "maxpool2d_backward_naive")
    dout = _check_dout(dout, out.shape, "maxpool2d_backward_naive")
    dx = np.zeros_like(x)
    N, C, Ho, Wo = out.shape
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    r, q = argmax[n, c, i, j]
                    dx[n, c, r, q] += dout[n, c, i, j]      # += : overlapping windows may share a winner
    return dx


# Threads.  numpy releases the GIL inside its loops, so the pooling loops below
# run on slices of the batch in parallel threads (one per core, at most 4) when
# the input is large enough to repay the start-up (about 20 microseconds).
_THREADS = max(1, min(4, os.cpu_count() or 1))
_THREAD_MIN_SIZE = 32_768           # numbers in x; below this one thread is faster
_executor: ThreadPoolExecutor | None = None
_executor_pid = -1                   # a forked child gets its own pool (threads do not survive a fork)


def _over_batch(part, N: int, size: int) -> None:
    """Call part(lo, hi) on consecutive slices covering range(N), in threads when worth it."""
    global _executor, _executor_pid
    n_parts = min(_THREADS, N) if size >= _THREAD_MIN_SIZE else 1
    if n_parts <= 1:
        part(0, N)
        return
    if _executor is None or _executor_pid != os.getpid():
        _executor = ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="bpcourse-pool")
        _executor_pid = os.getpid()
    bounds = [N * i // n_parts for i in range(n_parts + 1)]
    futures = [_executor.submit(part, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]
    for f in futures:
        f.result()


# How the fast pooling works.  A window has only kh*kw positions (4 for 2x2),
# so instead of looping over the N*C*Ho*Wo windows we loop over the positions:
# _shifted(x, u, v) is a strided view (no copy) holding pixel (u, v) of every
# window at once.  Max pooling's forward is a running np.maximum over these
# kh*kw views, visited in row-major order; on the way it records, for each
# position, where the pixel is strictly larger than everything before it in its
# window ("rises").  The window's first maximum is the last position that rose
# (position 0 if none did), so the backward hands each window's delta to the
# position that rose with no later rise: a tie, which does not rise, gets
# nothing.  (A NaN never compares larger; windows holding NaN take a slower
# path that compares each pixel with the window's maximum.)  Average pooling
# adds the views (forward) and writes dout / (kh*kw) into each of them
# (backward).  When windows overlap (stride < kernel_size) the backward adds
# (+=) into the views, since a pixel then belongs to several windows;
# otherwise it assigns.

def _overlapping(k: tuple, s: tuple) -> bool:
    return s[0] < k[0] or s[1] < k[1]


def _new_dx(x_shape: tuple, k: tuple, s: tuple, Ho: int, Wo: int) -> np.ndarray:
    """Array for dx: zeros unless the windows tile x exactly (then every entry gets written)."""
    H, W = x_shape[2:]
    if s == k and Ho * k[0] == H and Wo * k[1] == W:
        return np.empty(x_shape)
    return np.zeros(x_shape)


def _maxpool_fast(x, k, s, Ho, Wo, keep_rises: bool = False):
    """(out, rises).  rises[n - 1] (for window position n >= 1, row-major) is True where pixel n is
    strictly larger than every earlier pixel of its window: the window's first maximum is then the
    LAST position that rose (position 0 if none did).  rises is None unless keep_rises."""
    N, C = x.shape[:2]
    offsets = _offsets(k)
    out = np.empty((N, C, Ho, Wo))
    rises = np.empty((len(offsets) - 1, N, C, Ho, Wo), dtype=bool) if keep_rises else None

    def part(lo: int, hi: int) -> None:
        o, xs = out[lo:hi], x[lo:hi]
        np.copyto(o, _shifted(xs, *offsets[0], s, Ho, Wo))
        for n, (u, v) in enumerate(offsets[1:], start=1):
            cand = _shifted(xs, u, v, s, Ho, Wo)
            if rises is not None:
                np.greater(cand, o, out=rises[n - 1, lo:hi])
            np.maximum(o, cand, out=o)                  # NaN propagates
    _over_batch(part, N, x.size)
    return out, rises


def _maxpool_fast_backward(dout, x, out, rises, k, s) -> np.ndarray:
    Ho, Wo = out.shape[2:]
    offsets = _offsets(k)
    add = _overlapping(k, s)
    if rises is None or np.isnan(out).any():
        # NaN windows (the rises cannot see a NaN), or no rises kept: compare with the maximum instead
        has_nan = bool(np.isnan(out).any())
        dx = np.zeros(x.shape)

        def part(lo: int, hi: int) -> None:
            remaining = dout[lo:hi]                    # delta not yet handed to a winner
            for u, v in offsets:
                cand = _shifted(x[lo:hi], u, v, s, Ho, Wo)
                hit = cand == out[lo:hi]
                if has_nan:                            # a NaN window's maximum is its first NaN
                    hit |= np.isnan(cand)
                given = remaining * hit
                _shifted(dx[lo:hi], u, v, s, Ho, Wo)[...] += given
                remaining = remaining - given          # exact: r - r = 0 where hit, r - 0 = r elsewhere
    else:
        dx = _new_dx(x.shape, k, s, Ho, Wo)

        def part(lo: int, hi: int) -> None:
            later = None                               # "some later position rose": that one wins instead
            for n in range(len(offsets) - 1, -1, -1):
                if n > 0:
                    rose = rises[n - 1, lo:hi]
                    hit = rose if later is None else rose > later      # rose and not later, for bools
                    later = rose if later is None else later | rose
                else:
                    hit = True if later is None else ~later
                target = _shifted(dx[lo:hi], *offsets[n], s, Ho, Wo)
                if add:
                    target += dout[lo:hi] * hit
                else:
                    np.multiply(dout[lo:hi], hit, out=target)
    _over_batch(part, x.shape[0], x.size)
    return dx


def maxpool2d_forward(x, kernel_size, stride=None) -> np.ndarray:
    """out[n, c, i, j] = max of window (i, j) of x, vectorized.  x: (N, C, H, W) -> (N, C, Ho, Wo)."""
    x, k, s, Ho, Wo = _pool_args(x, kernel_size, stride, "maxpool2d_forward")
    return _maxpool_fast(x, k, s, Ho, Wo)[0]


def maxpool2d_backward(dout, x, kernel_size, stride=None) -> np.ndarray:
    """dx: dout routed to the first maximum (row-major) of each window, vectorized; same as the naive version."""
    x, k, s, Ho, Wo = _pool_args(x, kernel_size, stride, "maxpool2d_backward")
    dout = _check_dout(dout, (*x.shape[:2], Ho, Wo), "maxpool2d_backward")
    out, rises = _maxpool_fast(x, k, s, Ho, Wo, keep_rises=True)
    return _maxpool_fast_backward(dout, x, out, rises, k, s)


def avgpool2d_forward_naive(x, kernel_size, stride=None) -> np.ndarray:
    """out[n, c, i, j] = mean of the window x[n, c, s*i : s*i+kh, s*j : s*j+kw].  stride defaults to kernel_size."""
    x, (kh, kw), (sh, sw), Ho, Wo = _pool_args(x, kernel_size, stride, "avgpool2d_forward_naive")
    N, C = x.shape[:2]
    out = np.zeros((N, C, Ho, Wo))
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, c, i, j] = x[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].mean()
    return out


def avgpool2d_backward_naive(dout, x, kernel_size, stride=None) -> np.ndarray:
    """dx: each window's dout is shared evenly, dout / (kh*kw) to each of its kh*kw pixels."""
    x, (kh, kw), (sh, sw), Ho, Wo = _pool_args(x, kernel_size, stride, "avgpool2d_backward_naive")
    dout = _check_dout(dout, (*x.shape[:2], Ho, Wo), "avgpool2d_backward_naive")
    dx = np.zeros_like(x)
    N, C = x.shape[:2]
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    dx[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += dout[n, c, i, j] / (kh * kw)
    return dx


def avgpool2d_forward(x, kernel_size, stride=None) -> np.ndarray:
    """out = mean of each window, vectorized.  x: (N, C, H, W) -> (N, C, Ho, Wo)."""
    x, k, s, Ho, Wo = _pool_args(x, kernel_size, stride, "avgpool2d_forward")
    return _avgpool_fast(x, k, s, Ho, Wo)


def _avgpool_fast(x, k, s, Ho, Wo) -> np.ndarray:
    out = np.empty((*x.shape[:2], Ho, Wo))
    offsets = _offsets(k)

    def part(lo: int, hi: int) -> None:
        o = out[lo:hi]
        np.copyto(o, _shifted(x[lo:hi], *offsets[0], s, Ho, Wo))
        for u, v in offsets[1:]:
            o += _shifted(x[lo:hi], u, v, s, Ho, Wo)
        o *= 1.0 / (k[0] * k[1])
    _over_batch(part, x.shape[0], x.size)
    return out


def avgpool2d_backward(dout, x, kernel_size, stride=None) -> np.ndarray:
    """dx: dout / (kh*kw) added to every pixel of its window, vectorized."""
    x, k, s, Ho, Wo = _pool_args(x, kernel_size, stride, "avgpool2d_backward")
    dout = _check_dout(dout, (*x.shape[:2], Ho, Wo), "avgpool2d_backward")
    return _avgpool_fast_backward(dout, x.shape, k, s)


def _avgpool_fast_backward(dout, x_shape, k, s) -> np.ndarray:
    Ho, Wo = dout.shape[2:]
    dx = _new_dx(x_shape, k, s, Ho, Wo)
    add = _overlapping(k, s)

    def part(lo: int, hi: int) -> None:
        share = dout[lo:hi] * (1.0 / (k[0] * k[1]))
        for u, v in _offsets(k):
            target = _shifted(dx[lo:hi], u, v, s, Ho, Wo)
            if add:
                target += share
            else:
                np.copyto(target, share)
    _over_batch(part, x_shape[0], int(np.prod(x_shape)))
    return dx


# --- layers ------------------------------------------------------------------

class Conv2D(Layer):
    """z = x * K + b (cross-correlation).  x: (N, in_ch, H, W) -> z: (N, out_ch, Ho, Wo).

    params "K" (out_ch, in_ch, kh, kw) and "b" (out_ch,).  init as for Dense
    ("he" by default: std sqrt(2 / fan_in)), with fan_in = in_ch*kh*kw and
    fan_out = out_ch*kh*kw.  forward keeps the im2col matrix for backward
    (memory: C*kh*kw numbers per output position).
    """

    def __init__(self, in_ch: int, out_ch: int, kernel_size, stride=1, padding=0, rng=None,
                 init: str = "he") -> None:
        super().__init__()
        self.in_ch = check_int(in_ch, "Conv2D", "in_ch", low=1)
        self.out_ch = check_int(out_ch, "Conv2D", "out_ch", low=1)
        self.kernel_size = _pair(kernel_size, "Conv2D", "kernel_size", low=1)
        self.stride = _pair(stride, "Conv2D", "stride", low=1)
        self.padding = _pair(padding, "Conv2D", "padding", low=0)
        if init not in INITS:
            raise ValueError(f"Conv2D: unknown init {init!r}; expected one of {sorted(INITS)}")
        self.init = init
        kh, kw = self.kernel_size
        std = INITS[init](self.in_ch * kh * kw, self.out_ch * kh * kw)
        gen = make_rng(rng, "Conv2D")
        self.params = {"K": gen.normal(0.0, std, size=(self.out_ch, self.in_ch, kh, kw)),
                       "b": np.zeros(self.out_ch)}
        self.grads = {"K": np.zeros_like(self.params["K"]), "b": np.zeros_like(self.params["b"])}
        self.x = None
        self.X_col = None     # the im2col matrix of the latest forward
        self.scratch = {}     # work arrays reused from batch to batch

    def forward(self, x):
        x, K, b, s, p, Ho, Wo = _conv_args(x, self.params["K"], self.params["b"], self.stride, self.padding,
                                           "Conv2D.forward")
        z, self.X_col = _conv_fast_forward(x, K, b, s, p, Ho, Wo, scratch=self.scratch)
        self.x = x
        return z

    def backward(self, dout):
        self._require_forward()
        N, _, H, W = self.x.shape
        Ho = conv_output_size(H, self.kernel_size[0], self.stride[0], self.padding[0])
        Wo = conv_output_size(W, self.kernel_size[1], self.stride[1], self.padding[1])
        dout = self._check_dout(dout, (N, self.out_ch, Ho, Wo))
        dx, dK, db = _conv_fast_backward(dout, self.x.shape, self.params["K"], self.X_col, self.stride,
                                         self.padding, scratch=self.scratch)
        self.grads["K"] = dK
        self.grads["b"] = db
        return dx

    def __repr__(self) -> str:
        k, s, p = self.kernel_size, self.stride, self.padding
        ks = k[0] if k[0] == k[1] else k
        extra = (f", stride={s[0] if s[0] == s[1] else s}" if s != (1, 1) else "") + \
                (f", padding={p[0] if p[0] == p[1] else p}" if p != (0, 0) else "")
        return f"Conv2D({self.in_ch}, {self.out_ch}, kernel_size={ks}{extra})"


class _Pool(Layer):
    name = "Pool"

    def __init__(self, kernel_size, stride=None) -> None:
        super().__init__()
        self.kernel_size = _pair(kernel_size, self.name, "kernel_size", low=1)
        self.stride = self.kernel_size if stride is None else _pair(stride, self.name, "stride", low=1)
        self.x = None

    def _out_shape(self) -> tuple:
        k, s = self.kernel_size, self.stride
        N, C, H, W = self.x.shape
        return (N, C, conv_output_size(H, k[0], s[0]), conv_output_size(W, k[1], s[1]))

    def __repr__(self) -> str:
        k, s = self.kernel_size, self.stride
        ks = k[0] if k[0] == k[1] else k
        extra = "" if s == k else f", stride={s[0] if s[0] == s[1] else s}"
        return f"{self.name}(kernel_size={ks}{extra})"


class MaxPool2D(_Pool):
    """out = max of each kh x kw window (stride defaults to kernel_size).  No parameters.

    backward gives each window's dout to its first maximum in row-major order
    (ties: the top-left-most), as PyTorch does.
    """

    name = "MaxPool2D"

    def forward(self, x):
        x, k, s, Ho, Wo = _pool_args(x, self.kernel_size, self.stride, "MaxPool2D.forward")
        self.x = x
        self.out, self.rises = _maxpool_fast(x, k, s, Ho, Wo, keep_rises=True)
        return self.out

    def backward(self, dout):
        self._require_forward()
        shape = self._out_shape()
        dout = self._check_dout(dout, shape)
        return _maxpool_fast_backward(dout, self.x, self.out, self.rises, self.kernel_size, self.stride)


class AvgPool2D(_Pool):
    """out = mean of each kh x kw window (stride defaults to kernel_size).  No parameters.

    backward shares each window's dout evenly: dout / (kh*kw) to every pixel.
    """

    name = "AvgPool2D"

    def forward(self, x):
        x, k, s, Ho, Wo = _pool_args(x, self.kernel_size, self.stride, "AvgPool2D.forward")
        self.x = x
        return _avgpool_fast(x, k, s, Ho, Wo)

    def backward(self, dout):
        self._require_forward()
        shape = self._out_shape()
        dout = self._check_dout(dout, shape)
        return _avgpool_fast_backward(dout, self.x.shape, self.kernel_size, self.stride)
