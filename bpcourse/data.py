"""Small data sets that never download: everything is generated or bundled.

load_digits uses scikit-learn's bundled 8x8 digits (1797 images), so tests and
notebooks run offline.
"""

from __future__ import annotations

import itertools

import numpy as np

from bpcourse._checks import check_int, check_real, make_rng

__all__ = ["xor", "spirals", "load_digits", "bars_and_stripes", "face_vs_background"]


def xor():
    """The four XOR examples: X (4, 2) of 0/1, y (4, 1) with y = x1 XOR x2."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return X, y


def spirals(n: int = 100, n_classes: int = 3, noise: float = 0.2, rng=0):
    """n points per class on interleaved spiral arms: X (n*n_classes, 2), y (n*n_classes,) integer labels."""
    n = check_int(n, "spirals", "n", low=1)
    n_classes = check_int(n_classes, "spirals", "n_classes", low=2)
    noise = check_real(noise, "spirals", "noise", low=0.0)
    gen = make_rng(rng, "spirals")
    X = np.zeros((n * n_classes, 2))
    y = np.zeros(n * n_classes, dtype=int)
    for k in range(n_classes):
        r = np.linspace(0.0, 1.0, n)
        theta = np.linspace(k * 4.0, (k + 1) * 4.0, n) + gen.normal(0.0, noise, n)
        X[k * n:(k + 1) * n] = np.c_[r * np.sin(theta), r * np.cos(theta)]
        y[k * n:(k + 1) * n] = k
    return X, y


def load_digits(test_size: float = 0.25, images: bool = False):
    """scikit-learn's 8x8 digits scaled to [0, 1], split once and for all (stratified, seed 0).

    Returns X_train, y_train, X_test, y_test; X is (N, 64), or (N, 1, 8, 8) with
    images=True; y holds integer labels 0..9.  Default: 1347 train, 450 test.
    """
    from sklearn.datasets import load_digits as _load
    from sklearn.model_selection import train_test_split

    test_size = check_real(test_size, "load_digits", "test_size", low=0.0, high=1.0, low_open=True, high_open=True)
    digits = _load()
    X = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_size, random_state=0, stratify=y)
    if images:
        X_tr, X_te = X_tr.reshape(-1, 1, 8, 8), X_te.reshape(-1, 1, 8, 8)
    return X_tr, y_tr, X_te, y_te


def bars_and_stripes(n: int = 3):
    """Every n x n binary image made of full vertical bars or full horizontal stripes.

    Returns V of shape (2**(n+1) - 2, n*n): the 2**n bar patterns and 2**n stripe
    patterns, with the all-off and all-on images (which are both) kept once.
    """
    n = check_int(n, "bars_and_stripes", "n", low=1, high=5)
    patterns = []
    for bits in itertools.product([0.0, 1.0], repeat=n):
        row = np.array(bits)
        patterns.append(np.tile(row, (n, 1)))      # vertical bars: every row the same
        patterns.append(np.tile(row[:, None], (1, n)))  # horizontal stripes: every column the same
    V = np.unique(np.array([p.reshape(-1) for p in patterns]), axis=0)
    return V


def face_vs_background(n: int = 200, size: int = 6, noise: float = 0.3, rng=0):
    """A toy version of the sources' running example: small images with a face-like blob (+1) or
    background texture (-1).  X (n, size*size) in [-1, 1]-ish, y (n, 1) of +1/-1 (for a tanh output).
    """
    n = check_int(n, "face_vs_background", "n", low=2)
    size = check_int(size, "face_vs_background", "size", low=4)
    noise = check_real(noise, "face_vs_background", "noise", low=0.0)
    gen = make_rng(rng, "face_vs_background")
    yy, xx = np.mgrid[0:size, 0:size] / (size - 1) * 2 - 1
    face = np.exp(-(xx ** 2 + yy ** 2) / 0.5)                       # a bright oval
    face -= 0.8 * ((np.abs(yy + 0.35) < 0.2) & (np.abs(np.abs(xx) - 0.4) < 0.2))  # two dark eyes
    y = np.where(gen.random(n) < 0.5, 1.0, -1.0)
    X = gen.normal(0.0, noise, size=(n, size * size))
    X[y > 0] += face.reshape(-1)
    return X, y[:, None]
