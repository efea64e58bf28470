"""Data sets: shapes, ranges, reproducibility, nothing downloaded."""

import numpy as np
import pytest

from bpcourse import data


def test_xor():
    X, y = data.xor()
    np.testing.assert_array_equal(y[:, 0], np.logical_xor(X[:, 0], X[:, 1]))


def test_spirals_seeded_and_shaped():
    X, y = data.spirals(50, 3, rng=1)
    X2, _ = data.spirals(50, 3, rng=1)
    assert X.shape == (150, 2) and y.shape == (150,) and set(y) == {0, 1, 2}
    np.testing.assert_array_equal(X, X2)


def test_digits_split_is_fixed_and_scaled():
    X_tr, y_tr, X_te, y_te = data.load_digits()
    assert X_tr.shape == (1347, 64) and X_te.shape == (450, 64)
    assert X_tr.min() == 0.0 and X_tr.max() == 1.0
    assert set(y_te) == set(range(10))
    again = data.load_digits()
    np.testing.assert_array_equal(again[3], y_te)
    imgs = data.load_digits(images=True)[0]
    assert imgs.shape == (1347, 1, 8, 8)


@pytest.mark.parametrize("n, count", [(2, 6), (3, 14), (4, 30)])
def test_bars_and_stripes(n, count):
    V = data.bars_and_stripes(n)
    assert V.shape == (count, n * n)
    assert set(np.unique(V)) <= {0.0, 1.0}
    for v in V.reshape(-1, n, n):
        rows_equal = np.all(v == v[0:1, :])
        cols_equal = np.all(v == v[:, 0:1])
        assert rows_equal or cols_equal


def test_face_vs_background():
    X, y = data.face_vs_background(100, size=6, rng=0)
    assert X.shape == (100, 36) and set(np.unique(y)) == {-1.0, 1.0}
    assert X[y[:, 0] > 0].mean() > X[y[:, 0] < 0].mean()


def test_data_errors():
    with pytest.raises(ValueError, match=r"spirals: expected n_classes >= 2, got 1"):
        data.spirals(10, 1)
    with pytest.raises(ValueError, match=r"bars_and_stripes: expected n <= 5"):
        data.bars_and_stripes(9)
    with pytest.raises(ValueError, match=r"load_digits: expected test_size < 1.0"):
        data.load_digits(test_size=1.0)
